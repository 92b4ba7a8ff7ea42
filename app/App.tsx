// The application shell and its state: the source clip and its quality check, the voices and the
// target blend, the conversion job, the session history and which conversion is on screen. Panels
// are laid out as the five steps a user follows: input, target voice, convert, compare, export.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AudioData, ContentVariantName, MixEntry, VersionInfo, VocoderQuality, VoiceInfo } from '../src/api/types';
import { api, transport } from './bridge';
import { AnalysisPanel, type AnalysisState } from './components/AnalysisPanel';
import { ComparePanel, type CompareHandle } from './components/ComparePanel';
import { ConvertPanel } from './components/ConvertPanel';
import { ExportPanel } from './components/ExportPanel';
import { History, type HistoryItem } from './components/History';
import { InputPanel } from './components/InputPanel';
import type { RecordHandle } from './components/RecordPanel';
import { Credits } from './components/Credits';
import { ShortcutsHint } from './components/ShortcutsHint';
import type { ReferenceClip } from './components/ReferenceTarget';
import { VoicesPanel } from './components/VoicesPanel';
import { LivePanel } from './components/LivePanel';
import { LIVE_RECORDING_MAX_SECONDS, type LiveRecording } from './hooks/useLive';
import { useConversion } from './hooks/useConversion';
import { useShortcuts } from './hooks/useShortcuts';
import demo from '../assets/demo/demo.json';
import { blendLabel, blendShortName, mixForRequest } from './lib/blend';
import { contrastingVoice, type SpeakerTraits } from './lib/default-voice';
import { safeStem, suggestExportName } from './lib/names';
import { normalizePeak } from './lib/normalize';
import { durationOf } from './lib/wav';

interface Source {
  id: number;
  name: string;
  audio: AudioData;
}

let nextId = 1;

