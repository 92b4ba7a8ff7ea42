"""Harmonic-plus-noise source-filter synthesis from log-mel and F0 (the neural vocoder's signal path).

Why this file exists: the converter's decoder outputs smooth spectral envelopes without harmonics, and
Griffin-Lim turns those into breathy, phasey audio. This vocoder takes the pitch the pipeline already has
and builds the harmonics itself: a band-limited pulse train at F0 (continuous phase) plus white noise,
mixed per mel band by an aperiodicity that a small trained network predicts (vocoder_net.py), then shaped
so that the spectral envelope is the one the log-mel asks for.

Written once here (numpy) and once in src/dsp/source-filter.ts; parity vectors check they agree.
The steps, per DESIGN §3 framing (hop 256, n_fft 1024, centered, periodic Hann):
  1. excitation: per-sample F0 by linear interpolation between frame centres (frame t at sample t*HOP;
     unvoiced stretches hold the nearest voiced F0), phase = cumulative sum of 2 pi f0 / sr, harmonic
     sum of cos(k phase) for k * f0 < HARMONIC_CEIL (closed form, Dirichlet kernel), scaled to unit power;
     noise = seeded white Gaussian noise.
  2. STFT of both. Each is divided by its own envelope: the mel-band amplitudes smoothed per frame by a
     Gaussian over band centres of std SMOOTH_F0 * F0 (the resolution of the harmonic spacing), so both are
     flat overall while the harmonics and the valleys between them stay.
  3. mix X = sqrt(1 - a) * H + sqrt(a) * N per bin, a = interpolated aperiodicity (1 in unvoiced frames).
  4. shape: band gain = the smoothed target envelope over the smoothed envelope of |X|, blended in log
     toward the band-by-band ratio by `detail` (band_gain), interpolated to bins; X *= gain. A decoder's
     smooth log-mel then gets harmonics under its envelope instead of noise boosted into the valleys.
  5. inverse STFT (weighted overlap-add), then `iterations` consistency passes (STFT, step 4, inverse STFT).
The network (vocoder_net.py) predicts a and detail per band and frame from the log-mel and F0.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .features import HOP, SAMPLE_RATE, mel_filterbank
from .vocoder import istft, stft

HARMONIC_CEIL = 7600.0  # Hz: highest harmonic synthesized (below Nyquist, above the last mel band's centre)
DEFAULT_F0 = 120.0  # Hz: F0 held through a clip that has no voiced frame at all
NOISE_SEED = 7
DEFAULT_ITERATIONS = 4  # consistency passes: inverse STFT, STFT, band gains again (mel error 0.26 -> 0.12)
DEFAULT_DETAIL = 0.5  # band_gain's blend when no network gives one
SMOOTH_F0 = 0.5  # envelope smoothing across bands: Gaussian of std SMOOTH_F0 * F0 (Hz) around each band centre
EPS = 1e-8

_CACHE: dict[str, np.ndarray] = {}


def band_to_bin() -> np.ndarray:
    """[513, 80] interpolation from mel bands to FFT bins: the filterbank's triangles, each bin's column
    normalized to sum 1 (piecewise-linear interpolation between band centres; bins beyond the outer
    centres take the outer band)."""
    if "b2b" not in _CACHE:
        fb = mel_filterbank().astype(np.float64)  # [80, 513]
        tri = fb / fb.max(axis=1, keepdims=True)
        tri = tri.T.copy()  # [513, 80]
        s = tri.sum(axis=1)
        centres = np.argmax(fb, axis=1)
        tri[: centres[0] + 1, :] = 0.0
        tri[: centres[0] + 1, 0] = 1.0
        tri[centres[-1]:, :] = 0.0
        tri[centres[-1]:, -1] = 1.0
        s = tri.sum(axis=1)
        _CACHE["b2b"] = tri / s[:, None]
    return _CACHE["b2b"]


def band_centres_hz() -> np.ndarray:
    """Centre frequency of each mel band (where its triangle peaks), Hz."""
    if "centres" not in _CACHE:
        from .features import F_MAX, F_MIN, N_MELS, hz_to_mel, mel_to_hz, _linspace
        pts = mel_to_hz(_linspace(float(hz_to_mel(F_MIN)), float(hz_to_mel(F_MAX)), N_MELS + 2))
        _CACHE["centres"] = np.asarray(pts[1:-1], dtype=np.float64)
    return _CACHE["centres"]


def envelope_kernels(f0_frames: np.ndarray, smooth: float = SMOOTH_F0) -> np.ndarray:
    """[T, 80, 80] row-normalized Gaussian weights over band centres with std smooth * F0 of each frame: the
    spectral envelope at the resolution of the harmonic spacing (narrower bands than that would see single
    harmonics or the valleys between them). smooth = 0: the identity (band by band)."""
    c = band_centres_hz()
    d = c[None, :, None] - c[None, None, :]  # [1, 80, 80]
    if smooth <= 0:
        return np.broadcast_to(np.eye(80), (len(f0_frames), 80, 80))
    sig = np.maximum(smooth * f0_frames, 1.0)[:, None, None]
    k = np.exp(-0.5 * (d / sig) ** 2)
    return k / k.sum(axis=2, keepdims=True)


def frame_f0(log_f0: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Per-frame F0 in Hz with unvoiced frames holding the nearest voiced frame's (ties: the earlier)."""
    t = len(log_f0)
    f = np.where(voiced > 0.5, np.exp(log_f0.astype(np.float64)), 0.0)
    idx = np.flatnonzero(f > 0)
    if len(idx) == 0:
        return np.full(t, DEFAULT_F0)
    pos = np.searchsorted(idx, np.arange(t))
    left = idx[np.clip(pos - 1, 0, len(idx) - 1)]
    right = idx[np.clip(pos, 0, len(idx) - 1)]
    nearest = np.where(np.abs(np.arange(t) - left) <= np.abs(right - np.arange(t)), left, right)
    return f[nearest]


