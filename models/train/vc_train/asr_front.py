"""What the word-error meter hears: pocketsphinx's MFCC front end, differentiable, on the DESIGN section 3 STFT.

Why this file exists: the neural vocoder wins every resynthesis metric but loses words of converted speech to
Griffin-Lim; its conversion-step losses (log-mel L1, content codes) compare 80 log bands, while the recogniser the
evaluation uses sees 13 cepstra of 40 power bands (133-6855 Hz, pre-emphasis 0.97, cepstral mean normalisation).
Those weigh the spectrum differently: the log of summed power follows the peaks, so the harmonic ripple a
source-filter synthesis puts between the formants (which a Griffin-Lim magnitude smeared from the mel lacks) shows up
in the low cepstra, and the per-utterance mean (the channel) does not count. `mfcc` computes those cepstra from a
linear magnitude spectrogram; `mel_mfcc` from a requested log-mel through the mel pseudo-inverse (the spectrum an
ideal vocoder of that mel would produce); `distance` compares them (a training loss and a diagnostic).
Constants: pocketsphinx's compiled-in defaults (-lowerf 133.33334 -upperf 6855.4976 -nfilt 40 -ncep 13 -alpha 0.97
-cmn). The decoder itself reads the en-us model's feat.params instead (25 filters 130-6800 Hz, lifter 22; found in
round 15): `sphinx_am` reproduces that front end exactly on the waveform. These constants are kept because the
shipped vocoder networks were trained with this loss and the word-error probe's `mfcc` column is comparable across
rounds only with them.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .features import N_FFT, SAMPLE_RATE, mel_filterbank

LOWER_HZ, UPPER_HZ, N_FILTERS, N_CEPS, PRE_EMPHASIS = 133.33334, 6855.4976, 40, 13, 0.97
FLOOR = 1e-8


def sphinx_filterbank(n_fft: int = N_FFT, sr: int = SAMPLE_RATE) -> np.ndarray:
    """[40, 1 + n_fft // 2] triangular filters on the HTK mel scale, unit peak, pre-emphasis |1 - a e^-jw|^2 folded in
    (so the filters take power)."""
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    imel = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    edges = imel(np.linspace(mel(LOWER_HZ), mel(UPPER_HZ), N_FILTERS + 2))
    f = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    w = np.zeros((N_FILTERS, len(f)))
    for i in range(N_FILTERS):
        lo, c, hi = edges[i], edges[i + 1], edges[i + 2]
        w[i] = np.clip(np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)), 0.0, None)
    emph = np.abs(1.0 - PRE_EMPHASIS * np.exp(-1j * 2.0 * np.pi * f / sr)) ** 2
    return (w * emph[None, :]).astype(np.float32)


def dct_matrix(n_in: int = N_FILTERS, n_out: int = N_CEPS) -> np.ndarray:
    """[n_out, n_in] orthonormal DCT-II rows 0..n_out-1."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    d = np.cos(math.pi * k * (n + 0.5) / n_in) * math.sqrt(2.0 / n_in)
    d[0] /= math.sqrt(2.0)
    return d.astype(np.float32)


class SphinxMfcc:
    """The front end as fixed matrices (built once)."""

    def __init__(self) -> None:
        self.fb = torch.tensor(sphinx_filterbank())  # [40, 513]
        self.dct = torch.tensor(dct_matrix())  # [13, 40]
        self.pinv = torch.tensor(np.linalg.pinv(mel_filterbank().astype(np.float64)).astype(np.float32))  # [513, 80]

    def mfcc(self, mag: torch.Tensor) -> torch.Tensor:
        """Linear magnitude [B, 513, T] -> cepstra [B, 13, T], mean over T removed (CMN)."""
        power = torch.einsum("kf,bft->bkt", self.fb, mag ** 2).clamp_min(FLOOR)
        c = torch.einsum("ck,bkt->bct", self.dct, torch.log(power))
        return c - c.mean(dim=-1, keepdim=True)

    def mel_mfcc(self, log_mel: torch.Tensor) -> torch.Tensor:
        """Requested log-mel [B, 80, T] -> the cepstra of its non-negative pseudo-inverse magnitude [B, 13, T]."""
        return self.mfcc(torch.einsum("fb,nbt->nft", self.pinv, torch.exp(log_mel)).clamp_min(0.0))

    def distance(self, mag: torch.Tensor, log_mel: torch.Tensor) -> torch.Tensor:
        """Mean |cepstral difference| between a synthesis' magnitude [B, 513, T] and the log-mel it was asked for
        [B, 80, T] (frames beyond the mel's are dropped)."""
        t = log_mel.shape[-1]
        return (self.mfcc(mag[..., :t]) - self.mel_mfcc(log_mel)).abs().mean()
