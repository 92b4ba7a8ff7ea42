"""YIN-style F0 tracker, one value per mel frame (DESIGN.md sections 4 and 6).

Why this file exists: the decoder gets pitch explicitly (normalized log-F0 + voiced flag),
so training (this file) and the app (src/dsp/f0.ts) must track pitch identically. The
TypeScript port follows this code step by step; parity.py writes vectors that a
TypeScript test checks.

Algorithm (de Cheveigne & Kawahara 2002, steps 1-5), per frame:
  * frames are centered like the STFT: reflect pad FRAME // 2, frame t starts at t * HOP
    of the padded signal, T = 1 + len(audio) // HOP;
  * inside the frame, the analysed span (W + TAU_MAX + 1 samples) is centered; the
    difference function d(tau) = sum_{j<W} (x[j] - x[j + tau])^2 is computed as
    E(0) + E(tau) - 2 r(tau), with r from an FFT cross-correlation (vectorized over frames)
    and E from a running sum of squares;
  * cumulative mean normalized difference d'(tau) = d(tau) * tau / sum_{k=1..tau} d(k);
  * the first tau in [TAU_MIN, TAU_MAX] with d' < THRESHOLD, then descend to the local
    minimum; no such tau, or a frame quieter than SILENCE_RMS -> unvoiced;
  * parabolic interpolation of d' around the minimum; f0 = SR / tau.
"""

from __future__ import annotations

import numpy as np

from .features import HOP, SAMPLE_RATE, reflect_pad

FRAME = 1024          # samples per analysis frame (centered on the mel frame)
WINDOW = 512          # integration window W of the difference function
FMIN = 60.0           # lowest F0 searched, Hz
FMAX = 1000.0         # highest F0 searched, Hz
THRESHOLD = 0.15      # d' dip below this -> periodic
SILENCE_RMS = 1e-4    # frames with RMS (over W) below this are unvoiced
TAU_MIN = int(SAMPLE_RATE // FMAX)           # 16
TAU_MAX = int(SAMPLE_RATE // FMIN)           # 266
SPAN = WINDOW + TAU_MAX + 1                  # samples needed for d(0..TAU_MAX+1)
OFFSET = (FRAME - SPAN) // 2                 # span start inside the frame
FFT_SIZE = 1024                              # >= SPAN, so circular correlation does not wrap

_BLOCK = 2048

__all__ = ["f0_yin", "FRAME", "WINDOW", "FMIN", "FMAX", "THRESHOLD", "SILENCE_RMS",
           "TAU_MIN", "TAU_MAX", "OFFSET", "FFT_SIZE"]


def _cmndf_block(fr: np.ndarray):
    """fr: [n, FRAME] float64 -> (cmndf [n, TAU_MAX + 2], energy0 [n])."""
    n_tau = TAU_MAX + 2
    span = fr[:, OFFSET:OFFSET + SPAN]
    a = span[:, :WINDOW]
    A = np.fft.rfft(a, n=FFT_SIZE, axis=1)
    B = np.fft.rfft(span, n=FFT_SIZE, axis=1)
    r = np.fft.irfft(np.conj(A) * B, n=FFT_SIZE, axis=1)[:, :n_tau]
    sq = span * span
    cs = np.zeros((fr.shape[0], span.shape[1] + 1), dtype=np.float64)
    np.cumsum(sq, axis=1, out=cs[:, 1:])
    taus = np.arange(n_tau)
    e_tau = cs[:, taus + WINDOW] - cs[:, taus]
    e0 = e_tau[:, 0:1]
    d = e0 + e_tau - 2.0 * r
    d = np.maximum(d, 0.0)
    d[:, 0] = 0.0
    csd = np.cumsum(d[:, 1:], axis=1)
    cm = np.ones_like(d)
    tau_f = taus[1:].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d[:, 1:] * tau_f / csd
    cm[:, 1:] = np.where(csd > 0.0, ratio, 1.0)
    return cm, e0[:, 0]


def _pick(cm: np.ndarray, e0: np.ndarray, sr: int):
    n = cm.shape[0]
    seg = cm[:, TAU_MIN:TAU_MAX + 1]
    below = seg < THRESHOLD
    has = below.any(axis=1)
    first = np.argmax(below, axis=1)  # index into seg
    # stop where the next value does not descend, or at TAU_MAX
    nxt = cm[:, TAU_MIN + 1:TAU_MAX + 2]
    stop = nxt >= seg
    stop[:, -1] = True
    cols = np.arange(seg.shape[1])[None, :]
    stop &= cols >= first[:, None]
    k = np.argmax(stop, axis=1)
    tau = TAU_MIN + k
    rows = np.arange(n)
    ya = cm[rows, tau - 1]
    yb = cm[rows, tau]
    yc = cm[rows, tau + 1]
    den = ya - 2.0 * yb + yc
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(den > 0.0, 0.5 * (ya - yc) / den, 0.0)
    shift = np.clip(shift, -1.0, 1.0)
    voiced = has & (e0 >= SILENCE_RMS * SILENCE_RMS * WINDOW)
    f0 = sr / (tau + shift)
    log_f0 = np.where(voiced, np.log(f0), 0.0)
    return log_f0, voiced


def f0_yin(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """YIN pitch of 16 kHz mono audio, one value per mel frame.

    Returns (log_f0, voiced), both float32 [T] with T = 1 + len(audio) // 256: log_f0 is the
    natural log of F0 in Hz where voiced and 0 where unvoiced; voiced is 1.0 / 0.0.
    """
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    t = 1 + len(x) // HOP
    padded = np.ascontiguousarray(reflect_pad(x, FRAME // 2))
    log_f0 = np.zeros(t, dtype=np.float64)
    voiced = np.zeros(t, dtype=bool)
    s = padded.strides[0]
    for b0 in range(0, t, _BLOCK):
        cnt = min(_BLOCK, t - b0)
        fr = np.lib.stride_tricks.as_strided(padded[b0 * HOP:], shape=(cnt, FRAME),
                                             strides=(HOP * s, s), writeable=False)
        cm, e0 = _cmndf_block(fr)
        lf, vo = _pick(cm, e0, SAMPLE_RATE)
        log_f0[b0:b0 + cnt] = lf
        voiced[b0:b0 + cnt] = vo
    return log_f0.astype(np.float32), voiced.astype(np.float32)
