"""Log-mel features per the audio/feature contract (DESIGN.md section 3).

Why this file exists: training (Python) and the app (TypeScript, src/dsp/mel.ts and
src/dsp/stft.ts) must compute bit-for-bit the same features. This is the Python half,
numpy only, written by hand (no librosa here) and checked against the TypeScript half
by the parity vectors that parity.py writes into src/dsp/testdata/.

Contract: 16 kHz mono float audio in [-1, 1]; STFT n_fft 1024 with a periodic Hann
window of 1024, hop 256, centered with reflect padding (T = 1 + len(audio) // 256);
linear magnitude; 80 Slaney mel bands 0-8000 Hz with Slaney area normalization
(librosa.filters.mel defaults, float32 weights); natural log of max(mel, 1e-5).
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 1024
HOP = 256
N_MELS = 80
F_MIN = 0.0
F_MAX = 8000.0
LOG_FLOOR = 1e-5

# Frames processed per block, so hours of audio never build a huge frame matrix.
_BLOCK_FRAMES = 2048

__all__ = [
    "SAMPLE_RATE", "N_FFT", "HOP", "N_MELS", "F_MIN", "F_MAX", "LOG_FLOOR",
    "hz_to_mel", "mel_to_hz", "mel_filterbank", "hann_periodic", "reflect_pad",
    "frame_count", "stft_magnitude", "log_mel", "f0_yin",
]


def hz_to_mel(freq):
    """Slaney mel scale (librosa htk=False): linear below 1 kHz, log above."""
    f = np.asarray(freq, dtype=np.float64)
    f_sp = 200.0 / 3.0
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    mels = np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)
    return mels


def mel_to_hz(mels):
    """Inverse of hz_to_mel (Slaney)."""
    m = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3.0
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def _linspace(start: float, stop: float, num: int) -> np.ndarray:
    # Same arithmetic as numpy.linspace (i * step + start, last = stop), spelled out so
    # the TypeScript port can reproduce it exactly.
    step = (stop - start) / (num - 1)
    y = np.arange(num, dtype=np.float64) * step + start
    y[-1] = stop
    return y


def mel_filterbank(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = F_MIN, fmax: float = F_MAX) -> np.ndarray:
    """Slaney mel filterbank with Slaney area norm, shape [n_mels, 1 + n_fft // 2], float32.

    Equivalent to librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    (htk=False, norm='slaney', dtype float32).
    """
    n_bins = 1 + n_fft // 2
    fftfreqs = _linspace(0.0, sr / 2.0, n_bins)
    mel_pts = _linspace(float(hz_to_mel(fmin)), float(hz_to_mel(fmax)), n_mels + 2)
    mel_f = mel_to_hz(mel_pts)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    weights = np.zeros((n_mels, n_bins), dtype=np.float64)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, None]
    return weights.astype(np.float32)


def hann_periodic(n: int = N_FFT) -> np.ndarray:
    """Periodic Hann window (scipy.signal.get_window('hann', n, fftbins=True)), float64."""
    k = np.arange(n, dtype=np.float64)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * k / n)


def reflect_pad(x: np.ndarray, pad: int) -> np.ndarray:
    """Reflect-pad (no edge repeat) by `pad` on both sides, for any length.

    Indices outside [0, n-1] are mirrored with period 2(n-1) (numpy's 'reflect' for
    pads shorter than the signal; well-defined also for longer pads); n == 1 repeats
    the sample; n == 0 gives zeros.
    """
    n = len(x)
    if n == 0:
        return np.zeros(2 * pad, dtype=np.float64)
    idx = np.arange(-pad, n + pad)
    if n == 1:
        return np.full(n + 2 * pad, float(x[0]), dtype=np.float64)
    period = 2 * (n - 1)
    m = np.mod(idx, period)
    m = np.where(m >= n, period - m, m)
    return np.asarray(x, dtype=np.float64)[m]


def frame_count(n_samples: int, hop: int = HOP) -> int:
    """Frames of a centered STFT: 1 + n_samples // hop."""
    return 1 + n_samples // hop


def _frames(padded: np.ndarray, start: int, count: int, length: int, hop: int) -> np.ndarray:
    s = padded.strides[0]
    base = padded[start * hop:]
    return np.lib.stride_tricks.as_strided(base, shape=(count, length), strides=(hop * s, s), writeable=False)


def stft_magnitude(audio: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Linear STFT magnitude [1 + n_fft // 2, T] (float64), centered, reflect padded, periodic Hann."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    t = frame_count(len(x), hop)
    padded = np.ascontiguousarray(reflect_pad(x, n_fft // 2))
    win = hann_periodic(n_fft)
    out = np.empty((1 + n_fft // 2, t), dtype=np.float64)
    for b0 in range(0, t, _BLOCK_FRAMES):
        cnt = min(_BLOCK_FRAMES, t - b0)
        fr = _frames(padded, b0, cnt, n_fft, hop) * win
        spec = np.fft.rfft(fr, n=n_fft, axis=1)
        out[:, b0:b0 + cnt] = np.sqrt(spec.real ** 2 + spec.imag ** 2).T
    return out


_MEL_CACHE: dict[tuple, np.ndarray] = {}


def log_mel(audio: np.ndarray) -> np.ndarray:
    """Log-mel of 16 kHz mono audio per DESIGN section 3: [80, T] float32, T = 1 + len // 256."""
    key = (SAMPLE_RATE, N_FFT, N_MELS, F_MIN, F_MAX)
    fb = _MEL_CACHE.get(key)
    if fb is None:
        fb = mel_filterbank().astype(np.float64)
        _MEL_CACHE[key] = fb
    mag = stft_magnitude(audio)
    mel = fb @ mag
    return np.log(np.maximum(mel, LOG_FLOOR)).astype(np.float32)


def f0_yin(audio: np.ndarray):
    """Re-exported from f0.py for convenience: (log_f0, voiced), both [T] float32."""
    from .f0 import f0_yin as _f0
    return _f0(audio)
