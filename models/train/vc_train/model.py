"""The disentangling autoencoder (DESIGN §1, §4, §6): content encoder, speaker encoder, decoder.

All three modules take/return RAW log-mel (DESIGN §3); the per-band normalization (melStats) is a
buffer inside each module so that it is baked into the exported ONNX graphs.
Every layer keeps the time resolution (stride 1, 'same' padding): content [B, C, T] has the mel's T.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

N_MELS = 80
F0_CENTER = 5.0106352940962555  # ln(150 Hz)
F0_SCALE = 0.5


@dataclass
class ModelConfig:
    channels: int = 192  # hidden width of all three networks
    content_dim: int = 16  # C, the content bottleneck
    emb_dim: int = 128  # D, speaker embedding size
    enc_blocks: int = 4
    spk_blocks: int = 3
    dec_blocks: int = 5
    kernel: int = 5
    # discrete variant: product quantization (several codebooks) after a wider projection
    vq: bool = False
    vq_groups: int = 4
    vq_codes: int = 64
    vq_dim: int = 8  # per group, so the VQ content is vq_groups * vq_dim channels
    # streaming variant (live mode, issue 16): '' = offline graphs (centred convolutions, instance norm over the whole
    # utterance). 'channel' = causal graphs normalizing each frame over its channels (no statistics over time, so
    # no context is needed for them); 'window' = causal graphs normalizing over the last `norm_window` frames.
    # Every convolution looks back, except the first of the content encoder and of the decoder, which look
    # `enc_lookahead` / `dec_lookahead` frames ahead (total lookahead = their sum).
    stream: str = ""
    # the content bottleneck of the streaming graphs: 'channel' (per frame, like every other streaming norm) or
    # 'running' (instance norm over time in training; the exported encoder stops before it and the engine
    # normalizes each content channel by the stream's running mean/std, as offline instance norm does per
    # utterance: the per-channel offsets that carry the source speaker are removed without any lookahead)
    content_norm: str = "channel"
    norm_window: int = 32
    enc_lookahead: int = 2
    dec_lookahead: int = 1

    @property
    def streaming(self) -> bool:
        return self.stream != ""

    @property
    def lookahead(self) -> int:
        """Frames of future input the graphs read (0 for the offline graphs, which read the whole utterance)."""
        return self.enc_lookahead + self.dec_lookahead if self.streaming else 0

    def to_dict(self) -> dict:
        return asdict(self)


class MelNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(1, N_MELS, 1))
        self.register_buffer("std", torch.ones(1, N_MELS, 1))

    def set(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.mean.copy_(mean.view(1, N_MELS, 1))
        self.std.copy_(std.view(1, N_MELS, 1))

    def norm(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def denorm(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


class PadConv1d(nn.Conv1d):
    """A Conv1d with `right` frames of lookahead and k-1-right of history (zero padded): the streaming graphs'
    convolution. Same parameters (and state_dict keys) as the centred Conv1d it replaces."""

    def __init__(self, cin: int, cout: int, k: int, right: int) -> None:
        super().__init__(cin, cout, k, padding=0)
        self.left, self.right = k - 1 - right, right

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(F.pad(x, (self.left, self.right)))


class WindowNorm(nn.Module):
    """Running normalization: each frame is normalized by the mean and variance of the last `window` frames
    (fewer at the start), so a frame never depends on the future or on input more than `window` frames old at
    this layer. Replaces InstanceNorm1d (whole-utterance statistics) in the streaming graphs."""

    def __init__(self, window: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.window, self.eps = window, eps

    def _mean(self, x: torch.Tensor) -> torch.Tensor:
        # a left-padded box filter; the padded zeros are divided out by the true count below
        return F.avg_pool1d(F.pad(x, (self.window - 1, 0)), self.window, stride=1) * self.window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        count = self._mean(torch.ones_like(x[:, :1]))
        mu = self._mean(x) / count
        var = torch.clamp(self._mean(x * x) / count - mu * mu, min=0.0)
        return (x - mu) / torch.sqrt(var + self.eps)


def make_conv(cfg: "ModelConfig", cin: int, cout: int, k: int, right: int = 0) -> nn.Conv1d:
    """A centred convolution for the offline graphs, a look-back one (`right` frames ahead) for streaming."""
    return PadConv1d(cin, cout, k, right) if cfg.streaming else nn.Conv1d(cin, cout, k, padding=k // 2)


class ChannelNorm(nn.Module):
    """Per-frame normalization over channels (no statistics over time): the streaming graphs' default norm."""

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu = x.mean(dim=1, keepdim=True)
        var = ((x - mu) ** 2).mean(dim=1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps)


