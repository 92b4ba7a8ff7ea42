// Microphone input: device picker, Record/Stop, elapsed time and a live level meter. Hands the take
// to the app as AudioData; the R shortcut reaches toggle() through the handle.
import { useImperativeHandle, useState, type Ref } from 'react';
import type { AudioData } from '../../src/api/types';
import { useAudioDevices } from '../hooks/useAudioDevices';
import { useLevelMeter } from '../hooks/useLevelMeter';
import { useRecorder } from '../hooks/useRecorder';
import { codedError } from '../lib/errors';
import { formatClock } from '../lib/format';
import { LevelMeter } from './LevelMeter';

export interface RecordHandle {
  toggle: () => void;
}

interface Props {
  ref?: Ref<RecordHandle>;
  onRecorded: (audio: AudioData) => void;
  onError: (err: unknown) => void;
}

export function RecordPanel({ ref, onRecorded, onError }: Props) {
  const { devices, refresh } = useAudioDevices();
  const [deviceId, setDeviceId] = useState('');
  const recorder = useRecorder(onRecorded);
  const level = useLevelMeter(recorder.ctx, recorder.source);
  const recording = recorder.state === 'recording';

  const stop = () => {
    const audio = recorder.stop();
    refresh();
    if (audio) onRecorded(audio);
    else onError(codedError('MIC', 'The recording is empty: no sound arrived from the microphone.'));
  };
  const toggle = () => {
    if (recorder.state === 'starting') return;
    if (recording) return stop();
    recorder.start(deviceId || undefined).then(refresh, (err: unknown) =>
      onError(codedError('MIC', err instanceof Error ? `${err.name}: ${err.message}` : 'Microphone unavailable.')),
    );
  };
  useImperativeHandle(ref, () => ({ toggle }));

  return (
    <div className="record">
      <label className="field">
        <span>Microphone</span>
        <select aria-label="Microphone" value={deviceId} onChange={(e) => setDeviceId(e.target.value)} disabled={recording}>
          <option value="">System default</option>
          {devices
            .filter((d) => d.deviceId && d.deviceId !== 'default')
            .map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
        </select>
      </label>
      <div className="record-row">
        <button
          type="button"
          className={recording ? 'danger' : 'secondary'}
          onClick={toggle}
          aria-pressed={recording}
          aria-keyshortcuts="R"
          disabled={recorder.state === 'starting'}
        >
          {recording ? '■ Stop' : '● Record'}
        </button>
        <span className="clock" aria-label="Elapsed recording time" data-testid="elapsed">
          {formatClock(recorder.elapsed)}
        </span>
        <LevelMeter level={level} />
      </div>
      {recording && <p className="hint" role="status">Recording… speak for 3 to 30 seconds, then press Stop (or R).</p>}
    </div>
  );
}
