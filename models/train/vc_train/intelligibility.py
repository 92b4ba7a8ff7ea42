"""Objective intelligibility: STOI (Taal et al. 2011) and ESTOI (Jensen & Taal 2016), numpy + scipy only.

Why this file exists: the vocoder evaluation (eval_vocoder.py) compares resynthesized speech with the original, and
word error from a small ASR is noisy on a few dozen clips; STOI/ESTOI measure how well the short-time temporal
envelopes of one-third-octave bands survive, per clip, without a recognizer.

Both follow the published definitions (and the parameter choices of the authors' reference code):
  1. resample both signals to 10 kHz (scipy.signal.resample_poly);
  2. silent-frame removal: 256-sample Hann frames, 50 % overlap; frames of the clean signal more than 40 dB below
     its loudest frame are dropped from both signals, which are then rebuilt by overlap-add;
  3. STFT: 256-sample Hann frames, hop 128, 512-point FFT;
  4. 15 one-third-octave bands, centre frequencies 150 * 2^(k/3) Hz (k = 0..14): band amplitude
     X_j(m) = sqrt(sum of |X(k, m)|^2 over the band's bins);
  5. segments of N = 30 frames (384 ms), one ending at every frame;
  6. STOI: per segment and band, the degraded envelope is scaled to the clean one's energy and clipped at
     (1 + 10^(-beta/20)) times the clean envelope (beta = -15 dB, i.e. a signal-to-distortion floor); the score is
     the sample correlation coefficient between clean and processed envelopes, averaged over bands and segments.
     ESTOI: each segment's [15 x 30] matrix is mean- and norm-normalized per row (band, over time) and then per column
     (frame, over bands), no clipping; the score is the mean over columns of the inner products of clean and
     processed columns (spectral correlation of the normalized envelopes), averaged over segments.
Scores lie in about [-1, 1] (1 = the same temporal envelopes; intelligible speech ~0.6-1; noise vs speech ~0).
"""
from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

FS = 10000          # internal sample rate, Hz
N_FRAME = 256       # frame length at FS (25.6 ms), hop N_FRAME // 2
NFFT = 512
NUM_BANDS = 15
MIN_FREQ = 150.0    # centre of the lowest one-third-octave band, Hz
N_SEG = 30          # frames per segment (384 ms)
BETA = -15.0        # lower signal-to-distortion bound, dB (STOI clipping)
DYN_RANGE = 40.0    # silent-frame threshold below the loudest frame, dB
EPS = float(np.finfo(np.float64).eps)

_OBM: dict[tuple[int, int], np.ndarray] = {}


def _window() -> np.ndarray:
    # Hann window without the zero end points (as MATLAB's hanning(N) / the reference implementation)
    return np.hanning(N_FRAME + 2)[1:-1]


