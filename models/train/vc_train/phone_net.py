"""A small frame phone classifier on the recogniser's cepstra: a recognition signal for training the vocoder.

Why this file exists: the vocoder's conversion steps compared feature distances (log-mel, content codes, the
recogniser's cepstra); lowering those stopped predicting fewer word errors of converted speech. A classifier that
says which phone a frame is, trained on real and TTS training speakers' recordings (labels from `phone_align`), asks
instead whether the synthesis is heard as the phones of what was said. It reads the cepstra of `asr_front` (the
front end of the word-error meter) on the DESIGN §3 STFT, so it is differentiable through the synthesis, and it is
frozen while the vocoder trains (`vocoder_net --phone-loss`). Held-out speakers are never in its data.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.phone_net --labels /work/phones.pkl --out ckpt/phone_net.pt [--minutes 12]
  (an existing --out is resumed)
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F

from .asr_front import SphinxMfcc
from .features import SAMPLE_RATE
from .vocoder_net import synth_magnitude


class PhoneNet(nn.Module):
    """Cepstra [B, 13, T] (mean removed) -> phone logits [B, n_phones, T]; dilated convolutions, +-31 frames seen."""

    def __init__(self, n_phones: int = 40, ch: int = 192, dilations: tuple[int, ...] = (1, 2, 4, 8, 1)) -> None:
        super().__init__()
        self.inp = nn.Conv1d(13, ch, 5, padding=2)
        self.blocks = nn.ModuleList(nn.Conv1d(ch, ch, 3, padding=d, dilation=d) for d in dilations)
        self.norms = nn.ModuleList(nn.GroupNorm(1, ch) for _ in dilations)
        self.out = nn.Conv1d(ch, n_phones, 1)

    def forward(self, ceps: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.inp(ceps))
        for conv, norm in zip(self.blocks, self.norms):
            h = h + F.gelu(conv(norm(h)))
        return self.out(h)


def load_phone_net(path: str) -> PhoneNet:
    """A trained classifier, frozen, in eval mode."""
    ck = torch.load(path, map_location="cpu")
    net = PhoneNet(n_phones=len(ck["phones"]))
    net.load_state_dict(ck["net"])
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def phone_loss(net: PhoneNet, front: SphinxMfcc, mag: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the synthesis' frames [B, 513, T] against phone labels [B, T] (-1: unlabelled, ignored).
    The cepstral mean is taken over the crop, as the classifier was trained on crops."""
    t = labels.shape[-1]
    return frame_cross_entropy(net(front.mfcc(mag[..., :t])), labels)


