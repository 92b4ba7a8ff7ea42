"""Speaker adversary on the content code (gradient reversal).

The streaming content encoder normalizes each frame across channels instead of each channel over the
whole utterance, so a per-speaker channel offset survives into the content code and the decoder copies
the source voice (39 % "still source" on the real held-out set against 14 % offline). A classifier
that tries to name the training speaker from the content code, trained through a gradient-reversal
layer, pushes the encoder to drop what the classifier can use (Ganin & Lempitsky 2015; the
speaker-adversarial content losses of ACVC/NANSY-style converters).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:  # type: ignore[override]
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        return -ctx.scale * grad, None


def grad_reverse(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Identity forward; multiplies the gradient by -scale on the way back."""
    return _Reverse.apply(x, scale)


class SpeakerAdversary(nn.Module):
    """Frame-level convolutional speaker classifier, logits averaged over time.

    Local (5-frame) receptive field on purpose: a streaming encoder only sees a few frames, so what
    it leaks is what a short window reveals."""

    def __init__(self, content_dim: int, n_speakers: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(content_dim, hidden, 5, padding=2), nn.LeakyReLU(0.2),
            nn.Conv1d(hidden, hidden, 1), nn.LeakyReLU(0.2),
            nn.Conv1d(hidden, n_speakers, 1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """[B, C, T] content -> [B, n_speakers] logits."""
        return self.net(z).mean(dim=2)

    def loss(self, z: torch.Tensor, label: torch.Tensor, mask: torch.Tensor,
             scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """Cross-entropy of the classifier on reversed-gradient content, over items where mask is 1
        (pseudo-speakers made by warping have no label); returns (loss, accuracy)."""
        logits = self(grad_reverse(z, scale))
        ce = F.cross_entropy(logits, label, reduction="none")
        acc = (logits.argmax(1) == label).float()
        denom = mask.sum().clamp(min=1.0)
        return (ce * mask).sum() / denom, (acc * mask).sum() / denom
