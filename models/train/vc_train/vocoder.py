"""Griffin-Lim vocoder as the app uses it (DESIGN §4): log-mel -> linear magnitude through the
pseudo-inverse of the same mel matrix, then fast Griffin-Lim (momentum) with the §3 STFT."""
from __future__ import annotations

import numpy as np

from .features import HOP, N_FFT, hann_periodic, mel_filterbank, reflect_pad

_PINV: dict[str, np.ndarray] = {}


def mel_pinv() -> np.ndarray:
    if "p" not in _PINV:
        _PINV["p"] = np.linalg.pinv(mel_filterbank().astype(np.float64))
    return _PINV["p"]


def stft(x: np.ndarray, frames: int | None = None) -> np.ndarray:
    """Complex STFT [513, frames] per DESIGN §3 (default frames 1 + len // HOP; more are zero-padded)."""
    t = 1 + len(x) // HOP if frames is None else frames
    xp = reflect_pad(x, N_FFT // 2)
    need = (t - 1) * HOP + N_FFT
    if len(xp) < need:
        xp = np.pad(xp, (0, need - len(xp)))
    win = hann_periodic(N_FFT)
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(t)[:, None]
    return np.fft.rfft(xp[idx] * win, axis=1).T  # [513, T]


def istft(spec: np.ndarray, length: int) -> np.ndarray:
    """Weighted overlap-add inverse of `stft`, trimmed (or zero-padded) to `length` samples."""
    t = spec.shape[1]
    win = hann_periodic(N_FFT)
    frames = np.fft.irfft(spec.T, n=N_FFT, axis=1) * win
    n = N_FFT + HOP * (t - 1)
    out = np.zeros(n)
    wsum = np.zeros(n)
    for i in range(t):
        out[i * HOP:i * HOP + N_FFT] += frames[i]
        wsum[i * HOP:i * HOP + N_FFT] += win ** 2
    out /= np.maximum(wsum, 1e-8)
    pad = N_FFT // 2
    y = out[pad:pad + length]
    return np.pad(y, (0, max(0, length - len(y))))


def griffin_lim(log_mel: np.ndarray, n_iter: int = 32, momentum: float = 0.99, seed: int = 0,
                init: np.ndarray | None = None, length: int | None = None) -> np.ndarray:
    """[80, T] RAW log-mel -> float32 audio of `length` (default (T - 1) * 256) samples. The phase starts from
    `init`'s STFT when given (refining another vocoder's output), else from seeded random angles."""
    mag = np.maximum(mel_pinv() @ np.exp(log_mel.astype(np.float64)), 0.0)  # [513, T]
    t = mag.shape[1]
    length = (t - 1) * HOP if length is None else length
    if init is None:
        angles = np.exp(2j * np.pi * np.random.default_rng(seed).random(mag.shape))
    else:
        r = stft(np.asarray(init, np.float64), t)
        angles = r / np.maximum(np.abs(r), 1e-16)
    prev = np.zeros_like(angles)
    for _ in range(n_iter):
        x = istft(mag * angles, length)
        rebuilt = stft(x)[:, :t]
        if rebuilt.shape[1] < t:
            rebuilt = np.pad(rebuilt, ((0, 0), (0, t - rebuilt.shape[1])))
        a = rebuilt - (momentum / (1 + momentum)) * prev
        angles = a / np.maximum(np.abs(a), 1e-16)
        prev = rebuilt
    x = istft(mag * angles, length)
    return x.astype(np.float32)