def frame_cross_entropy(logits: torch.Tensor, labels: torch.Tensor,
                        weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cross-entropy of phone logits [B, P, T] against labels [B, T], -1 ignored, frames weighted by their label's
    `weight` [P] if given (a weighted mean); a graph-connected zero when no frame is labelled (so a batch without
    transcripts still backpropagates)."""
    if bool((labels >= 0).any()):
        return F.cross_entropy(logits, labels.long(), weight=weight, ignore_index=-1)
    return logits.sum() * 0.0


def warp_frequencies(mag: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Vocal-tract-length perturbation: magnitude [B, F, T] with bin f taken from bin f / alpha[b] (linear
    interpolation; alpha > 1 moves formants up, as a shorter vocal tract). The classifier then meets formant
    positions of voices it never heard, as it will in converted speech."""
    n = mag.shape[1]
    src = (torch.arange(n, dtype=mag.dtype)[None, :] / alpha[:, None]).clamp(0, n - 1)  # [B, F]
    lo = src.floor().long()
    hi = (lo + 1).clamp(max=n - 1)
    w = (src - lo.to(mag.dtype))[..., None]
    pick = lambda idx: torch.gather(mag, 1, idx[..., None].expand(-1, -1, mag.shape[-1]))  # noqa: E731
    return pick(lo) * (1 - w) + pick(hi) * w


def voice_of(path: str) -> str:
    """The speaker a clip belongs to: its folder (corpus voices and real speakers each have one)."""
    return Path(path).parent.name


def clip_features(path: str) -> Optional[torch.Tensor]:
    """Linear magnitude [513, T] of a clip (peak-normalised as the vocoder's training clips), None if unreadable."""
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SAMPLE_RATE or len(x) < SAMPLE_RATE // 2:
        return None
    x = x / max(1e-4, float(np.abs(x).max())) * 0.5
    return synth_magnitude(torch.tensor(x)[None])[0]


def train(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    with open(args.labels, "rb") as f:
        d = pickle.load(f)
    phones, labels = d["phones"], d["labels"]
    front = SphinxMfcc()
    mags, labs, voices = [], [], []
    for path in sorted(labels):
        m = clip_features(path)
        if m is None:
            continue
        t = min(m.shape[-1], len(labels[path]))
        mags.append(m[:, :t])
        labs.append(torch.tensor(labels[path][:t].astype(np.int64)))
        voices.append(voice_of(path))
    # Validation on voices never trained on (every 12th voice), as converted speech is a voice it never heard.
    names = sorted(set(voices))
    held = set(names[::12]) if len(names) > 1 else set()  # one voice: nothing to hold out
    val = np.array([i for i, v in enumerate(voices) if v in held])
    tr = np.array([i for i, v in enumerate(voices) if v not in held])
    n_val = len(val)
    print(f"{len(mags)} clips of {len(names)} voices, {sum(len(x) for x in labs)} frames; "
          f"{n_val} clips of {len(held)} voices for validation", flush=True)
    net = PhoneNet(n_phones=len(phones))
    step = 0
    if Path(args.out).exists():  # resume (the optimizer starts afresh)
        ck = torch.load(args.out, map_location="cpu")
        net.load_state_dict(ck["net"])
        step = int(ck["step"])
        print(f"resumed at step {step} (accuracy {ck['valAccuracy']:.3f})", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    deadline = time.time() + args.minutes * 60

    def batch(ids: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        ms, ls = [], []
        for i in ids:
            m, lab = mags[i], labs[i]
            t0 = int(rng.integers(0, max(1, m.shape[-1] - args.frames)))
            m, lab = m[:, t0:t0 + args.frames], lab[t0:t0 + args.frames]
            pad = args.frames - m.shape[-1]
            ms.append(F.pad(m, (0, pad)))
            ls.append(F.pad(lab, (0, pad), value=-1))
        alpha = torch.tensor(np.exp(rng.uniform(np.log(args.warp_min), np.log(args.warp_max), len(ids))), dtype=torch.float32)
        return front.mfcc(warp_frequencies(torch.stack(ms), alpha)), torch.stack(ls)

    def accuracy() -> float:
        if n_val == 0:
            return float("nan")
        net.eval()
        hit = n = 0
        with torch.no_grad():
            for i in val:
                pred = net(front.mfcc(mags[i][None])).argmax(1)[0]
                hit += int((pred == labs[i]).sum())
                n += len(labs[i])
        net.train()
        return hit / max(1, n)

    while time.time() < deadline:
        x, y = batch(rng.choice(tr, args.batch))
        loss = F.cross_entropy(net(x), y, ignore_index=-1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step} loss {loss.item():.3f} ({time.time() - deadline + args.minutes * 60:.0f} s)", flush=True)
    acc = accuracy()
    print(f"done at step {step}: frame accuracy on {n_val} clips of voices not trained on {acc:.3f}", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"net": net.state_dict(), "phones": phones, "step": step, "valAccuracy": acc}, args.out)
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="vc_train.phone_net")
    p.add_argument("--labels", required=True, help="phone_align's pickle")
    p.add_argument("--out", default="ckpt/phone_net.pt")
    p.add_argument("--minutes", type=float, default=12.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--frames", type=int, default=96, help="crop length (as the vocoder's training crops)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warp-min", type=float, default=0.8, help="vocal-tract-length perturbation: smallest frequency scale")
    p.add_argument("--warp-max", type=float, default=1.25, help="largest frequency scale (female targets sit higher)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1234)
    return train(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