def sample_f0(log_f0: np.ndarray, voiced: np.ndarray, n: int) -> np.ndarray:
    """Per-sample F0 in Hz [n]: unvoiced frames take the nearest voiced frame's F0 (held), then linear
    interpolation between frame centres t * HOP."""
    t = len(log_f0)
    f = frame_f0(log_f0, voiced)
    x = np.arange(n, dtype=np.float64) / HOP
    return np.interp(x, np.arange(t, dtype=np.float64), f)


def pulse_train(f0: np.ndarray, phase0: float = 0.0) -> np.ndarray:
    """Band-limited pulse train of unit power: sum_{k=1..K} cos(k phi), K = floor(HARMONIC_CEIL / f0); phi starts
    at phase0 (the phase accumulated before sample 0, for chunks of a long input)."""
    phi = phase0 + np.cumsum(2.0 * np.pi * f0 / SAMPLE_RATE)
    phi = np.mod(phi, 2.0 * np.pi)
    k = np.maximum(1.0, np.floor(HARMONIC_CEIL / np.maximum(f0, 1.0)))
    half = np.sin(phi / 2.0)
    safe = np.abs(half) > 1e-6
    num = np.sin((k + 0.5) * phi)
    out = np.where(safe, num / (2.0 * np.where(safe, half, 1.0)) - 0.5, k)
    return out * np.sqrt(2.0 / k)  # each cosine has power 1/2


