// Step 5: export the selected conversion as WAV or FLAC at a chosen rate and bit depth under a
// suggested name. Web mode gets bytes and downloads them; Electron saves through a dialog and
// reports the path (or that the dialog was closed). "Save comparison bundle" saves the same item as a
// zip (source, result, metrics.json, spectrogram.png) the same way, for sharing and bug reports.
import { useEffect, useState, type Ref } from 'react';
import type { ExportBitDepth, ExportFormat, VoiceApi } from '../../src/api/types';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS } from '../../src/api/types';
import { downloadBytes } from '../browser/download';
import { withExtension } from '../lib/names';
import type { HistoryItem } from './History';
import { ErrorNote } from './ErrorNote';

interface Props {
  api: VoiceApi;
  item: HistoryItem | null;
  nameRef?: Ref<HTMLInputElement>;
}

export function ExportPanel({ api, item, nameRef }: Props) {
  const [format, setFormat] = useState<ExportFormat>('wav');
  const [sampleRate, setSampleRate] = useState<number>(44100);
  const [bitDepth, setBitDepth] = useState<ExportBitDepth>(16);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [bundling, setBundling] = useState(false);

  useEffect(() => {
    setName(item?.suggestedName ?? '');
    setDone(null);
    setError(null);
  }, [item]);

  // Rates and depths the chosen format holds (the same table the engine validates against).
  const spec = EXPORT_FORMATS[format];
  useEffect(() => {
    const depths: readonly ExportBitDepth[] = EXPORT_FORMATS[format].bitDepths;
    if (!depths.includes(bitDepth)) setBitDepth(depths[depths.length - 1]);
    const rates: readonly number[] = EXPORT_FORMATS[format].sampleRates;
    if (!rates.includes(sampleRate)) setSampleRate(rates[rates.length - 1]);
  }, [format, bitDepth, sampleRate]);

  /** Runs one save action on the current item with its busy flag and the shared message/error. */
  const perform = async (setFlag: (busy: boolean) => void, work: (it: HistoryItem) => Promise<string>) => {
    if (!item) return;
    setFlag(true);
    setError(null);
    setDone(null);
    try {
      setDone(await work(item));
    } catch (err) {
      setError(err);
    } finally {
      setFlag(false);
    }
  };

  const run = () =>
    perform(setBusy, async (it) => {
      const stem = name.trim() || it.suggestedName;
      const out = await api.exportClip({ audio: it.result.audio, format, sampleRate, bitDepth, name: stem });
      return deliver(out, withExtension(stem, format));
    });

 /** Where the bytes went, in words (a download in web mode, a path or a cancel in Electron). */
  const deliver = (out: { fileName: string; path?: string; bytes?: Uint8Array; cancelled?: boolean }, fallbackName: string): string => {
    if (out.cancelled) return 'Export cancelled: nothing was saved.';
    if (out.path) return `Saved to ${out.path}`;
    if (out.bytes) {
      const fileName = out.fileName || fallbackName;
      downloadBytes(out.bytes, fileName);
      return `Downloaded ${fileName}`;
    }
    return `Exported ${out.fileName}`;
  };

  const saveBundle = () =>
    perform(setBundling, async (it) => {
      const stem = `${name.trim() || it.suggestedName}-bundle`;
      const { audio, timings, similarity, variant, synthesis, anomaly, rtf } = it.result;
      const out = await api.exportBundle({
        source: it.source,
        ...(it.reference ? { reference: it.reference } : {}),
        result: { audio, timings, similarity, variant, synthesis, anomaly, rtf },
        settings: {
          voice: it.voiceLabel,
          ...(it.reference ? { target: 'reference' as const } : {}),
          mix: it.mix,
          pitchSemitones: it.pitch,
          ...(it.quality ? { quality: it.quality } : {}),
        },
        name: stem,
      });
      return deliver(out, `${stem}.zip`);
    });

  return (
    <section className="panel export" aria-labelledby="export-title">
      <h2 id="export-title">
        <span className="step">5</span> Export
      </h2>
      {!item && <p className="muted">Convert a clip first; then save it here.</p>}
      <form
        className="export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label className="field wide">
          <span>File name</span>
          <input ref={nameRef} aria-label="File name" value={name} onChange={(e) => setName(e.target.value)} disabled={!item} maxLength={80} />
        </label>
        <label className="field">
          <span>Format</span>
          <select aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} disabled={!item}>
            {EXPORT_FORMAT_NAMES.map((f) => (
              <option key={f} value={f}>
                {EXPORT_FORMATS[f].label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Sample rate</span>
          <select aria-label="Sample rate" value={sampleRate} onChange={(e) => setSampleRate(Number(e.target.value))} disabled={!item}>
            {spec.sampleRates.map((r) => (
              <option key={r} value={r}>
                {r === 22050 ? '22.05' : r / 1000} kHz
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Bit depth</span>
          <select aria-label="Bit depth" value={bitDepth} onChange={(e) => setBitDepth(Number(e.target.value) as ExportBitDepth)} disabled={!item}>
            {(spec.bitDepths as readonly ExportBitDepth[]).map((d) => (
              <option key={d} value={d}>
                {d === 32 ? '32-bit float' : `${d}-bit`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!item || busy}>
          {busy ? 'Exporting…' : `Export ${spec.label}`}
        </button>
        <button
          type="button"
          onClick={() => void saveBundle()}
          disabled={!item || bundling}
          title="A zip with the source, the result, metrics.json (settings, model versions, timings, meters, quality checks) and a side-by-side spectrogram, for sharing or a bug report"
        >
          {bundling ? 'Saving bundle…' : 'Save comparison bundle'}
        </button>
      </form>
      {done && (
        <p className="ok" role="status" data-testid="export-done">
          {done}
        </p>
      )}
      <ErrorNote error={error} onDismiss={() => setError(null)} />
    </section>
  );
}
