// The quality gate (DESIGN §1, issue 4): classical checks (duration, peak, RMS, loudness, clipping,
// SNR estimate, silence) plus the autoencoder's reconstruction anomaly. Per frame, the error is the
// mean over 80 bands of |decoder(content_encoder(mel), speaker_encoder(mel), own f0) - mel| (the
// metric the manifest's anomaly calibration was measured with); the score divides it by the 0.99
// quantile of clean speech, so score 1 is the calibrated threshold. A verdict (ok / warn / reject)
// comes with plain reasons; enrollment refuses 'reject', conversion reports it.
import type { AnalysisReport, AudioData, FlaggedRegion, Verdict } from '../api/types.js';
import { integratedLoudness, sampleStats, toDb } from '../audio/level.js';
import { f0Yin } from '../dsp/f0.js';
import { LogMelExtractor } from '../dsp/mel.js';
import type { VoiceModel } from '../model/inference.js';
import { HOP, inputGain, MODEL_RATE, scaled, throwIfCancelled, yieldToEventLoop } from '../pipeline/frames.js';

/** Seconds per anomaly frame. */
export const ANOMALY_HOP_SEC = HOP / MODEL_RATE;

/** Thresholds of the verdict; exported so the UI and tests can show and use the same numbers. */
export const GATE = {
  minSeconds: 0.5,
  /** Below this peak a clip is silence. Quiet speech (a peak of -63 dBFS with 21 dB SNR) is not: it is scored and gets a "very quiet" warning. */
  silentPeakDb: -80,
  quietRmsDb: -40,
  warnClipping: 0.001,
  rejectClipping: 0.02,
  warnSnrDb: 15,
  rejectSnrDb: 4,
  warnSilence: 0.7,
  /** Fraction of non-silent frames above the anomaly threshold. */
  warnFlagged: 0.15,
  rejectFlagged: 0.5,
  /** Frames per moving-average window of the anomaly score before flagging (~80 ms). */
  smoothFrames: 5,
  /** Shortest flagged region, seconds. */
  minRegionSec: 0.2,
  /** Frame level (dBFS) below which a 20 ms frame always counts as silence (frames 45 dB under the loudest do too). */
  silenceDb: -90,
} as const;

/** Level figures of audio: the report's classical measurements plus the frame levels behind them. */
export type Levels = Pick<
  AnalysisReport,
  'durationSec' | 'peakDb' | 'rmsDb' | 'loudnessLufs' | 'clippingRatio' | 'snrDb' | 'silenceRatio'
> & {
  /** Per 20 ms frame level in dBFS (mono mix). */
  frameDb: Float32Array;
};

/** dBFS with -120 for zero (JSON has no -Infinity). */
const db = (x: number): number => (x > 0 ? toDb(x) : -120);
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Integrated loudness (LUFS, BS.1770-4 gating) of planar channels: audio/level.ts's integratedLoudness,
 * with silence reading -70 (JSON has no -Infinity).
 */
export function loudnessLufs(channels: Float32Array[], rate: number): number {
  const l = integratedLoudness({ sampleRate: rate, channels });
  return Number.isFinite(l) ? Math.max(-70, l) : -70;
}

/**
 * Peak, RMS, loudness, clipping, SNR estimate and silence ratio of audio at any rate. Peak, RMS,
 * clipping and loudness are audio/level.ts's definitions; SNR and silence are the gate's own.
 * @param options.loudness compute the integrated loudness (else it reads NaN). Default true.
 */
export function measureLevels(audio: AudioData, options: { loudness?: boolean } = {}): Levels {
  const { sampleRate: rate, channels } = audio;
  const n = channels[0].length;
  const { peak, sumSquares: sum, clipped } = sampleStats(channels);
  const total = n * channels.length;
  const frame = Math.max(1, Math.round(rate * 0.02));
  const frames = Math.max(1, Math.floor(n / frame));
  const frameDb = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let s = 0;
    const end = Math.min(n, (f + 1) * frame);
    for (const ch of channels) for (let i = f * frame; i < end; i++) s += ch[i] * ch[i];
    frameDb[f] = 10 * Math.log10(Math.max(s / ((end - f * frame) * channels.length), 1e-12));
  }
  const sorted = Float32Array.from(frameDb).sort();
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
  const loudest = pct(1);
  let silent = 0;
  for (const v of frameDb) if (v < GATE.silenceDb || v < loudest - 45) silent++;
  const snr = Math.max(0, Math.min(60, pct(0.95) - Math.max(pct(0.1), -100)));
  return {
    durationSec: n / rate,
    peakDb: db(peak),
    rmsDb: db(Math.sqrt(sum / Math.max(1, total))),
    loudnessLufs: options.loudness === false ? NaN : loudnessLufs(channels, rate),
    clippingRatio: clipped / Math.max(1, total),
    snrDb: snr,
    silenceRatio: silent / frames,
    frameDb,
  };
}

