// One labelled waveform row of the comparison (source or converted), with its spectrogram slot.
import type { ReactNode } from 'react';
import type { WaveView } from '../hooks/useWaveSurfer';

interface Props {
  view: WaveView;
  label: string;
  active: boolean;
  testId: string;
  spectrogram: boolean;
  children?: ReactNode;
}

export function WaveTrack({ view, label, active, testId, spectrogram, children }: Props) {
  return (
    <div className={`track${active ? ' active' : ''}`} data-testid={testId} data-ready={view.ready ? 'true' : 'false'}>
      <div className="track-label">
        <span className="ab">{label}</span>
        {active && <span className="badge">playing side</span>}
      </div>
      <div className="wave" ref={view.containerRef} role="img" aria-label={`${label} waveform`} />
      {children}
      <div className="spectrogram" ref={view.spectrogramRef} hidden={!spectrogram} aria-label={`${label} spectrogram`} />
    </div>
  );
}
