// The anomaly strip's caption describes the strip only, so it cannot contradict the verdict.
import { describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../../src/api/types';
import { anomalyCaption } from './AnomalyTrack';

const report = (scores: number[], flagged: AnalysisReport['flagged'], verdict: AnalysisReport['verdict']): AnalysisReport => ({
  durationSec: 3, sampleRate: 16000, channels: 1, peakDb: -3, rmsDb: -20, loudnessLufs: -20, clippingRatio: 0, snrDb: 30, silenceRatio: 0.1,
  anomaly: { hopSec: 0.016, scores, threshold: 1, meanScore: 1 }, flagged, verdict, reasons: [],
});

describe('anomalyCaption', () => {
  it('never says "nothing flagged" (a clip can be rejected as a whole without a single region)', () => {
    const text = anomalyCaption(report([2, 2.5, 3], [], 'reject'));
    expect(text).not.toMatch(/nothing|not flagged/i);
    expect(text).toMatch(/^Anomaly score per frame/);
  });

  it('counts shaded regions', () => {
    expect(anomalyCaption(report([0.5, 2], [{ start: 0, end: 1, reason: 'x' }, { start: 2, end: 3, reason: 'y' }], 'warn'))).toMatch(/2 regions that do not sound like clean speech shaded/);
  });

  it('explains missing scores without blaming the model', () => {
    const text = anomalyCaption(report([], [], 'reject'));
    expect(text).not.toMatch(/model/);
    expect(text).toMatch(/too short or silent/);
  });
});