def noise(n: int, seed: int = NOISE_SEED, start: int = 0) -> np.ndarray:
    """Unit-variance white noise for samples start..start+n-1: a counter-based hash (lowbias32) of the absolute
    sample index, so overlapping chunks of a long input get the same noise and crossfade coherently."""
    i = (np.arange(start, start + n, dtype=np.int64) + seed * 0x9E3779B9).astype(np.uint64) & np.uint64(0xFFFFFFFF)
    x = i.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x = (x.astype(np.uint64) * np.uint64(0x7FEB352D) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    x ^= x >> np.uint32(15)
    x = (x.astype(np.uint64) * np.uint64(0x846CA68B) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    x ^= x >> np.uint32(16)
    u = (x.astype(np.float64) + 0.5) / 4294967296.0
    return (u - 0.5) * math.sqrt(12.0)


def band_mean(mag: np.ndarray) -> np.ndarray:
    """Mel-band amplitude [80, T] of a linear magnitude [513, T] (the feature contract's mel matrix)."""
    return mel_filterbank().astype(np.float64) @ mag


def smoothed(kernels: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """Band values [80, T] smoothed per frame by its kernel [T, 80, 80]."""
    return np.einsum("tij,jt->it", kernels, bands)


def excitations(log_f0: np.ndarray, voiced: np.ndarray, length: int, frames: int, seed: int = NOISE_SEED,
                phase0: float = 0.0, start_sample: int = 0, smooth: float = SMOOTH_F0) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and noise spectra [513, T] (complex) for the given pitch track, each divided by its own smoothed
    envelope: flat overall, with the harmonics (and the valleys between them) kept."""
    n = max(length, (frames - 1) * HOP)
    f0 = sample_f0(log_f0, voiced, n)
    h = stft(pulse_train(f0, phase0), frames)
    z = stft(noise(n, seed, start_sample), frames)
    b2b = band_to_bin()
    ker = envelope_kernels(frame_f0(log_f0, voiced)[:frames], smooth)
    out = []
    for e in (h, z):
        env = b2b @ np.maximum(smoothed(ker, band_mean(np.abs(e))), EPS)
        out.append(e / env)
    return out[0], out[1]


def band_gain(target: np.ndarray, target_s: np.ndarray, got: np.ndarray, ker: np.ndarray, detail: np.ndarray) -> np.ndarray:
    """Per-band gain [80, T]: the smoothed-envelope ratio, raised toward the band-by-band ratio by `detail` in
    [0, 1] (log-domain blend): 0 keeps the excitation's harmonics under a smooth envelope, 1 matches every band."""
    got = np.maximum(got, EPS)
    smooth = np.log(target_s) - np.log(np.maximum(smoothed(ker, got), EPS))
    exact = np.log(target) - np.log(got)
    return np.exp((1.0 - detail) * smooth + detail * exact)


def synthesize(log_mel: np.ndarray, log_f0: np.ndarray, voiced: np.ndarray, aperiodicity: np.ndarray,
               length: int | None = None, seed: int = NOISE_SEED, iterations: int = DEFAULT_ITERATIONS,
               phase0: float = 0.0, start_sample: int = 0, smooth: float = SMOOTH_F0,
               detail: Optional[np.ndarray] = None, free_voicing: bool = False) -> np.ndarray:
    """Audio [length] from log-mel [80, T], log-F0 and voiced flag [T], aperiodicity and detail [80, T] in [0, 1]
    (detail: see band_gain; default DEFAULT_DETAIL everywhere). Unvoiced frames are all noise unless `free_voicing`:
    then the aperiodicity decides there too (a network trained so can voice frames the pitch tracker missed)."""
    frames = log_mel.shape[1]
    if length is None:
        length = (frames - 1) * HOP
    h, z = excitations(log_f0, voiced, length, frames, seed, phase0, start_sample, smooth)
    ker = envelope_kernels(frame_f0(log_f0, voiced), smooth)
    b2b = band_to_bin()
    a = np.clip(aperiodicity.astype(np.float64), 0.0, 1.0)
    if not free_voicing:
        a = np.where(voiced[None, :] > 0.5, a, 1.0)
    a_bins = np.clip(b2b @ a, 0.0, 1.0)
    x = np.sqrt(1.0 - a_bins) * h + np.sqrt(a_bins) * z
    target = np.exp(log_mel.astype(np.float64))
    target_s = smoothed(ker, target)
    det = np.full((80, frames), DEFAULT_DETAIL) if detail is None else np.clip(detail.astype(np.float64), 0.0, 1.0)
    y = np.zeros(length)
    for i in range(iterations + 1):
        if i > 0:
            x = stft(y, frames)
        x = x * (b2b @ band_gain(target, target_s, band_mean(np.abs(x)), ker, det))
        y = istft(x, length)
    return y.astype(np.float32)


def default_aperiodicity(frames: int) -> np.ndarray:
    """[80, T] fixed aperiodicity profile (0.01 at the lowest band rising to 0.61 at 8 kHz), used before
    a trained network exists and as the untrained baseline in the evaluation."""
    f = np.linspace(0.0, 1.0, 80)
    return np.repeat((0.01 + 0.6 * f ** 2)[:, None], frames, axis=1)