/** Per-frame anomaly figures of 16 kHz mono audio. */
export interface AnomalyScores {
  /** Reconstruction error per mel frame (the manifest's metric). */
  errors: Float32Array;
  /** errors / q0.99 of clean speech: 1 = the threshold. */
  scores: Float32Array;
  /** Mean frame error over the utterance divided by the 0.99 utterance quantile. */
  utteranceScore: number;
  /** ln-mel frame energy proxy: mean log-mel per frame (for telling silence apart). */
  meanLogMel: Float32Array;
}

/** Turns per-frame reconstruction errors into calibrated scores (manifest.anomaly). */
export function scoresFromErrors(model: VoiceModel, errors: Float32Array, meanLogMel: Float32Array): AnomalyScores {
  const cal = model.manifest.anomaly;
  const q99 = cal.quantiles['0.99'] ?? cal.quantiles['0.999'] ?? 1;
  const u99 = cal.utteranceQuantiles['0.99'] ?? q99;
  const scores = new Float32Array(errors.length);
  let mean = 0;
  for (let t = 0; t < errors.length; t++) {
    scores[t] = errors[t] / q99;
    mean += errors[t] / errors.length;
  }
  return { errors, scores, utteranceScore: mean / u99, meanLogMel };
}

/**
 * Per-frame reconstruction error and mean log-mel of one chunk: |decoder(content, own embedding, own f0) - mel|
 * averaged over bands. `mel` and `rec` are band-major [80][frames].
 */
export function frameErrors(mel: Float32Array, rec: Float32Array, frames: number, errors: Float32Array, meanLogMel: Float32Array, offset: number): void {
  const used = Math.min(frames, errors.length - offset);
  for (let t = 0; t < used; t++) {
    let e = 0;
    let m = 0;
    for (let b = 0; b < 80; b++) {
      e += Math.abs(rec[b * frames + t] - mel[b * frames + t]);
      m += mel[b * frames + t];
    }
    errors[offset + t] = e / 80;
    meanLogMel[offset + t] = m / 80;
  }
}

/**
 * The autoencoder's reconstruction anomaly of 16 kHz mono audio, in chunks of ~10 s (the hook the
 * quality gate, enrollment and `vc analyze` share).
 */
export async function anomalyScores(model: VoiceModel, mono: Float32Array, signal?: AbortSignal): Promise<AnomalyScores> {
  const total = 1 + Math.floor(mono.length / HOP);
  const errors = new Float32Array(total);
  const meanLogMel = new Float32Array(total);
  const extractor = new LogMelExtractor();
  const gain = inputGain(mono);
  const chunk = HOP * 625; // 10 s
  for (let start = 0; start < mono.length || start === 0; start += chunk) {
    throwIfCancelled(signal);
    const end = mono.length - (start + chunk) < HOP * 64 ? mono.length : start + chunk;
    const piece = scaled(mono.subarray(start, end), gain);
    const { data, frames } = extractor.compute(piece);
    const track = f0Yin(piece);
    const [content, emb] = await Promise.all([model.content(data, frames), model.embed(data, frames)]);
    const rec = await model.decode(content, emb, model.f0Input(track.logF0, track.voiced), frames);
    frameErrors(data, rec, frames, errors, meanLogMel, start / HOP);
    await yieldToEventLoop();
    if (end >= mono.length) break;
  }
  return scoresFromErrors(model, errors, meanLogMel);
}

/**
 * The full report: levels, anomaly (when a model is given) and the verdict.
 * @param mono the same audio as 16 kHz mono (what the model sees)
 */
export async function analyzeAudio(model: VoiceModel | null, audio: AudioData, mono: Float32Array, signal?: AbortSignal): Promise<AnalysisReport> {
  const lv = measureLevels(audio);
  const usable = lv.peakDb >= GATE.silentPeakDb && lv.durationSec >= GATE.minSeconds;
  const an = model && usable ? await anomalyScores(model, mono, signal) : null;
  return buildReport(audio, lv, an);
}

/**
 * The report from levels and (optionally) anomaly scores: flagged regions and the verdict with reasons.
 */
