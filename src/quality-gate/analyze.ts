// The quality gate (DESIGN §1, issue 4): classical checks (duration, peak, RMS, loudness, clipping,
// SNR estimate, silence) plus the autoencoder's reconstruction anomaly. Per frame, the error is the
// mean over 80 bands of |decoder(content_encoder(mel), speaker_encoder(mel), own f0) - mel| (the
// metric the manifest's anomaly calibration was measured with); the score divides it by the 0.99
// quantile of clean speech, so score 1 is the calibrated threshold. A verdict (ok / warn / reject)
// comes with plain reasons; enrollment refuses 'reject', conversion reports it. The autoencoder reconstructs some
// non-speech well (flat broadband noise, a pure tone), so the same frames' spectral shape flags those too: loud
// stretches as flat as white noise, or with nearly all their energy in two adjacent mel bands.
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
  /**
   * Mel-band spectral flatness (geometric over arithmetic mean of the 80 band energies) above which a frame is
   * broadband noise: white noise reads 0.96, pink 0.79; loud frames of 351 real and Cathy speech clips stay above it
   * for at most 0.15 s in a row.
   */
  noiseFlatness: 0.75,
  /**
   * Share of a frame's mel energy in its two strongest adjacent bands above which it is a tone: a sine reads 0.9;
   * loud frames of the same speech clips stay above it for at most 0.1 s in a row.
   */
  toneShare: 0.8,
  /** Shortest stretch of noise or tone frames flagged, seconds. */
  nonSpeechMinSec: 0.3,
  /** Only frames at most this many dB below the clip's loud frames (95th percentile of logEnergy) count as noise or tone. */
  nonSpeechWithinDb: 6,
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

/** Per-frame figures of the source the gate reads (written by frameErrors, chunk by chunk). */
export interface FrameStats {
  /** Reconstruction error per mel frame (the manifest's metric). */
  errors: Float32Array;
  /** ln-mel frame energy proxy: mean log-mel per frame (for telling silence apart). */
  meanLogMel: Float32Array;
  /** ln of the frame's mean mel band energy (its level as a power: a tone's mean log-mel is far lower). */
  logEnergy: Float32Array;
  /** Share of the frame's mel energy in its two strongest adjacent bands, in [0, 1] (GATE.toneShare). */
  tonality: Float32Array;
}

/** Zeroed frame figures for `frames` frames. */
export function newFrameStats(frames: number): FrameStats {
  return { errors: new Float32Array(frames), meanLogMel: new Float32Array(frames), logEnergy: new Float32Array(frames), tonality: new Float32Array(frames) };
}

/** Per-frame anomaly figures of 16 kHz mono audio. */
export interface AnomalyScores extends FrameStats {
  /** errors / q0.99 of clean speech: 1 = the threshold. */
  scores: Float32Array;
  /** Mean frame error over the utterance divided by the 0.99 utterance quantile. */
  utteranceScore: number;
}

/** Turns per-frame reconstruction errors into calibrated scores (manifest.anomaly). */
export function scoresFromErrors(model: VoiceModel, stats: FrameStats): AnomalyScores {
  const cal = model.manifest.anomaly;
  const q99 = cal.quantiles['0.99'] ?? cal.quantiles['0.999'] ?? 1;
  const u99 = cal.utteranceQuantiles['0.99'] ?? q99;
  const { errors } = stats;
  const scores = new Float32Array(errors.length);
  let mean = 0;
  for (let t = 0; t < errors.length; t++) {
    scores[t] = errors[t] / q99;
    mean += errors[t] / errors.length;
  }
  return { ...stats, scores, utteranceScore: mean / u99 };
}

/**
 * One chunk's frame figures into `stats` from frame `offset` on: the reconstruction error |decoder(content, own
 * embedding, own f0) - mel| averaged over bands, the mean log-mel, and the spectral shape of the mel band energies.
 * `mel` and `rec` are band-major [80][frames].
 */
export function frameErrors(mel: Float32Array, rec: Float32Array, frames: number, stats: FrameStats, offset: number): void {
  const used = Math.min(frames, stats.errors.length - offset);
  for (let t = 0; t < used; t++) {
    let e = 0;
    let m = 0;
    let sum = 0;
    let pair = 0;
    let prev = 0;
    for (let b = 0; b < 80; b++) {
      const v = mel[b * frames + t];
      e += Math.abs(rec[b * frames + t] - v);
      m += v;
      const energy = Math.exp(v);
      sum += energy;
      if (b > 0 && prev + energy > pair) pair = prev + energy;
      prev = energy;
    }
    stats.errors[offset + t] = e / 80;
    stats.meanLogMel[offset + t] = m / 80;
    stats.logEnergy[offset + t] = Math.log(Math.max(sum / 80, 1e-30));
    stats.tonality[offset + t] = sum > 0 ? pair / sum : 0;
  }
}

