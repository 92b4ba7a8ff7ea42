// Live mode: speak into the microphone and hear the converted voice. Input and output device pickers,
// the target voice of step 2 (a voice or blend; a one-shot reference cannot stream) and the pitch,
// Go live / Stop, monitor on/off, input and output level meters, the latency split into its parts, the
// dropout counter and the engine's load. Each session is recorded and lands in the history (compare,
// export) when it stops.
import { useCallback, useEffect, useState } from 'react';
import type { MixEntry } from '../../src/api/types';
import { PITCH_RANGE_SEMITONES } from '../../src/api/types';
import { LIVE_RECORDING_MAX_SECONDS, useLive, type LatencyParts, type LiveRecording } from '../hooks/useLive';

interface Device {
  deviceId: string;
  label: string;
}

interface Props {
  mix: MixEntry[];
  targetLabel: string;
  /** Why live mode cannot use the current target (a one-shot reference), if so. */
  targetBlocker: string | null;
  pitch: number;
  onPitch: (p: number) => void;
  onRecorded: (rec: LiveRecording) => void;
}

function useDevices(kind: MediaDeviceKind, refreshKey: unknown): Device[] {
  const [devices, setDevices] = useState<Device[]>([]);
  useEffect(() => {
    const md = navigator.mediaDevices;
    if (!md?.enumerateDevices) return;
    const load = (): void =>
      void md.enumerateDevices().then(
        (all) => setDevices(all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind === 'audioinput' ? 'Microphone' : 'Output'} ${i + 1}` }))),
        () => setDevices([]),
      );
    load();
    md.addEventListener?.('devicechange', load);
    return () => md.removeEventListener?.('devicechange', load);
  }, [kind, refreshKey]);
  return devices;
}

function Meter({ label, level }: { label: string; level: number }) {
  const pct = Math.round(level * 100);
  return (
    <div className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className={`meter-fill${level > 0.95 ? ' hot' : ''}`} style={{ width: `${pct}%` }} />
    </div>
  );
}

const ms = (x: number | null): string => (x === null ? '…' : `${Math.round(x)} ms`);

function Latency({ p }: { p: LatencyParts }) {
  const rows: [string, string, string?][] = [
    ['block', ms(p.blockMs)],
    ['lookahead + window', ms(p.lookaheadMs)],
    ['compute', ms(p.computeMs), `median per block; p95 ${Math.round(p.computeP95Ms)} ms`],
    ['transport', ms(p.transportMs), 'round trip of a block minus the engine compute'],
    ['playback buffer', ms(p.playbackBufferMs), 'jitter margin ahead of each converted block'],
    ['device buffers', ms(p.deviceMs), 'audio context input and output buffers'],
  ];
  return (
    <div className="live-latency">
      <p>
        Latency <strong data-testid="live-latency-total" data-ms={Math.round(p.totalMs)}>{Math.round(p.totalMs)} ms</strong>{' '}
        <span className="muted small" title="Measured in the audio thread: from a sample's capture to the playing of its converted sample, plus the device buffers">
          (measured{' '}
          <span data-testid="live-latency-measured" data-ms={p.measuredMs === null ? '' : Math.round(p.measuredMs)}>
            {p.measuredMs === null ? '…' : `${Math.round(p.measuredMs)} ms`}
          </span>
          )
        </span>
      </p>
      <dl className="live-parts" aria-label="Latency parts" style={{ display: 'grid', gridTemplateColumns: 'repeat(3, auto)', gap: '0.25rem 1rem', margin: 0 }}>
        {rows.map(([k, v, title]) => (
          <div key={k} title={title} style={{ display: 'flex', gap: '0.4rem' }}>
            <dt>{k}</dt>
            <dd style={{ margin: 0 }} data-testid={`live-part-${k.split(' ')[0]}`}>{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function LivePanel({ mix, targetLabel, targetBlocker, pitch, onPitch, onRecorded }: Props) {
  const live = useLive(onRecorded);
  const [inputId, setInputId] = useState('');
  const [outputId, setOutputId] = useState('');
  const [monitor, setMonitor] = useState(true);
  const inputs = useDevices('audioinput', live.state);
  const outputs = useDevices('audiooutput', live.state);
  const running = live.state === 'live';
  const busy = live.state === 'starting' || live.state === 'stopping';
  const blocker = targetBlocker ?? (mix.length === 0 ? 'Pick a target voice (step 2) first.' : null);

  const toggle = useCallback(() => {
    if (running) void live.stop();
    else void live.start({ mix, pitchSemitones: pitch, inputDeviceId: inputId || undefined, outputDeviceId: outputId || undefined, monitor });
  }, [running, live, mix, pitch, inputId, outputId, monitor]);

  const s = live.stats;
  return (
    <section className="panel live" aria-labelledby="live-title">
      <h2 id="live-title">Live</h2>
      <div className="row wrap">
        <label>
          Input{' '}
          <select value={inputId} onChange={(e) => setInputId(e.target.value)} disabled={running || busy} aria-label="Live input device">
            <option value="">Default microphone</option>
            {inputs.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Output{' '}
          <select value={outputId} onChange={(e) => setOutputId(e.target.value)} disabled={running || busy || !live.canPickOutput} aria-label="Live output device" title={live.canPickOutput ? undefined : 'This browser plays through the default output only.'}>
            <option value="">Default output</option>
            {outputs.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row wrap">
        <span>
          Target: <strong data-testid="live-target">{targetLabel || '—'}</strong>
        </span>
        <label>
          Pitch{' '}
          <input type="range" min={-PITCH_RANGE_SEMITONES} max={PITCH_RANGE_SEMITONES} step={1} value={pitch} onChange={(e) => onPitch(Number(e.target.value))} disabled={running || busy} aria-label="Live pitch (semitones)" />{' '}
          {pitch > 0 ? `+${pitch}` : pitch} st
        </label>
        <label>
          <input
            type="checkbox"
            checked={monitor}
            onChange={(e) => {
              setMonitor(e.target.checked);
              live.setMonitor(e.target.checked);
            }}
          />{' '}
          Monitor
        </label>
      </div>
      <div className="row">
        <button type="button" className={running ? 'danger' : 'primary'} onClick={toggle} disabled={busy || (!running && !!blocker)} aria-pressed={running}>
          {live.state === 'starting' ? 'Starting…' : live.state === 'stopping' ? 'Stopping…' : running ? 'Stop live' : 'Go live'}
        </button>
        {!running && !busy && blocker && <span className="muted small">{blocker}</span>}
      </div>
      {live.error && (
        <p className="error" role="alert">
          {live.error}
        </p>
      )}
      <div className="live-meters" style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '0.25rem 0.5rem', alignItems: 'center' }}>
        <span className="small">In</span>
        <Meter label="Live microphone level" level={live.inLevel} />
        <span className="small">Out</span>
        <Meter label="Live converted level" level={live.outLevel} />
      </div>
      {live.latency && <Latency p={live.latency} />}
      {(running || s) && (
        <p className="muted small">
          Dropouts <strong data-testid="live-dropouts">{live.dropouts}</strong>{' '}
          <span title="engine: compute fell behind (crossfaded) · queue: blocks arrived faster than converted · link: connection backed up · playback: the output ran dry">
            (engine {live.dropoutParts.engine}, queue {live.dropoutParts.queue + live.dropoutParts.send + live.dropoutParts.client}, playback {live.dropoutParts.underruns})
          </span>
          {s ? ` · engine load ${Math.round(s.load * 100)}% · ${s.processed} blocks · ${s.deadlineMisses} over time` : ''}
          {live.config ? ` · ${live.config.vocoder}` : ''}
        </p>
      )}
      {live.recordingFull && (
        <p className="muted small" data-testid="live-recording-full">
          The recording for the history stopped at {LIVE_RECORDING_MAX_SECONDS / 60} minutes; live conversion goes on.
        </p>
      )}
    </section>
  );
}
