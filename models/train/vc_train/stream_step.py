"""Stateful ("step") forms of the streaming graphs, so live mode runs each layer only on the frames a block adds.

The streaming content encoder and decoder are stacks of causal convolutions (PadConv1d: k-1-right frames of
history, `right` of lookahead, only the first layer of each graph looks ahead) with per-frame norms. Re-running
them over a window every block recomputes frames that cannot change. A step graph instead takes, per call:

- the new input frames `x` [1, C, n] at absolute times start .. start+n-1: first the `commit` frames that are
  final, then provisional ones (the newest, still changing frames of a live stream);
- `state` [1, S, k-1]: for each convolution, its last k-1 COMMITTED input frames, stacked over channels;
- `commit`, `start` as float [1] tensors (the engine's tensors are float32; cast inside).

Each convolution runs valid over [its state, its inputs (+ `right` zero frames at the tail, the whole-clip
graphs' right padding)], so a lookahead layer returns `right` more frames than it got, for the times
start-right .. start+n-1: the first `commit` of them depend only on committed inputs and are final; the new state
is the last k-1 committed inputs. Inputs at negative times are zeroed, which is the whole-clip graphs' left
padding, so feeding a clip block by block from a zero state gives exactly the whole-clip output (a unit test
checks this against PadConv1d). The state stays the layers' own, so a stream differs from the whole-clip
conversion only where its provisional frames did.
"""
from __future__ import annotations

from typing import Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import AdaINBlock, ContentEncoder, Decoder, PadConv1d, ResBlock


def _convs_of(module: nn.Module) -> list[PadConv1d]:
    convs = [m for m in module.modules() if isinstance(m, PadConv1d)]
    if not convs:
        raise ValueError("not a streaming graph: no PadConv1d layers")
    return convs


class _StateStack:
    """Splits the packed state into per-convolution slices and collects their updates, in layer order."""

    def __init__(self, state: torch.Tensor, convs: Iterable[PadConv1d], commit: torch.Tensor) -> None:
        self.state, self.commit = state, commit
        self.offsets: dict[int, int] = {}
        off = 0
        for c in convs:
            self.offsets[id(c)] = off
            off += c.in_channels
        self.channels = off
        self.updates: list[torch.Tensor] = []

    def run(self, conv: PadConv1d, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """conv over [its state, x zeroed where `valid` is 0, `right` zeros]; records its new state."""
        k1 = conv.kernel_size[0] - 1
        o = self.offsets[id(conv)]
        prev = self.state[:, o:o + conv.in_channels]
        cat = torch.cat([prev, x * valid], dim=2)
        idx = self.commit + torch.arange(k1, dtype=torch.int64)
        self.updates.append(torch.index_select(cat, 2, idx))
        if conv.right:
            cat = F.pad(cat, (0, conv.right))
        return F.conv1d(cat, conv.weight, conv.bias)

    def new_state(self) -> torch.Tensor:
        return torch.cat(self.updates, dim=1)


def _valid(start: torch.Tensor, n, shift: int) -> torch.Tensor:
    """[1, 1, n] mask of n frames beginning at time start - shift: 1 where the time is >= 0 (before the stream
    began the whole-clip graphs see zero padding)."""
    times = start.to(torch.int64).view(-1)[:1] - shift + torch.arange(n, dtype=torch.int64)
    return (times >= 0).to(torch.float32).view(1, 1, -1)


def _check_norms(cfg) -> None:
    if cfg.stream != "channel":
        raise ValueError(f"step graphs need per-frame norms (stream='channel'), got {cfg.stream!r}")


def _res_step(b: ResBlock, h: torch.Tensor, st: _StateStack, t: torch.Tensor) -> torch.Tensor:
    y = F.gelu(st.run(b.conv1, h, t))
    y = st.run(b.conv2, y, t)
    return b.norm(h + y)


def _adain_step(b: AdaINBlock, h: torch.Tensor, e: torch.Tensor, st: _StateStack, t: torch.Tensor) -> torch.Tensor:
    y = st.run(b.conv2, F.gelu(st.run(b.conv1, h, t)), t)
    g, bias = b.affine(e).unsqueeze(2).chunk(2, dim=1)
    return F.gelu(b.norm(h + y) * (1 + g) + bias)


def state_channels(module: nn.Module) -> int:
    """Channels of a step graph's packed state (the sum of its convolutions' input channels)."""
    return sum(c.in_channels for c in _convs_of(module))


def state_frames(module: nn.Module) -> int:
    """Frames of a step graph's state (k-1 of its convolutions, which share one kernel size)."""
    ks = {c.kernel_size[0] for c in _convs_of(module)}
    if len(ks) != 1:
        raise ValueError(f"step graphs need one kernel size, got {sorted(ks)}")
    return ks.pop() - 1


class ContentEncoderStep(nn.Module):
    """Step form of a streaming ContentEncoder: (mel [1,80,n], state, commit, start) -> (content [1,C,n+right],
    new state). A 'running' content norm is left to the engine (the content before its bottleneck norm, as the
    whole-clip streaming export); a 'channel' one is per frame and applied here."""

    def __init__(self, enc: ContentEncoder) -> None:
        super().__init__()
        _check_norms(enc.cfg)
        self.enc = enc
        self.right = enc.inp.right
        self.running = enc.cfg.content_norm == "running"

    def forward(self, mel: torch.Tensor, state: torch.Tensor, commit: torch.Tensor, start: torch.Tensor):  # type: ignore[override]
        e = self.enc
        st = _StateStack(state, _convs_of(e), commit.to(torch.int64).view(-1)[:1])
        n = mel.shape[2]
        h = F.gelu(st.run(e.inp, e.mel.norm(mel), _valid(start, n, 0)))
        t = _valid(start, n + self.right, self.right)
        for b in e.blocks:
            h = _res_step(b, h, st, t)
        z = e.out(h)
        if not self.running:
            z = e.bottleneck_norm(z)
        return z, st.new_state()


class DecoderStep(nn.Module):
    """Step form of a streaming Decoder: (content [1,C,m], embedding [1,D], f0 [1,2,m], state, commit, start) ->
    (raw log-mel [1,80,m+right], new state)."""

    def __init__(self, dec: Decoder, cfg) -> None:
        super().__init__()
        _check_norms(cfg)
        self.dec = dec
        self.right = dec.inp.right if isinstance(dec.inp, PadConv1d) else 0
        _convs_of(dec)

    def forward(self, content: torch.Tensor, embedding: torch.Tensor, f0: torch.Tensor, state: torch.Tensor,  # type: ignore[override]
                commit: torch.Tensor, start: torch.Tensor):
        d = self.dec
        st = _StateStack(state, _convs_of(d), commit.to(torch.int64).view(-1)[:1])
        m = content.shape[2]
        h = st.run(d.inp, torch.cat([content, f0], dim=1), _valid(start, m, 0))
        t = _valid(start, m + self.right, self.right)
        for b in d.blocks:
            h = _adain_step(b, h, embedding, st, t)
        y = st.run(d.out, h, t)
        return d.mel.denorm(y), st.new_state()