export function buildReport(audio: AudioData, lv: Levels, an: AnomalyScores | null): AnalysisReport {
  const reasons: string[] = [];
  let verdict: Verdict = 'ok';
  const raise = (v: Verdict, reason: string): void => {
    if (v === 'reject' || (v === 'warn' && verdict === 'ok')) verdict = v;
    reasons.push(reason);
  };
  const flagged: FlaggedRegion[] = [];
  let anomaly: AnalysisReport['anomaly'] = { hopSec: ANOMALY_HOP_SEC, scores: [], threshold: 1, meanScore: 0 };

  const silent = lv.peakDb < GATE.silentPeakDb;
  if (lv.durationSec < GATE.minSeconds) raise('reject', `The clip is too short (${lv.durationSec.toFixed(2)} s): record at least a few seconds of speech.`);
  if (silent) raise('reject', 'The clip is silent: check that the right microphone is selected and unmuted.');
  else if (lv.rmsDb < GATE.quietRmsDb) raise('warn', `The clip is very quiet (${lv.rmsDb.toFixed(0)} dBFS RMS): move closer to the microphone or raise its gain.`);
  if (lv.clippingRatio > GATE.rejectClipping) raise('reject', `The clip is heavily clipped (${(lv.clippingRatio * 100).toFixed(1)}% of samples): lower the input gain and record again.`);
  else if (lv.clippingRatio > GATE.warnClipping) raise('warn', `Some samples are clipped (${(lv.clippingRatio * 100).toFixed(2)}%): lower the input gain.`);
  if (!silent) {
    if (lv.snrDb < GATE.rejectSnrDb) raise('reject', `The clip is mostly noise or one steady sound, without the pauses of speech (estimated SNR ${lv.snrDb.toFixed(0)} dB): record speech in a quieter place.`);
    else if (lv.snrDb < GATE.warnSnrDb) raise('warn', `There is a lot of background noise (estimated SNR ${lv.snrDb.toFixed(0)} dB).`);
    if (lv.silenceRatio > GATE.warnSilence) raise('warn', `The clip is mostly silence (${Math.round(lv.silenceRatio * 100)}%): trim it or speak more.`);
  }

  if (an && !silent && lv.durationSec >= GATE.minSeconds) {
    const smooth = movingAverage(an.scores, GATE.smoothFrames);
    // Frames quieter than the silence floor are not judged (their level is reported as silence).
    // A loop, not Math.max(...array): spreading 130k+ frames (~35 min of audio) overflows the call stack.
    let loudest = -Infinity;
    for (let t = 0; t < an.meanLogMel.length; t++) loudest = Math.max(loudest, an.meanLogMel[t]);
    const floor = loudest - 6; // ~ -52 dB below the loudest frame in ln-mel units
    let live = 0;
    let over = 0;
    let runStart = -1;
    const minFrames = Math.ceil(GATE.minRegionSec / ANOMALY_HOP_SEC);
    for (let t = 0; t <= smooth.length; t++) {
      const active = t < smooth.length && an.meanLogMel[t] > floor && an.meanLogMel[t] > -10;
      const hot = active && smooth[t] > 1;
      if (active) live++;
      if (hot) over++;
      if (hot && runStart < 0) runStart = t;
      if (!hot && runStart >= 0) {
        if (t - runStart >= minFrames) {
          let peakScore = 0;
          for (let k = runStart; k < t; k++) peakScore = Math.max(peakScore, smooth[k]);
          flagged.push({
            start: round(runStart * ANOMALY_HOP_SEC, 3),
            end: round(t * ANOMALY_HOP_SEC, 3),
            reason: `Does not sound like clean speech (anomaly ${peakScore.toFixed(1)}x the threshold): noise, music, distortion or another voice?`,
          });
        }
        runStart = -1;
      }
    }
    const frac = live > 0 ? over / live : 0;
    let meanScore = 0;
    for (const s of an.scores) meanScore += s / an.scores.length;
    anomaly = { hopSec: ANOMALY_HOP_SEC, scores: Array.from(an.scores, (s) => round(s, 3)), threshold: 1, meanScore: round(meanScore, 3) };
    if (frac > GATE.rejectFlagged || an.utteranceScore > 2) {
      raise('reject', `Most of the clip does not sound like clean speech (${Math.round(frac * 100)}% of its sound above the anomaly threshold): it may be noise, music or heavily distorted.`);
    } else if (frac > GATE.warnFlagged || an.utteranceScore > 1.2) {
      raise('warn', `Parts of the clip do not sound like clean speech (${Math.round(frac * 100)}% of its sound above the anomaly threshold); the result may suffer.`);
    }
  }
  if (reasons.length === 0) reasons.push('The clip looks like clean speech.');
  return {
    durationSec: round(lv.durationSec, 3),
    sampleRate: audio.sampleRate,
    channels: audio.channels.length,
    peakDb: round(lv.peakDb),
    rmsDb: round(lv.rmsDb),
    loudnessLufs: round(lv.loudnessLufs),
    clippingRatio: round(lv.clippingRatio, 5),
    snrDb: round(lv.snrDb, 1),
    silenceRatio: round(lv.silenceRatio, 3),
    anomaly,
    flagged,
    verdict,
    reasons,
  };
}

function movingAverage(x: Float32Array, w: number): Float32Array {
  const out = new Float32Array(x.length);
  const h = Math.floor(w / 2);
  for (let t = 0; t < x.length; t++) {
    let s = 0;
    let c = 0;
    for (let k = Math.max(0, t - h); k <= Math.min(x.length - 1, t + h); k++) {
      s += x[k];
      c++;
    }
    out[t] = s / c;
  }
  return out;
}
