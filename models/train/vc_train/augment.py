"""Information perturbation and augmentation in the log-mel domain (cheap on CPU).

- frequency warp by a factor alpha (resampling-style pitch+formant shift): band k at centre
  frequency f_k takes the value the input had at f_k / alpha (linear interpolation over bands);
- random smooth EQ curves (sum of a few cosines over the band index, in nepers);
- additive coloured noise at a random SNR, and gain.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .features import F_MAX, F_MIN, N_MELS, hz_to_mel, mel_to_hz

LOG_FLOOR = math.log(1e-5)

_mel_pts = np.linspace(float(hz_to_mel(F_MIN)), float(hz_to_mel(F_MAX)), N_MELS + 2)
_CENTRES_HZ = torch.tensor(mel_to_hz(_mel_pts[1:-1]), dtype=torch.float64)
_M0 = float(_mel_pts[0])
_DM = float(_mel_pts[1] - _mel_pts[0])


def _hz_to_mel_t(f: torch.Tensor) -> torch.Tensor:
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    return torch.where(f >= min_log_hz, min_log_mel + torch.log(torch.clamp(f, min=1e-6) / min_log_hz) / logstep, f / f_sp)


def warp(mel: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """mel [B, 80, T] (log), alpha [B] -> warped log-mel (alpha > 1 moves spectra up)."""
    b, n, t = mel.shape
    src_hz = _CENTRES_HZ.unsqueeze(0) / alpha.double().unsqueeze(1)  # [B, 80]
    pos = (_hz_to_mel_t(src_hz) - _M0) / _DM - 1.0
    pos = pos.clamp(0.0, n - 1.0)
    i0 = pos.floor().long().clamp(0, n - 1)
    i1 = (i0 + 1).clamp(max=n - 1)
    w = (pos - i0.double()).float().unsqueeze(2)
    g0 = torch.gather(mel, 1, i0.unsqueeze(2).expand(b, n, t))
    g1 = torch.gather(mel, 1, i1.unsqueeze(2).expand(b, n, t))
    return g0 * (1 - w) + g1 * w


def random_eq(b: int, gen: torch.Generator, max_amp: float = 0.35, n_cos: int = 4) -> torch.Tensor:
    """[B, 80, 1] smooth random EQ curves in nepers."""
    k = torch.arange(N_MELS, dtype=torch.float32).view(1, 1, N_MELS)
    j = torch.arange(1, n_cos + 1, dtype=torch.float32).view(1, n_cos, 1)
    a = (torch.rand(b, n_cos, 1, generator=gen) * 2 - 1) * max_amp / j.sqrt()
    ph = torch.rand(b, n_cos, 1, generator=gen) * 2 * math.pi
    return (a * torch.cos(math.pi * j * k / N_MELS + ph)).sum(1).unsqueeze(2)


def add_noise(mel: torch.Tensor, gen: torch.Generator, snr_db_range: tuple[float, float] = (5.0, 40.0)) -> torch.Tensor:
    """Add coloured stationary-ish noise at a random SNR (relative to the utterance's mean mel energy)."""
    b, n, t = mel.shape
    lin = torch.exp(mel)
    sig = lin.mean(dim=(1, 2), keepdim=True)
    snr = snr_db_range[0] + torch.rand(b, 1, 1, generator=gen) * (snr_db_range[1] - snr_db_range[0])
    shape = torch.exp(random_eq(b, gen, max_amp=1.5) - 1.0 * torch.rand(b, 1, 1, generator=gen) *
                      torch.linspace(0, 1, n).view(1, n, 1))  # random tilt towards pink
    shape = shape / shape.mean(dim=1, keepdim=True)
    noise = shape * sig * 10 ** (-snr / 10) * (0.5 + torch.rand(b, n, t, generator=gen))
    return torch.log(torch.clamp(lin + noise, min=1e-5))


def perturb_content_input(mel: torch.Tensor, gen: torch.Generator, p_noise: float = 0.5) -> torch.Tensor:
    """NANSY-style perturbation of the content encoder's input: warp, EQ, noise, gain."""
    b = mel.shape[0]
    alpha = torch.exp((torch.rand(b, generator=gen) * 2 - 1) * math.log(1.25))
    x = warp(mel, alpha)
    x = x + random_eq(b, gen)
    gain = torch.rand(b, 1, 1, generator=gen) * 2.0 - 1.5
    x = torch.clamp(x + gain, min=LOG_FLOOR)
    use = (torch.rand(b, 1, 1, generator=gen) < p_noise).float()
    x = use * add_noise(x, gen) + (1 - use) * x
    return x
