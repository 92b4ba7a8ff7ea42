// The live input level while recording: meyda's RMS feature on the microphone node, as a 0..1 value
// on a dB scale for the meter. The analyzer stops when the node goes away.
import Meyda from 'meyda';
import { useEffect, useState } from 'react';
import { rmsToMeter } from '../lib/format';


export function useLevelMeter(ctx: AudioContext | null, source: AudioNode | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!ctx || !source) {
      setLevel(0);
      return;
    }
    const analyzer = Meyda.createMeydaAnalyzer({
      audioContext: ctx,
      source,
      bufferSize: 1024,
      featureExtractors: ['rms'],
      callback: (features: { rms?: number }) => setLevel(rmsToMeter(features.rms ?? 0)),
    });
    analyzer.start();
    return () => {
      analyzer.stop();
      setLevel(0);
    };
  }, [ctx, source]);
  return level;
}