def third_octave_matrix(fs: int = FS, nfft: int = NFFT) -> np.ndarray:
    """[15, nfft/2 + 1] 0/1 matrix: bins of each one-third-octave band (edges rounded to the nearest bin) of an
    nfft-point spectrum at fs (STOI's: 10 kHz, 512; vocoder_net.estoi_loss also takes it at 16 kHz)."""
    if (fs, nfft) not in _OBM:
        f = np.linspace(0, fs, nfft + 1)[: nfft // 2 + 1]
        k = np.arange(NUM_BANDS, dtype=np.float64)
        lo = MIN_FREQ * 2.0 ** ((2 * k - 1) / 6)
        hi = MIN_FREQ * 2.0 ** ((2 * k + 1) / 6)
        obm = np.zeros((NUM_BANDS, len(f)))
        for i in range(NUM_BANDS):
            a = int(np.argmin((f - lo[i]) ** 2))
            b = int(np.argmin((f - hi[i]) ** 2))
            obm[i, a:b] = 1.0
        _OBM[(fs, nfft)] = obm
    return _OBM[(fs, nfft)]


def resample(x: np.ndarray, fs: int) -> np.ndarray:
    if fs == FS:
        return np.asarray(x, np.float64)
    r = Fraction(FS, int(fs))
    return resample_poly(np.asarray(x, np.float64), r.numerator, r.denominator)


def _frames(x: np.ndarray) -> np.ndarray:
    hop = N_FRAME // 2
    starts = np.arange(0, len(x) - N_FRAME, hop)
    if len(starts) == 0:
        return np.zeros((0, N_FRAME))
    return x[starts[:, None] + np.arange(N_FRAME)[None, :]] * _window()


def _overlap_add(frames: np.ndarray) -> np.ndarray:
    hop = N_FRAME // 2
    out = np.zeros(max(0, (len(frames) - 1) * hop + N_FRAME))
    for i, fr in enumerate(frames):
        out[i * hop:i * hop + N_FRAME] += fr
    return out


def remove_silent_frames(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop frames where the clean signal x is more than DYN_RANGE dB below its loudest frame (from both)."""
    xf, yf = _frames(x), _frames(y)
    if len(xf) == 0:
        return x[:0], y[:0]
    e = 20.0 * np.log10(np.linalg.norm(xf, axis=1) + EPS)
    keep = e > e.max() - DYN_RANGE
    return _overlap_add(xf[keep]), _overlap_add(yf[keep])


def band_envelopes(x: np.ndarray) -> np.ndarray:
    """One-third-octave band amplitudes [15, frames] of a 10 kHz signal (256 Hann frames, hop 128, 512 FFT)."""
    spec = np.fft.rfft(_frames(x), n=NFFT, axis=1)  # [frames, 257]
    return np.sqrt(third_octave_matrix() @ (np.abs(spec) ** 2).T)


def _prepare(clean: np.ndarray, processed: np.ndarray, fs: int) -> tuple[np.ndarray, np.ndarray] | None:
    x = np.asarray(clean, np.float64).reshape(-1)
    y = np.asarray(processed, np.float64).reshape(-1)
    n = min(len(x), len(y))
    x, y = resample(x[:n], fs), resample(y[:n], fs)
    x, y = remove_silent_frames(x, y)
    xe, ye = band_envelopes(x), band_envelopes(y)
    if xe.shape[1] < N_SEG:
        warnings.warn("fewer than 30 speech frames (384 ms) after silence removal: STOI undefined, returning nan")
        return None
    # segments [M, 15, N]: one ending at every frame from N on
    idx = np.arange(N_SEG, xe.shape[1] + 1)[:, None] + np.arange(-N_SEG, 0)[None, :]
    return xe[:, idx].transpose(1, 0, 2), ye[:, idx].transpose(1, 0, 2)


def _unit(v: np.ndarray, axis: int) -> np.ndarray:
    v = v - v.mean(axis=axis, keepdims=True)
    return v / (np.linalg.norm(v, axis=axis, keepdims=True) + EPS)


def stoi(clean: np.ndarray, processed: np.ndarray, fs: int = 16000) -> float:
    """STOI of `processed` against `clean` (same length after trimming to the shorter one)."""
    seg = _prepare(clean, processed, fs)
    if seg is None:
        return float("nan")
    xs, ys = seg
    alpha = np.linalg.norm(xs, axis=2, keepdims=True) / (np.linalg.norm(ys, axis=2, keepdims=True) + EPS)
    yp = np.minimum(alpha * ys, xs * (1.0 + 10.0 ** (-BETA / 20.0)))
    return float(np.mean(np.sum(_unit(xs, 2) * _unit(yp, 2), axis=2)))


def estoi(clean: np.ndarray, processed: np.ndarray, fs: int = 16000) -> float:
    """Extended STOI of `processed` against `clean`."""
    seg = _prepare(clean, processed, fs)
    if seg is None:
        return float("nan")
    xs, ys = seg
    xn = _unit(_unit(xs, 2), 1)  # rows (bands over time), then columns (frames over bands)
    yn = _unit(_unit(ys, 2), 1)
    return float(np.mean(np.sum(xn * yn, axis=1)))


__all__ = ["stoi", "estoi", "third_octave_matrix", "band_envelopes", "remove_silent_frames", "FS"]
