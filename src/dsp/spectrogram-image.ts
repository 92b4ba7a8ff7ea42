// The comparison bundle's side-by-side spectrogram: the engine's own log-mel (mel.ts, the features the
// models see) of the source above the result, on one time axis and one colour scale, as RGB pixels
// ready for the PNG encoder. Why it exists: a bug report or a shared result shows at a glance what the
// conversion did to the spectrum (pitch, formants, noise, gaps) without opening an audio editor.
import { logMel } from './mel';
import { resample } from '../audio/resample';

/** Widest image in pixels; longer clips average neighbouring frames into one column. */
export const MAX_SPECTROGRAM_COLUMNS = 2000;
const ROW_SCALE = 2; // pixel rows per mel band
const GAP = 6; // separator rows between the panels
const RANGE = 9; // natural-log units shown below the loudest bin (about 78 dB)
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [40, 11, 84],
  [120, 28, 109],
  [187, 55, 84],
  [237, 105, 37],
  [251, 180, 26],
  [252, 255, 164],
];

/** Planar float audio at some rate (the API's AudioData shape). */
export interface SpectrogramInput {
  sampleRate: number;
  channels: Float32Array[];
}

/** An RGB image (3 bytes per pixel, row-major). */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

function mono16k(a: SpectrogramInput): Float32Array {
  const n = a.channels[0].length;
  const m = new Float32Array(n);
  for (const ch of a.channels) for (let i = 0; i < n; i++) m[i] += ch[i] / a.channels.length;
  return a.sampleRate === 16000 ? m : resample(m, a.sampleRate, 16000);
}

function colour(t: number, out: Uint8Array, o: number): void {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  for (let c = 0; c < 3; c++) out[o + c] = Math.round(STOPS[i][c] + (STOPS[i + 1][c] - STOPS[i][c]) * f);
}

/**
 * Renders the log-mel spectrograms of `top` and `bottom` stacked (low frequencies at the bottom of
 * each panel), sharing the time axis (the shorter clip ends early on a dark background) and the colour
 * scale (the loudest bin of either is white-yellow).
 */
export function spectrogramPair(top: SpectrogramInput, bottom: SpectrogramInput): RgbImage {
  const mels = [logMel(mono16k(top)), logMel(mono16k(bottom))];
  const nMels = mels[0].nMels;
  const frames = Math.max(1, ...mels.map((m) => m.frames));
  const per = Math.ceil(frames / MAX_SPECTROGRAM_COLUMNS);
  const width = Math.ceil(frames / per);
  const panel = nMels * ROW_SCALE;
  const height = panel * 2 + GAP;
  let max = -Infinity;
  for (const m of mels) for (const x of m.data) if (x > max) max = x;
  const floor = max - RANGE;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = panel; y < panel + GAP; y++) rgb.fill(96, y * width * 3, (y + 1) * width * 3);
  mels.forEach((m, k) => {
    const y0 = k * (panel + GAP);
    for (let col = 0; col < width; col++) {
      const f0 = col * per;
      const f1 = Math.min(m.frames, f0 + per);
      for (let b = 0; b < nMels; b++) {
        let t = 0;
        if (f1 > f0) {
          let s = 0;
          for (let f = f0; f < f1; f++) s += m.data[b * m.frames + f];
          t = (s / (f1 - f0) - floor) / RANGE;
        }
        for (let r = 0; r < ROW_SCALE; r++) {
          const y = y0 + (nMels - 1 - b) * ROW_SCALE + r;
          colour(f1 > f0 ? t : 0, rgb, (y * width + col) * 3);
        }
      }
    }
  });
  return { width, height, rgb };
}