export function App() {
  const [version, setVersion] = useState<VersionInfo | null>(null);
  const [versionError, setVersionError] = useState<string | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [analyses, setAnalyses] = useState<Record<number, AnalysisState>>({});
  const [voices, setVoices] = useState<VoiceInfo[]>([]);
  const [voicesError, setVoicesError] = useState<unknown>(null);
  const [mix, setMix] = useState<MixEntry[]>([]);
  // A one-shot reference recording, when the user converts toward one instead of a library voice.
  const [reference, setReference] = useState<ReferenceClip | null>(null);
  const [pitch, setPitch] = useState(0);
  const [quality, setQuality] = useState<VocoderQuality>('best');
  const [variant, setVariant] = useState<ContentVariantName>('continuous');
  const [history, setHistory] = useState<HistoryItem[]>([]);
  const [currentId, setCurrentId] = useState<number | null>(null);
  const [playRequest, setPlayRequest] = useState(0);
  const conversion = useConversion(api);
  const recordRef = useRef<RecordHandle>(null);
  const compareRef = useRef<CompareHandle>(null);
  const exportNameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let live = true;
    api.version().then(
      (v) => live && setVersion(v),
      (e: Error) => live && setVersionError(e.message),
    );
    return () => {
      live = false;
    };
  }, []);

  const reloadVoices = useCallback(async () => {
    try {
      const list = await api.listVoices();
      setVoices(list);
      setVoicesError(null);
      // Drop blend entries whose voice is gone. When none is chosen, start with the voice most unlike
      // the demo clip's speaker, so a first conversion of the demo clearly changes the voice.
      setMix((m) => {
        const kept = m.filter((e) => list.some((v) => v.id === e.voiceId));
        if (kept.length > 0) return kept;
        const first = contrastingVoice(list, demo.speaker as SpeakerTraits) ?? list[0];
        return first ? [{ voiceId: first.id, weight: 1 }] : [];
      });
      return list;
    } catch (err) {
      setVoicesError(err);
      throw err;
    }
  }, []);

  useEffect(() => {
    void reloadVoices().catch(() => {});
  }, [reloadVoices]);

  const onSource = useCallback((name: string, audio: AudioData) => {
    const id = nextId++;
    setSource({ id, name, audio });
    setCurrentId(null);
    setAnalyses((a) => ({ ...a, [id]: { status: 'running' } }));
    api.analyze({ audio }).then(
      (report) => setAnalyses((a) => ({ ...a, [id]: { status: 'done', report } })),
      (error: unknown) => setAnalyses((a) => ({ ...a, [id]: { status: 'error', error } })),
    );
  }, []);

  // A target deleted elsewhere (another window, the CLI) fails with NOT_FOUND: refresh the list so the
  // stale entry disappears and the blend falls back to a voice that exists.
  useEffect(() => {
    if ((conversion.error as { code?: string } | null)?.code === 'NOT_FOUND') void reloadVoices().catch(() => {});
  }, [conversion.error, reloadVoices]);

  const current = history.find((h) => h.id === currentId) ?? null;
  const sourceAnalysis = source ? analyses[source.id] : undefined;
  const sourceReport = sourceAnalysis?.status === 'done' ? sourceAnalysis.report : null;
  const request = mixForRequest(mix);
  const referenceStem = reference ? safeStem(reference.name, 'reference') : '';
  const targetLabel = reference ? `${referenceStem} (one-shot)` : request.length > 0 ? blendLabel(request, voices) : '';

  const blocker = !source
    ? 'Record, open a file or try the demo clip first (step 1).'
    : !reference && request.length === 0
      ? 'Pick a target voice (step 2).'
      : null;
  const vqAvailable = version ? version.capabilities.variants.includes('vq') : versionError ? false : null;
  const warning =
    sourceReport?.verdict === 'reject'
      ? 'The quality check rejected this clip; the result will likely sound poor. Try another take, or convert anyway.'
      : null;

  const convert = async () => {
    if (!source || (!reference && request.length === 0)) return;
    const src = source;
    const label = targetLabel;
    const ref = reference;
    const short = ref ? referenceStem : blendShortName(request, voices);
    const usedPitch = pitch;
    const usedQuality = quality;
    // The discrete variant is asked for only when the export has it (the option is disabled otherwise).
    const usedVariant = variant === 'vq' && vqAvailable ? 'vq' : undefined;
    const result = await conversion.start({
      source: src.audio,
      target: ref ? { reference: ref.audio } : { mix: request },
      pitchSemitones: usedPitch,
      quality: usedQuality,
      ...(usedVariant ? { variant: usedVariant } : {}),
    });
    if (!result) return;
    const item: HistoryItem = {
      id: nextId++,
      sourceName: src.name,
      source: src.audio,
      report: sourceReport,
      voiceLabel: label,
      pitch: usedPitch,
      mix: ref ? [] : request,
      ...(ref ? { reference: ref.audio } : {}),
      quality: usedQuality,
      result,
      suggestedName: suggestExportName(src.name, short),
      at: new Date(),
    };
    setHistory((h) => [item, ...h]);
    setCurrentId(item.id);
  };

  // A stopped live session lands in the history like a conversion (compare, export).
  const onLiveRecorded = useCallback(
    (rec: LiveRecording) => {
      const label = targetLabel;
      const notMeasured = { cosine: null, probability: null, verdict: null, reason: 'Not measured for live sessions.' };
      const st = rec.stats;
      const item: HistoryItem = {
        id: nextId++,
        sourceName: `live-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}${rec.truncated ? ` (first ${LIVE_RECORDING_MAX_SECONDS / 60} min)` : ''}`,
        source: rec.source,
        report: null,
        voiceLabel: label,
        pitch,
        mix: request,
        quality: 'fast',
        result: {
          audio: rec.converted,
          timings: { liveComputeP50: st?.computeP50 ?? 0, liveComputeP95: st?.computeP95 ?? 0, ...(rec.latency ? { liveLatency: Math.round(rec.latency.totalMs) } : {}) },
          similarity: { toTarget: notMeasured, toSource: notMeasured },
          variant: 'continuous',
          synthesis: { quality: 'fast', vocoder: 'neural' },
          anomaly: { verdict: 'ok', reasons: [] },
          rtf: rec.latency && st ? Math.round((st.computeP50 / rec.latency.blockMs) * 1000) / 1000 : 0,
        },
        suggestedName: suggestExportName('live', blendShortName(request, voices)),
        at: new Date(),
      };
      setHistory((h) => [item, ...h]);
      setCurrentId(item.id);
    },
    [targetLabel, pitch, request, voices],
  );

  useShortcuts({
    record: () => recordRef.current?.toggle(),
    playPause: () => compareRef.current?.playPause(),
    toggleAB: () => compareRef.current?.toggleAB(),
  });

  const present = version?.models.filter((m) => m.present).length ?? 0;
  const compareSource = current ? current.source : (source?.audio ?? null);
  const compareReport = current ? current.report : sourceReport;

  return (
    <div className="shell">
      <header className="header">
        <h1>VoiceShift</h1>
        <span className="tagline">One-shot voice conversion on your own machine</span>
        <ShortcutsHint />
        <Credits voices={voices} />
      </header>
      <main className="main" aria-label="Workspace">
        <div className="workspace">
          <div className="column left">
            <InputPanel recordRef={recordRef} onSource={onSource} />
            {source && (
              <AnalysisPanel
                name={source.name}
                durationSec={durationOf(source.audio)}
                state={sourceAnalysis}
                onNormalize={() => onSource(`${source.name} (normalized)`, normalizePeak(source.audio).audio)}
              />
            )}
            <VoicesPanel
              api={api}
              voices={voices}
              loadError={voicesError}
              mix={mix}
              onMix={(m) => {
                // Picking a voice or a blend ends a one-shot reference.
                setMix(m);
                setReference(null);
              }}
              source={source}
              reload={reloadVoices}
              reference={reference}
              onReference={setReference}
            />
          </div>
          <div className="column right">
            <LivePanel
              mix={request}
              targetLabel={reference ? '' : targetLabel}
              targetBlocker={reference ? 'Live mode converts toward a voice or blend, not a one-shot reference: pick a voice in step 2.' : null}
              pitch={pitch}
              onPitch={setPitch}
              onRecorded={onLiveRecorded}
            />
            <ConvertPanel conversion={conversion} pitch={pitch} onPitch={setPitch} quality={quality} onQuality={setQuality} variant={vqAvailable ? variant : 'continuous'} onVariant={setVariant} vqAvailable={vqAvailable} blocker={blocker} warning={warning} targetLabel={targetLabel} onConvert={() => void convert()} />
            <ComparePanel ref={compareRef} source={compareSource} report={compareReport} result={current?.result ?? null} resultLabel={current?.voiceLabel ?? ''} playRequest={playRequest} />
            <div className="bottom-row">
              <ExportPanel api={api} item={current} nameRef={exportNameRef} />
              <History
                items={history}
                currentId={currentId}
                onPlay={(id) => {
                  setCurrentId(id);
                  setPlayRequest((n) => n + 1);
                }}
                onExport={(id) => {
                  setCurrentId(id);
                  exportNameRef.current?.focus();
                }}
              />
            </div>
          </div>
        </div>
      </main>
      <footer className="status" role="status" aria-label="Status">
        {versionError && <span className="error">Engine unavailable: {versionError}</span>}
        {version && (
          <span data-testid="version">
            VoiceShift {version.app} · onnxruntime {version.onnxruntime} · {present}/{version.models.length} models · {transport}
          </span>
        )}
        {!version && !versionError && <span>Connecting to the engine…</span>}
      </footer>
    </div>
  );
}