def make_norm(cfg: "ModelConfig", ch: int) -> nn.Module:
    """Whole-utterance instance norm offline; per-frame channel norm or a running window norm for streaming."""
    if cfg.stream == "channel":
        return ChannelNorm()
    if cfg.stream == "window":
        return WindowNorm(cfg.norm_window)
    if cfg.stream:
        raise ValueError(f"unknown streaming norm {cfg.stream!r}")
    return nn.InstanceNorm1d(ch, affine=False)


class ResBlock(nn.Module):
    def __init__(self, ch: int, k: int, inorm: bool, cfg: Optional["ModelConfig"] = None) -> None:
        super().__init__()
        cfg = cfg or ModelConfig()
        self.conv1 = make_conv(cfg, ch, ch, k)
        self.conv2 = make_conv(cfg, ch, ch, k)
        self.norm = make_norm(cfg, ch) if inorm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.conv1(x))
        h = self.conv2(h)
        return self.norm(x + h)


class ContentEncoder(nn.Module):
    """log-mel -> speaker-free content [B, C, T] through an instance-normalized bottleneck."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        ch, k = cfg.channels, cfg.kernel
        self.mel = MelNorm()
        self.inp = make_conv(cfg, N_MELS, ch, k, cfg.enc_lookahead)
        self.blocks = nn.ModuleList([ResBlock(ch, k, inorm=True, cfg=cfg) for _ in range(cfg.enc_blocks)])
        if cfg.vq:
            self.out = nn.Conv1d(ch, cfg.vq_groups * cfg.vq_dim, 1)
            self.codebook = nn.Parameter(torch.randn(cfg.vq_groups, cfg.vq_codes, cfg.vq_dim) * 0.5)
        else:
            self.out = nn.Conv1d(ch, cfg.content_dim, 1)
        cdim = cfg.vq_groups * cfg.vq_dim if cfg.vq else cfg.content_dim
        running = cfg.streaming and cfg.content_norm == "running"
        self.bottleneck_norm = nn.InstanceNorm1d(cdim, affine=False) if running else make_norm(cfg, cdim)

    @property
    def out_dim(self) -> int:
        return self.cfg.vq_groups * self.cfg.vq_dim if self.cfg.vq else self.cfg.content_dim

    def pre(self, mel: torch.Tensor, normalized: bool = False) -> torch.Tensor:
        return self.bottleneck_norm(self.raw(mel, normalized))

    def raw(self, mel: torch.Tensor, normalized: bool = False) -> torch.Tensor:
        """The content before the bottleneck norm (what a 'running' streaming encoder exports)."""
        x = mel if normalized else self.mel.norm(mel)
        h = F.gelu(self.inp(x))
        for b in self.blocks:
            h = b(h)
        return self.out(h)

    def quantize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """z [B, G*d, T] -> (quantized [B, G*d, T], per-group indices [B, G, T], vq loss)."""
        cfg = self.cfg
        b, _, t = z.shape
        zg = z.view(b, cfg.vq_groups, cfg.vq_dim, t).permute(1, 0, 3, 2).reshape(cfg.vq_groups, b * t, cfg.vq_dim)
        cb = self.codebook  # [G, K, d]
        d2 = (zg * zg).sum(-1, keepdim=True) - 2 * torch.bmm(zg, cb.transpose(1, 2)) + (cb * cb).sum(-1).unsqueeze(1)
        idx = d2.argmin(-1)  # [G, B*T]
        q = torch.gather(cb, 1, idx.unsqueeze(-1).expand(-1, -1, cfg.vq_dim))  # [G, B*T, d]
        loss = F.mse_loss(q, zg.detach()) + 0.25 * F.mse_loss(zg, q.detach())
        q_st = zg + (q - zg).detach()
        out = q_st.view(cfg.vq_groups, b, t, cfg.vq_dim).permute(1, 0, 3, 2).reshape(b, cfg.vq_groups * cfg.vq_dim, t)
        return out, idx.view(cfg.vq_groups, b, t).permute(1, 0, 2), loss

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.pre(mel)


class ContentEncoderExport(nn.Module):
    """Wrapper for ONNX: continuous -> content; VQ -> (content, codes) with codes = sum_g idx_g * K^g."""

    def __init__(self, enc: ContentEncoder) -> None:
        super().__init__()
        self.enc = enc

    def forward(self, mel: torch.Tensor):  # type: ignore[override]
        z = self.enc.pre(mel)
        if not self.enc.cfg.vq:
            return z
        q, idx, _ = self.enc.quantize(z)
        k = self.enc.cfg.vq_codes
        mult = torch.tensor([k ** g for g in range(self.enc.cfg.vq_groups)], dtype=torch.int64).view(1, -1, 1)
        codes = (idx.to(torch.int64) * mult).sum(1)
        return q, codes


class SpeakerEncoder(nn.Module):
    """log-mel -> L2-normalized speaker embedding [B, D] (mean+std pooling over time)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        ch, k = cfg.channels, cfg.kernel
        self.mel = MelNorm()
        self.inp = nn.Conv1d(N_MELS, ch, k, padding=k // 2)
        self.blocks = nn.ModuleList([ResBlock(ch, k, inorm=False) for _ in range(cfg.spk_blocks)])
        self.proj = nn.Linear(2 * ch, ch)
        self.out = nn.Linear(ch, cfg.emb_dim)

    def forward(self, mel: torch.Tensor, normalized: bool = False) -> torch.Tensor:
        x = mel if normalized else self.mel.norm(mel)
        h = F.gelu(self.inp(x))
        for b in self.blocks:
            h = b(h)
        mu = h.mean(dim=2)
        sd = torch.sqrt(((h - mu.unsqueeze(2)) ** 2).mean(dim=2) + 1e-5)
        e = self.out(F.gelu(self.proj(torch.cat([mu, sd], dim=1))))
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)


