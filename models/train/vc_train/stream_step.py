"""Stateful ("step") forms of the streaming graphs, so live mode runs each layer only on the frames a block adds.

The streaming content encoder and decoder are stacks of causal convolutions (PadConv1d: k-1-right frames of
history, `right` of lookahead, only the first layer of each graph looks ahead) with per-frame norms. Re-running
them over a window every block recomputes frames that cannot change. A step graph instead takes, per call:

- the new input frames `x` [1, C, n] at absolute times start .. start+n-1 (start >= 0): first the `commit` frames
  that are final, then provisional ones (the newest, still changing frames of a live stream);
- `state` [1, S, k-1]: for each convolution, its last k-1 COMMITTED input frames, stacked over channels;
- `commit`, `start` as float [1] tensors (the engine's tensors are float32; cast inside).

The graph returns the state's CHANGE, not the whole new state: `next_state` [1, S, d] with d = min(commit, k-1)
holds the last d frames of each convolution's new state; the caller shifts its state left by d and appends them.
Live mode commits 2 of 4 frames a block, so this halves the bytes onnxruntime-node allocates for the output every
block (it returns each output in a fresh ArrayBuffer, and that allocation volume is what drives V8's collections
in a live stream). At a stream's start (start < the lookahead, only the first call) inner layers commit fewer
frames than `commit`; the shifted-in frames are then the zero state's, so the rule holds from a zero state.

Each convolution runs valid over [its state, its inputs (+ `right` zero frames at the tail, the whole-clip graphs'
right padding)], so the lookahead layer returns `right` more frames than it got, for the times start-right ..
start+n-1, of which those before time 0 are dropped (`skip`): the first `commit` - skip of the rest depend only on
committed inputs and are final; each new state is the last k-1 committed inputs. A zero state is the whole-clip
graphs' left padding, so feeding a clip block by block from a zero state gives exactly the whole-clip output (a
unit test checks this against PadConv1d), and one call over a whole clip (start 0, every frame committed) is the
whole-clip graph. Per-frame channel norms run as LayerNormalization over the channel axis (one kernel instead of
seven element-wise ops: the graphs are small enough per block that the op count, not the arithmetic, sets the time).
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
        self.state = state
        # frames of each convolution's new state returned (the caller shifts its state by as many)
        self.delta = torch.clamp(commit, max=state.shape[2])
        self.offsets: dict[int, int] = {}
        off = 0
        for c in convs:
            self.offsets[id(c)] = off
            off += c.in_channels
        self.updates: list[torch.Tensor] = []

    def run(self, conv: PadConv1d, x: torch.Tensor, commit: torch.Tensor) -> torch.Tensor:
        """conv over [its state, x, `right` zeros]; records the last `delta` frames of its new state (the new
        state: the last k-1 of its first `commit` inputs after the state)."""
        k1 = conv.kernel_size[0] - 1
        o = self.offsets[id(conv)]
        cat = torch.cat([self.state[:, o:o + conv.in_channels], x], dim=2)
        first = commit + k1 - self.delta
        self.updates.append(torch.index_select(cat, 2, first + torch.arange(self.delta[0], dtype=torch.int64)))
        if conv.right:
            cat = F.pad(cat, (0, conv.right))
        return F.conv1d(cat, conv.weight, conv.bias)

    def new_state(self) -> torch.Tensor:
        return torch.cat(self.updates, dim=1)


def apply_state_delta(state: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """The caller's side of a step: the state shifted left by the delta's frames, the delta appended."""
    d = delta.shape[2]
    return torch.cat([state[:, :, d:], delta], dim=2) if d else state


def _channel_norm(x: torch.Tensor, channels: int) -> torch.Tensor:
    """ChannelNorm (model.py) of a [1, channels, T] tensor as one LayerNormalization over the channel axis."""
    # explicit unit scale and zero bias: torch 1.13's exporter writes LayerNormalization without a scale otherwise
    one, zero = torch.ones(channels), torch.zeros(channels)
    return F.layer_norm(x.transpose(1, 2), (channels,), one, zero, eps=1e-5).transpose(1, 2)


def _skip(start: torch.Tensor, right: int) -> torch.Tensor:
    """How many of the lookahead layer's first outputs lie before time 0 (start < right at a stream's start)."""
    return torch.clamp(right - start.to(torch.int64).view(-1)[:1], 0, right)


def _check_norms(cfg) -> None:
    if cfg.stream != "channel":
        raise ValueError(f"step graphs need per-frame norms (stream='channel'), got {cfg.stream!r}")


def _res_step(b: ResBlock, h: torch.Tensor, st: _StateStack, commit: torch.Tensor) -> torch.Tensor:
    y = st.run(b.conv2, F.gelu(st.run(b.conv1, h, commit)), commit)
    return _channel_norm(h + y, b.conv1.out_channels)


def _adain_step(b: AdaINBlock, h: torch.Tensor, e: torch.Tensor, st: _StateStack, commit: torch.Tensor) -> torch.Tensor:
    y = st.run(b.conv2, F.gelu(st.run(b.conv1, h, commit)), commit)
    g, bias = b.affine(e).unsqueeze(2).chunk(2, dim=1)
    return F.gelu(_channel_norm(h + y, b.conv1.out_channels) * (1 + g) + bias)


def _lookahead(conv: PadConv1d, x: torch.Tensor, st: _StateStack, commit: torch.Tensor, start: torch.Tensor):
    """The first layer of a graph: its outputs from time 0 on, and how many of those are final."""
    y = st.run(conv, x, commit)
    skip = _skip(start, conv.right)
    y = torch.index_select(y, 2, skip + torch.arange(y.shape[2] - skip[0], dtype=torch.int64))
    return y, torch.clamp(commit - skip, min=0)


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
    """Step form of a streaming ContentEncoder: (mel [1,80,n], state, commit, start) -> (content for the times
    max(0, start - right) .. start + n - 1, new state). A 'running' content norm is left to the engine (the
    content before its bottleneck norm, as the whole-clip streaming export); a 'channel' one is per frame and
    applied here."""

    def __init__(self, enc: ContentEncoder) -> None:
        super().__init__()
        _check_norms(enc.cfg)
        self.enc = enc
        self.right = enc.inp.right
        self.running = enc.cfg.content_norm == "running"

    def forward(self, mel: torch.Tensor, state: torch.Tensor, commit: torch.Tensor, start: torch.Tensor):  # type: ignore[override]
        e = self.enc
        c = commit.to(torch.int64).view(-1)[:1]
        st = _StateStack(state, _convs_of(e), c)
        h, c = _lookahead(e.inp, e.mel.norm(mel), st, c, start)
        h = F.gelu(h)
        for b in e.blocks:
            h = _res_step(b, h, st, c)
        z = e.out(h)
        if not self.running:
            z = _channel_norm(z, e.out_dim)
        return z, st.new_state()


class DecoderStep(nn.Module):
    """Step form of a streaming Decoder: (content [1,C,m], embedding [1,D], f0 [1,2,m], state, commit, start) ->
    (raw log-mel for the times max(0, start - right) .. start + m - 1, new state)."""

    def __init__(self, dec: Decoder, cfg) -> None:
        super().__init__()
        _check_norms(cfg)
        self.dec = dec
        self.right = dec.inp.right
        _convs_of(dec)

    def forward(self, content: torch.Tensor, embedding: torch.Tensor, f0: torch.Tensor, state: torch.Tensor,  # type: ignore[override]
                commit: torch.Tensor, start: torch.Tensor):
        d = self.dec
        c = commit.to(torch.int64).view(-1)[:1]
        st = _StateStack(state, _convs_of(d), c)
        h, c = _lookahead(d.inp, torch.cat([content, f0], dim=1), st, c, start)
        for b in d.blocks:
            h = _adain_step(b, h, embedding, st, c)
        y = st.run(d.out, h, c)
        return d.mel.denorm(y), st.new_state()