/**
 * The autoencoder's reconstruction anomaly of 16 kHz mono audio, in chunks of ~10 s (the hook the
 * quality gate, enrollment and `vc analyze` share).
 */
export async function anomalyScores(model: VoiceModel, mono: Float32Array, signal?: AbortSignal): Promise<AnomalyScores> {
  const stats = newFrameStats(1 + Math.floor(mono.length / HOP));
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
    frameErrors(data, rec, frames, stats, start / HOP);
    await yieldToEventLoop();
    if (end >= mono.length) break;
  }
  return scoresFromErrors(model, stats);
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
    const kind = nonSpeechFrames(an);
    let live = 0;
    let over = 0;
    let runStart = -1;
    let nonSpeechSec = 0;
    const minFrames = Math.ceil(GATE.minRegionSec / ANOMALY_HOP_SEC);
    for (let t = 0; t <= smooth.length; t++) {
      // a tone's mean log-mel is low however loud it is: noise and tone frames are judged by their energy
      const active = t < smooth.length && ((an.meanLogMel[t] > floor && an.meanLogMel[t] > -10) || kind[t] !== SPEECH);
      const hot = active && (smooth[t] > 1 || kind[t] !== SPEECH);
      if (active) live++;
      if (hot) over++;
      if (hot && runStart < 0) runStart = t;
      if (!hot && runStart >= 0) {
        if (t - runStart >= minFrames) {
          const { reason, nonSpeech } = regionReason(smooth, kind, runStart, t);
          flagged.push({ start: round(runStart * ANOMALY_HOP_SEC, 3), end: round(t * ANOMALY_HOP_SEC, 3), reason });
          if (nonSpeech) nonSpeechSec += (t - runStart) * ANOMALY_HOP_SEC;
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
    if (nonSpeechSec > 0 && verdict === 'ok') {
      raise('warn', `${nonSpeechSec.toFixed(1)} s of the clip is noise or a tone, not speech (marked on the waveform): trim it for a cleaner result.`);
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

const SPEECH = 0;
const NOISE = 1;
const TONE = 2;

/**
 * Per frame: NOISE or TONE where the frame belongs to a stretch of at least GATE.nonSpeechMinSec of loud frames
 * (logEnergy within GATE.nonSpeechWithinDb of its 95th percentile) that are that flat or that tonal, else SPEECH
 * (left to the anomaly score).
 */
function nonSpeechFrames(an: AnomalyScores): Uint8Array {
  const n = an.logEnergy.length;
  const kind = new Uint8Array(n);
  if (n === 0) return kind;
  const levels = Float32Array.from(an.logEnergy).sort();
  const loud = levels[Math.floor(0.95 * (n - 1))] - GATE.nonSpeechWithinDb / (10 / Math.LN10); // dB -> ln-power units
  const minFrames = Math.ceil(GATE.nonSpeechMinSec / ANOMALY_HOP_SEC);
  const flat = (t: number): boolean => Math.exp(an.meanLogMel[t] - an.logEnergy[t]) > GATE.noiseFlatness;
  const tonal = (t: number): boolean => an.tonality[t] > GATE.toneShare;
  for (const [k, test] of [[NOISE, flat], [TONE, tonal]] as const) {
    let start = -1;
    for (let t = 0; t <= n; t++) {
      const on = t < n && an.logEnergy[t] > loud && test(t);
      if (on && start < 0) start = t;
      if (!on && start >= 0) {
        if (t - start >= minFrames) kind.fill(k, start, t);
        start = -1;
      }
    }
  }
  return kind;
}

/** The reason of a flagged region [from, to): what most of its frames are (noise, tone), else the anomaly. */
function regionReason(smooth: Float32Array, kind: Uint8Array, from: number, to: number): { reason: string; nonSpeech: boolean } {
  let noise = 0;
  let tone = 0;
  let peakScore = 0;
  for (let t = from; t < to; t++) {
    if (kind[t] === NOISE) noise++;
    if (kind[t] === TONE) tone++;
    peakScore = Math.max(peakScore, smooth[t]);
  }
  const half = (to - from) / 2;
  if (noise >= half) return { reason: 'Sounds like broadband noise, not speech (hiss, static, wind or a noise burst).', nonSpeech: true };
  if (tone >= half) return { reason: 'Sounds like a steady tone, not speech (a beep, whistle or hum).', nonSpeech: true };
  return { reason: `Does not sound like clean speech (anomaly ${peakScore.toFixed(1)}x the threshold): noise, music, distortion or another voice?`, nonSpeech: false };
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