class AdaINBlock(nn.Module):
    def __init__(self, ch: int, k: int, emb: int, cfg: Optional["ModelConfig"] = None) -> None:
        super().__init__()
        cfg = cfg or ModelConfig()
        self.conv1 = make_conv(cfg, ch, ch, k)
        self.conv2 = make_conv(cfg, ch, ch, k)
        self.norm = make_norm(cfg, ch)
        self.affine = nn.Linear(emb, 2 * ch)

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.gelu(self.conv1(x)))
        g, b = self.affine(e).unsqueeze(2).chunk(2, dim=1)
        return F.gelu(self.norm(x + h) * (1 + g) + b)


class Decoder(nn.Module):
    """content [B,C,T] + embedding [B,D] + f0 [B,2,T] -> RAW log-mel [B,80,T]."""

    def __init__(self, cfg: ModelConfig, content_dim: Optional[int] = None) -> None:
        super().__init__()
        ch, k = cfg.channels, cfg.kernel
        cdim = content_dim if content_dim is not None else cfg.content_dim
        self.mel = MelNorm()
        self.inp = make_conv(cfg, cdim + 2, ch, k, cfg.dec_lookahead)
        self.blocks = nn.ModuleList([AdaINBlock(ch, k, cfg.emb_dim, cfg) for _ in range(cfg.dec_blocks)])
        self.out = make_conv(cfg, ch, N_MELS, k)

    def forward(self, content: torch.Tensor, embedding: torch.Tensor, f0: torch.Tensor,
                normalized_out: bool = False) -> torch.Tensor:
        h = self.inp(torch.cat([content, f0], dim=1))
        for b in self.blocks:
            h = b(h, embedding)
        y = self.out(h)
        return y if normalized_out else self.mel.denorm(y)


class VCModel(nn.Module):
    def __init__(self, cfg: ModelConfig, n_speakers: int) -> None:
        super().__init__()
        self.cfg = cfg
        self.content = ContentEncoder(cfg)
        self.speaker = SpeakerEncoder(cfg)
        self.decoder = Decoder(cfg, self.content.out_dim)
        # cosine classifier over training voices (AM-softmax): the speaker loss
        self.spk_w = nn.Parameter(torch.randn(max(1, n_speakers), cfg.emb_dim) * 0.1)

    def set_mel_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        for m in (self.content.mel, self.speaker.mel, self.decoder.mel):
            m.set(mean, std)


def f0_input(log_f0: torch.Tensor, voiced: torch.Tensor) -> torch.Tensor:
    """[B,T] natural-log F0 (0 unvoiced) + voiced flag -> decoder input [B,2,T]."""
    ch0 = torch.where(voiced > 0.5, (log_f0 - F0_CENTER) / F0_SCALE, torch.zeros_like(log_f0))
    return torch.stack([ch0, (voiced > 0.5).float()], dim=1)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
