"""The neural vocoder's network: per-mel-band aperiodicity from log-mel and F0, trained through the source-filter.

Why this file exists: the harmonic-plus-noise synthesis (source_filter.py) needs to know, per frame and band, how
much of the energy is periodic. A fixed profile already beats Griffin-Lim on resynthesis; this small convolutional
network (about 0.1 M parameters) learns it from real speech, end to end: its output drives a differentiable PyTorch
copy of the synthesis (excitations, mixing, band shaping, consistency passes through torch.stft/istft) and the loss
is a multi-resolution STFT distance to the original recording. A second stage feeds it the converter's own decoder
output (reconstructed mels) in place of clean mels, with the original audio as the target, so it handles what the
converter produces; `--convert-every N` makes every Nth step a conversion (another clip's voice), scored against the
requested mel and its content codes (`conversion_loss`), since no recording of a conversion exists. With `--envelope`
the network has a third output: a bounded log-gain per band and frame added to the log-mel the synthesis shapes to (a
learned correction of the envelope; `AperiodicityNet.controls`), started at zero from a checkpoint without one.

Usage (from models/train; resumable, checkpoints every --ckpt-every steps):
  /usr/bin/python3 -m vc_train.vocoder_net train --corpus /work/corpus --out ckpt/vocoder --minutes 40
  /usr/bin/python3 -m vc_train.vocoder_net train --corpus /work/corpus --out ckpt/vocoder --minutes 20 \
      --decoder-ckpt ckpt/real/last.pt --decoder-share 0.5          (stage 2, resumes from ckpt/vocoder/last.pt)
  (later stages: ckpt/vocoder<N>/run.sh; the shipped one is ckpt/vocoder9/step26078.pt, models/MODEL_CARD.md "Round 10")
  /usr/bin/python3 -m vc_train.vocoder_net export --ckpt ckpt/vocoder/last.pt --models ..
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import pickle
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import source_filter as sfv
from .asr_front import SphinxMfcc
from .features import HOP, LOG_FLOOR, N_FFT, SAMPLE_RATE, log_mel, mel_filterbank
from .f0 import f0_yin
from .intelligibility import third_octave_matrix
from .model import F0_CENTER, F0_SCALE

if TYPE_CHECKING:  # phone_net reads this module's STFT; it is imported where used
    from .phone_net import PhoneNet
    from .sphinx_am import SphinxAM

MEL_MEAN = -5.0  # fixed input normalization (inside the graph, so ONNX takes raw log-mel)
MEL_STD = 2.5
ENVELOPE_RANGE = 1.0  # nats (about 8.7 dB) either way: the envelope output is a correction, not a new envelope
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))


class AperiodicityNet(nn.Module):
    """log-mel [B, 80, T] + f0 input [B, 2, T] (normalized log-F0, voiced flag) -> aperiodicity and detail, each
    [B, 80, T] in (0, 1) (source_filter.synthesize), and with `envelope` a third output: a log-gain per band and frame
    in (-ENVELOPE_RANGE, ENVELOPE_RANGE) added to the log-mel the synthesis shapes to (a learned correction of the
    envelope, e.g. of the decoder's over-smoothed one; zero at initialisation)."""

    def __init__(self, ch: int = 64, kernel: int = 5, dilations: tuple[int, ...] = (1, 2, 4),
                 envelope: bool = False) -> None:
        super().__init__()
        self.envelope = envelope
        self.inp = nn.Conv1d(82, ch, kernel, padding=kernel // 2)
        self.blocks = nn.ModuleList(
            nn.Conv1d(ch, ch, kernel, padding=d * (kernel // 2), dilation=d) for d in dilations)
        self.out = nn.Conv1d(ch, 240 if envelope else 160, 1)
        # start near the fixed profile (low bands periodic, high bands noisier) and the default detail
        prof = torch.tensor(sfv.default_aperiodicity(1)[:, 0], dtype=torch.float32)
        det = torch.full((80,), sfv.DEFAULT_DETAIL)
        with torch.no_grad():
            self.out.weight.mul_(0.1)
            self.out.bias[:160].copy_(torch.cat([torch.log(prof / (1 - prof)), torch.log(det / (1 - det))]))
            if envelope:
                self.out.weight[160:].zero_()
                self.out.bias[160:].zero_()

    def forward(self, mel: torch.Tensor, f0: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = F.leaky_relu(self.inp(torch.cat([(mel - MEL_MEAN) / MEL_STD, f0], dim=1)), 0.1)
        for b in self.blocks:
            h = h + F.leaky_relu(b(h), 0.1)
        o = self.out(h)
        a = torch.sigmoid(o[:, :160])
        if not self.envelope:
            return a[:, :80], a[:, 80:]
        return a[:, :80], a[:, 80:], ENVELOPE_RANGE * torch.tanh(o[:, 160:] / ENVELOPE_RANGE)

    def controls(self, mel: torch.Tensor, f0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(aperiodicity, detail, the log-mel to synthesize): the input log-mel plus the envelope output if any."""
        out = self(mel, f0)
        return out[0], out[1], mel + out[2] if self.envelope else mel


def f0_features(log_f0: torch.Tensor, voiced: torch.Tensor) -> torch.Tensor:
    """[B, T] log-F0 and voiced flag -> [B, 2, T] (the decoder's F0 input convention)."""
    ch0 = torch.where(voiced > 0.5, (log_f0 - F0_CENTER) / F0_SCALE, torch.zeros_like(log_f0))
    return torch.stack([ch0, (voiced > 0.5).float()], dim=1)


# ------------------------------------------------------------------ differentiable synthesis (torch)
class TorchSynth:
    """The synthesis of source_filter.synthesize in PyTorch, differentiable in the aperiodicity and detail."""

    def __init__(self) -> None:
        self.fb = torch.tensor(mel_filterbank(), dtype=torch.float32)  # [80, 513]
        self.b2b = torch.tensor(sfv.band_to_bin(), dtype=torch.float32)  # [513, 80]
        self.win = torch.hann_window(N_FFT, periodic=True)

    def smoothed(self, ker: torch.Tensor, bands: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ntij,njt->nit", ker, bands)

    def stft(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stft(x, N_FFT, HOP, window=self.win, center=True, pad_mode="reflect", return_complex=True)

    def istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        return torch.istft(spec, N_FFT, HOP, window=self.win, center=True, length=length)

    def __call__(self, log_mel: torch.Tensor, voiced: torch.Tensor, ap: torch.Tensor, detail: torch.Tensor,
                 h: torch.Tensor, z: torch.Tensor, ker: torch.Tensor, length: int, iterations: int,
                 free_voicing: bool = False) -> torch.Tensor:
        """h, z: the excitations of source_filter.excitations; ker: [B, T, 80, 80] envelope_kernels; free_voicing: as
        source_filter.synthesize (the aperiodicity is not forced to 1 in unvoiced frames)."""
        a = ap if free_voicing else torch.where(voiced[:, None, :] > 0.5, ap, torch.ones_like(ap))
        a_bins = torch.clamp(torch.einsum("fb,nbt->nft", self.b2b, a), 0.0, 1.0)
        x = torch.sqrt(1.0 - a_bins + 1e-8) * h + torch.sqrt(a_bins + 1e-8) * z
        target = torch.exp(log_mel)
        log_ts = torch.log(self.smoothed(ker, target))
        y = None
        for i in range(iterations + 1):
            if i > 0:
                x = self.stft(y)[..., :log_mel.shape[-1]]
            got = torch.einsum("bf,nft->nbt", self.fb, x.abs()).clamp_min(sfv.EPS)
            smooth = log_ts - torch.log(self.smoothed(ker, got).clamp_min(sfv.EPS))
            gain = torch.exp((1.0 - detail) * smooth + detail * (log_mel - torch.log(got)))
            x = x * torch.einsum("fb,nbt->nft", self.b2b, gain)
            y = self.istft(x, length)
        return y


def mr_stft_loss(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Multi-resolution STFT loss: spectral convergence + mean |log magnitude difference|, averaged."""
    total = y.new_zeros(())
    for n, hop in RESOLUTIONS:
        w = torch.hann_window(n)
        Y = torch.stft(y, n, hop, window=w, return_complex=True).abs()
        X = torch.stft(x, n, hop, window=w, return_complex=True).abs()
        sc = torch.linalg.norm(X - Y) / torch.linalg.norm(X).clamp_min(1e-8)
        lm = (torch.log(X + 1e-5) - torch.log(Y + 1e-5)).abs().mean()
        total = total + sc + lm
    return total / len(RESOLUTIONS)


def synth_magnitude(y: torch.Tensor) -> torch.Tensor:
    """The DESIGN section 3 STFT magnitude of a waveform batch, differentiable: [B, 513, T]."""
    return torch.stft(y, N_FFT, HOP, window=torch.hann_window(N_FFT, periodic=True), return_complex=True).abs()


def magnitude_log_mel(mag: torch.Tensor, fb: torch.Tensor, frames: Optional[int] = None) -> torch.Tensor:
    """[B, 513, T] magnitude -> DESIGN section 3 log-mel [B, 80, T] (the first `frames` frames)."""
    return torch.log(torch.einsum("bf,nft->nbt", fb, mag).clamp_min(LOG_FLOOR))[..., :frames]


def synth_log_mel(y: torch.Tensor, fb: torch.Tensor, frames: Optional[int] = None) -> torch.Tensor:
    """The DESIGN section 3 log-mel of a waveform batch, differentiable: [B, 80, T] (the first `frames` frames)."""
    return magnitude_log_mel(synth_magnitude(y), fb, frames)


def mel_l1_loss(y: torch.Tensor, x: torch.Tensor, fb: torch.Tensor) -> torch.Tensor:
    """Mean |log-mel difference| at the DESIGN section 3 analysis (the envelope an ASR front end and the converter
    see): the MR-STFT loss weighs harmonic fine structure as much as the envelope, this term only the envelope."""
    return (synth_log_mel(y, fb) - synth_log_mel(x, fb)).abs().mean()


STOI_WIN, STOI_HOP, STOI_FFT, STOI_SEG, STOI_SEG_STRIDE = 410, 205, 512, 30, 10  # 25.6 / 12.8 ms at 16 kHz
def estoi_loss(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """1 - a differentiable ESTOI (Jensen & Taal 2016, as intelligibility.py) of y against x, at 16 kHz: frames more
    than 40 dB below the loudest clean frame are dropped from both (STOI's silent-frame removal, chosen by x alone),
    then band envelopes of 384 ms segments (every 10th frame) are normalized per band over time and per frame over
    bands and correlated. A crop with under one segment of speech adds 0."""
    w = torch.hann_window(STOI_WIN, periodic=False)
    obm = torch.tensor(third_octave_matrix(SAMPLE_RATE, STOI_FFT), dtype=torch.float32)

    def bands(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        spec = torch.stft(z, STOI_FFT, STOI_HOP, win_length=STOI_WIN, window=w, center=False, return_complex=True)
        power = spec.real ** 2 + spec.imag ** 2  # [B, 257, M]
        return torch.sqrt(torch.einsum("jf,nfm->njm", obm, power) + 1e-10), power.sum(1)

    def norm(a: torch.Tensor, dim: int) -> torch.Tensor:
        a = a - a.mean(dim, keepdim=True)
        return a / torch.sqrt((a * a).sum(dim, keepdim=True) + 1e-12)  # (norm() has no gradient at a zero vector)

    X, ex = bands(x)
    Y, _ = bands(y)
    scores = []
    for i in range(x.shape[0]):
        keep = ex[i] > ex[i].max() * 1e-4
        if int(keep.sum()) < STOI_SEG:
            continue
        xs = X[i][:, keep].unfold(1, STOI_SEG, STOI_SEG_STRIDE)  # [15, S, 30]
        ys = Y[i][:, keep].unfold(1, STOI_SEG, STOI_SEG_STRIDE)
        scores.append((norm(norm(xs, -1), 0) * norm(norm(ys, -1), 0)).sum(0).mean())
    return 1.0 - torch.stack(scores).mean() if scores else y.sum() * 0.0


# ------------------------------------------------------------------ data
class Clip:
    def __init__(self, audio: np.ndarray, phones: Optional[np.ndarray] = None) -> None:
        self.audio = audio
        self.mel = log_mel(audio)
        self.lf0, self.vuv = f0_yin(audio)
        self.phones = phones  # phone_align's label per log-mel frame, when the clip has a transcript


def training_rows(corpus: Path, max_per_voice: int) -> list[str]:
    """Audio paths of training-role rows (real speakers, Cathy, TTS), at most `max_per_voice` per voice, seeded."""
    by_voice: dict[str, list[str]] = {}
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["role"] == "train" and r["split"] == "train":
                by_voice.setdefault(r["voice"], []).append(r["path"])
    rng = np.random.default_rng(11)
    out = []
    for v in sorted(by_voice):
        paths = by_voice[v]
        rng.shuffle(paths)
        out.extend(paths[:max_per_voice])
    return out


def load_clip(path: str, phones: Optional[np.ndarray] = None) -> Optional[Clip]:
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SAMPLE_RATE or len(x) < SAMPLE_RATE:
        return None
    peak = float(np.abs(x).max())
    if peak < 1e-3:
        return None
    return Clip((x / peak * 0.5).astype(np.float32), phones)


def crop_batch(clips: list[Clip], rng: np.random.Generator, b: int, frames: int,
               decoder: Optional[Callable[[Clip, int, int], np.ndarray]] = None, decoder_share: float = 0.0):
    """Random frame-aligned crops: input log-mel (clean, or the converter's reconstruction), F0, the original audio
    of the crop, and the excitation spectra."""
    length = (frames - 1) * HOP
    mels, lf0s, vuvs, auds, hs, zs, ks = [], [], [], [], [], [], []
    for _ in range(b):
        c = clips[int(rng.integers(0, len(clips)))]
        t0 = int(rng.integers(0, max(1, c.mel.shape[1] - frames)))
        mel = c.mel[:, t0:t0 + frames]
        if mel.shape[1] < frames:
            continue
        if decoder is not None and rng.random() < decoder_share:
            mel = decoder(c, t0, frames)
        lf, vv = c.lf0[t0:t0 + frames], c.vuv[t0:t0 + frames]
        aud = c.audio[t0 * HOP:t0 * HOP + length]
        aud = np.pad(aud, (0, length - len(aud)))
        h, z = sfv.excitations(lf, vv, length, frames, start_sample=int(rng.integers(0, 2 ** 30)))
        mels.append(mel); lf0s.append(lf); vuvs.append(vv); auds.append(aud); hs.append(h); zs.append(z)
        ks.append(sfv.envelope_kernels(sfv.frame_f0(lf, vv)))
    t = lambda xs, dt=torch.float32: torch.tensor(np.stack(xs), dtype=dt)
    return (t(mels), t(lf0s), t(vuvs), t(auds), t(hs, torch.complex64), t(zs, torch.complex64), t(ks), length)


class Converter:
    """The converter (frozen) as the vocoder's input source. `reconstruct`: a crop decoded with its own clip's speaker
    embedding and F0 (stage 2 on: the original audio is the target). `convert`: clip A's content decoded with clip B's
    speaker embedding and A's log-F0 mapped to B's voiced mean and deviation (as the engine maps pitch); no recording
    of that conversion exists, so these crops are scored against their own input mel and its content
    (`conversion_loss`)."""

    def __init__(self, ckpt: str) -> None:
        from .train import load_model
        self.model, _ = load_model(ckpt)
        self.model.eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.cache: dict[int, tuple[torch.Tensor, float, float]] = {}

    def voice(self, c: Clip) -> tuple[torch.Tensor, float, float]:
        """Clip -> (speaker embedding, voiced log-F0 mean, deviation), cached per clip."""
        key = id(c)
        if key not in self.cache:
            with torch.no_grad():
                e = self.model.speaker(torch.tensor(c.mel)[None])
            v = c.lf0[c.vuv > 0.5]
            mu, sd = (float(v.mean()), float(v.std()) + 1e-2) if len(v) > 1 else (math.log(sfv.DEFAULT_F0), 0.1)
            self.cache[key] = (e, mu, sd)
        return self.cache[key]

    def reconstruct(self, c: Clip, t0: int, frames: int) -> np.ndarray:
        """The converter's log-mel [80, frames] of crop t0.. of `c` (own speaker embedding from the whole clip, own F0)."""
        e, _, _ = self.voice(c)
        with torch.no_grad():
            mel = torch.tensor(c.mel[:, t0:t0 + frames])[None]
            f0 = f0_features(torch.tensor(c.lf0[t0:t0 + frames])[None], torch.tensor(c.vuv[t0:t0 + frames])[None])
            return self.model.decoder(self.model.content(mel), e, f0)[0].numpy()

    def convert(self, a: Clip, b: Clip, t0: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
        """(converted log-mel [80, frames], converted log-F0 [frames]) of crop t0.. of `a` toward `b`'s voice."""
        _, mu_a, sd_a = self.voice(a)
        e_b, mu_b, sd_b = self.voice(b)
        lf, vv = a.lf0[t0:t0 + frames], a.vuv[t0:t0 + frames]
        lt = np.where(vv > 0.5, (lf - mu_a) / sd_a * sd_b + mu_b, lf).astype(np.float32)
        with torch.no_grad():
            mel = torch.tensor(a.mel[:, t0:t0 + frames])[None]
            f0 = f0_features(torch.tensor(lt)[None], torch.tensor(vv)[None])
            out = self.model.decoder(self.model.content(mel), e_b, f0)
        return out[0].numpy(), lt

    def content(self, log_mel: torch.Tensor) -> torch.Tensor:
        """The frozen content encoder's codes of a raw log-mel batch (differentiable in the input)."""
        return self.model.content(log_mel)


def conversion_batch(clips: list[Clip], rng: np.random.Generator, b: int, frames: int, conv: Converter):
    """Random crops converted toward another clip's voice: converted log-mel, converted log-F0, voicing, the
    excitation spectra driven by the converted pitch (what the app synthesizes), and the source crop's phone labels
    (conversion keeps the timing; -1 where the source has none)."""
    length = (frames - 1) * HOP
    mels, lf0s, vuvs, hs, zs, ks, ps = [], [], [], [], [], [], []
    while len(mels) < b:
        a = clips[int(rng.integers(0, len(clips)))]
        o = clips[int(rng.integers(0, len(clips)))]
        if a.mel.shape[1] < frames or o is a:
            continue
        t0 = int(rng.integers(0, max(1, a.mel.shape[1] - frames)))
        mel, lt = conv.convert(a, o, t0, frames)
        vv = a.vuv[t0:t0 + frames]
        h, z = sfv.excitations(lt, vv, length, frames, start_sample=int(rng.integers(0, 2 ** 30)))
        mels.append(mel); lf0s.append(lt); vuvs.append(vv); hs.append(h); zs.append(z)
        ks.append(sfv.envelope_kernels(sfv.frame_f0(lt, vv)))
        lab = np.full(frames, -1, dtype=np.int64)
        if a.phones is not None:
            got = a.phones[t0:t0 + frames]
            lab[:len(got)] = got
        ps.append(lab)
    t = lambda xs, dt=torch.float32: torch.tensor(np.stack(xs), dtype=dt)
    return (t(mels), t(lf0s), t(vuvs), t(hs, torch.complex64), t(zs, torch.complex64), t(ks), length,
            t(ps, torch.int64))


def conversion_loss(y: torch.Tensor, mel: torch.Tensor, conv: Converter, fb: torch.Tensor,
                    content_weight: float, mfcc_weight: float = 0.0,
                    front: Optional[SphinxMfcc] = None, phones: Optional[PhoneNet] = None,
                    labels: Optional[torch.Tensor] = None,
                    phone_weight: float = 0.0, am: Optional[SphinxAM] = None, am_weight: float = 0.0,
                    am_temperature: float = 5.0, am_class_weight: Optional[torch.Tensor] = None
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Conversions have no recording to match: the synthesis is scored against the mel it was asked for (log-mel L1)
    and, weighted by `content_weight`, against what that mel says (L1 between the frozen content encoder's codes of
    the synthesis and of the requested mel: the words, not the exact envelope), and, weighted by `mfcc_weight`, by the
    recogniser's cepstra of both (asr_front: what the word-error meter hears), and, weighted by `phone_weight`, by
    whether a frozen phone classifier (phone_net) hears the source's phones in it, and, weighted by `am_weight`, by
    whether the recogniser's own Gaussians (sphinx_am) do, frames weighted per phone by `am_class_weight`. `front` is
    needed by the MFCC and phone_net terms. Returns (total, content, MFCC term, phone terms summed unweighted)."""
    mag = synth_magnitude(y)
    ly = magnitude_log_mel(mag, fb, mel.shape[-1])
    lm = (ly - mel.clamp_min(math.log(LOG_FLOOR))).abs().mean()
    with torch.no_grad():
        zt = conv.content(mel)
    cc = F.l1_loss(conv.content(ly), zt)
    mf = front.distance(mag, mel) if front is not None and mfcc_weight > 0 else cc.new_zeros(())
    use_phones = front is not None and phones is not None and labels is not None and phone_weight > 0
    ph = cc.new_zeros(())
    if use_phones:
        from .phone_net import phone_loss
        ph = phone_loss(phones, front, mag, labels)
    total = lm + content_weight * cc + mfcc_weight * mf + phone_weight * ph
    if am is not None and labels is not None and am_weight > 0:
        from .sphinx_am import am_phone_loss
        amp = am_phone_loss(am, y, labels, am_temperature, weight=am_class_weight)
        total, ph = total + am_weight * amp, ph + amp
    return total, cc, mf, ph


# ------------------------------------------------------------------ train / export / load
def train(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    net = AperiodicityNet(envelope=args.envelope)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    step = 0
    last = out / "last.pt"
    summary: dict = {}
    if last.exists():
        ck = torch.load(last, map_location="cpu")
        net.load_state_dict(ck["net"])
        opt.load_state_dict(ck["opt"])
        step = int(ck["step"])
        summary = dict(ck.get("summary", {}))
        for g in opt.param_groups:
            g["lr"] = args.lr
        print(f"resumed at step {step}", flush=True)
    elif args.init:
        ck = torch.load(args.init, map_location="cpu")
        load_state_widening(net, ck["net"])  # a fresh optimizer: restored checkpoints carry none
        step = int(ck["step"])
        summary = dict(ck.get("summary", {}))
        summary["init"] = args.init
        print(f"started from {args.init} (step {step})", flush=True)
    paths = training_rows(Path(args.corpus), args.per_voice)
    t0 = time.time()
    labels: dict[str, np.ndarray] = {}
    phone_names: list[str] = []
    if args.phone_labels:
        with open(args.phone_labels, "rb") as f:
            aligned = pickle.load(f)
        labels, phone_names = aligned["labels"], aligned["phones"]
    clips = [c for c in (load_clip(p, labels.get(p)) for p in paths) if c is not None]
    if labels:
        print(f"{sum(c.phones is not None for c in clips)} clips with phone labels", flush=True)
    print(f"{len(clips)} clips ({sum(len(c.audio) for c in clips) / SAMPLE_RATE / 60:.1f} min) loaded in {time.time() - t0:.0f} s", flush=True)
    if args.convert_every > 0 and not args.decoder_ckpt:
        raise SystemExit("--convert-every needs --decoder-ckpt (the converter whose conversions are vocoded)")
    converter = Converter(args.decoder_ckpt) if args.decoder_ckpt else None
    decoder = converter.reconstruct if converter is not None else None
    conv = converter if args.convert_every > 0 else None
    cema = mema = None
    front = SphinxMfcc() if args.mfcc_loss > 0 or args.phone_loss > 0 else None
    if args.phone_loss > 0 and not (args.phone_net and labels):
        raise SystemExit("--phone-loss needs --phone-net (phone_net's checkpoint) and --phone-labels (phone_align's)")
    from .phone_net import load_phone_net
    phones = load_phone_net(args.phone_net) if args.phone_loss > 0 else None
    am, am_class_weight = None, None
    if args.am_loss > 0:
        if not labels:
            raise SystemExit("--am-loss needs --phone-labels (phone_align's)")
        from .sphinx_am import SphinxAM, class_weights
        am = SphinxAM(phone_names)
        if args.am_stop_weight != 1:
            am_class_weight = class_weights(phone_names, {"stop": args.am_stop_weight})
    pema = None
    synth = TorchSynth()
    deadline = time.time() + args.minutes * 60
    ema = None
    start_step, start_wall, run_t0 = step, float(summary.get("wallMinutes", 0.0)), time.time()
    stage = "decoder" if decoder is not None else "clean"

    def current() -> dict:
        s = dict(summary)
        s["steps"] = step
        s["wallMinutes"] = round(start_wall + (time.time() - run_t0) / 60, 1)
        s[f"{stage}Steps"] = int(summary.get(f"{stage}Steps", 0)) + step - start_step
        s["data"] = {"clips": len(clips), "minutes": round(sum(len(c.audio) for c in clips) / SAMPLE_RATE / 60, 1),
                     "rows": "role=train split=train rows of the corpus: real speakers (CC BY 4.0), Cathy (CC0), TTS voices"}
        s["batch"], s["frames"], s["trainPasses"] = args.batch, args.frames, args.iterations
        if decoder is not None:
            s["decoderShare"] = args.decoder_share
            s["decoderCkpt"] = args.decoder_ckpt
        if args.mel_loss > 0:
            s["melLossWeight"] = args.mel_loss
        if args.estoi_loss > 0:
            s["estoiLossWeight"] = args.estoi_loss
        if conv is not None:
            s["convertEvery"], s["contentLossWeight"] = args.convert_every, args.content_loss
            if args.mfcc_loss > 0:
                s["mfccLossWeight"] = args.mfcc_loss
            if args.phone_loss > 0:
                s["phoneLossWeight"], s["phoneNet"] = args.phone_loss, args.phone_net
            if args.am_loss > 0:
                s["amLossWeight"], s["amTemperature"] = args.am_loss, args.am_temperature
                if args.am_stop_weight != 1:
                    s["amStopWeight"] = args.am_stop_weight
        if args.free_voicing:
            s["freeVoicing"] = True
        if args.envelope:
            s["envelope"] = ENVELOPE_RANGE
        if ema is not None:
            s["lossMrStft"] = round(ema, 4)
        return s
    while time.time() < deadline and (args.steps <= 0 or step < args.steps):
        converting = conv is not None and step % args.convert_every == args.convert_every - 1
        if converting:
            mel, lf0, vuv, h, z, ker, length, lab = conversion_batch(clips, rng, args.batch, args.frames, conv)
        else:
            mel, lf0, vuv, aud, h, z, ker, length = crop_batch(clips, rng, args.batch, args.frames, decoder, args.decoder_share)
        ap, det, env = net.controls(mel, f0_features(lf0, vuv))
        y = synth(env, vuv, ap, det, h, z, ker, length, args.iterations, args.free_voicing)
        if converting:
            loss, cc, mf, ph = conversion_loss(y, mel, conv, synth.fb, args.content_loss, args.mfcc_loss, front,
                                               phones, lab, args.phone_loss, am, args.am_loss, args.am_temperature,
                                               am_class_weight)
            cema = cc.item() if cema is None else 0.9 * cema + 0.1 * cc.item()
            mema = mf.item() if mema is None else 0.9 * mema + 0.1 * mf.item()
            pema = ph.item() if pema is None else 0.9 * pema + 0.1 * ph.item()
        else:
            mr = mr_stft_loss(y, aud)
            loss = mr + args.mel_loss * mel_l1_loss(y, aud, synth.fb) if args.mel_loss > 0 else mr
            if args.estoi_loss > 0:
                loss = loss + args.estoi_loss * estoi_loss(y, aud)
            ema = mr.item() if ema is None else 0.98 * ema + 0.02 * mr.item()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0 and (ema is not None or cema is not None):  # --convert-every 1 has no MR-STFT steps
            extra = f" mr-stft {ema:.4f}" if ema is not None else ""
            extra += f" content {cema:.4f}" if cema is not None else ""
            extra += f" mfcc {mema:.4f}" if args.mfcc_loss > 0 and mema is not None else ""
            extra += f" phone {pema:.4f}" if (phones is not None or am is not None) and pema is not None else ""
            print(f"step {step}{extra} total {loss.item():.4f} ({(time.time() - t0):.0f} s)", flush=True)
        if step % args.ckpt_every == 0:
            save(net, opt, step, last, current())
    save(net, opt, step, last, current())
    print(f"done at step {step}", flush=True)
    return 0


def save(net: nn.Module, opt: torch.optim.Optimizer, step: int, path: Path, summary: Optional[dict] = None) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"net": net.state_dict(), "opt": opt.state_dict(), "step": step, "summary": summary or {"steps": step}}, tmp)
    tmp.replace(path)


def has_envelope(state: dict) -> bool:
    """Whether the network `state` was trained with has the envelope output (240 output rows instead of 160)."""
    return state["out.weight"].shape[0] == 240


def net_for_state(state: dict) -> AperiodicityNet:
    """An untrained network of the width and outputs (with or without the envelope) that `state` was trained with."""
    return AperiodicityNet(ch=int(state["inp.weight"].shape[0]), envelope=has_envelope(state))


def load_state_widening(net: AperiodicityNet, state: dict) -> None:
    """Load `state` into `net`; a network with the envelope output takes a checkpoint without one (its envelope rows
    keep their zero initialisation, so it starts as the checkpoint did)."""
    w = state["out.weight"]
    if net.envelope and not has_envelope(state):
        state = dict(state)
        state["out.weight"] = torch.cat([w, net.out.weight.detach()[160:]])
        state["out.bias"] = torch.cat([state["out.bias"], net.out.bias.detach()[160:]])
    net.load_state_dict(state)


def load_net(ckpt: str) -> AperiodicityNet:
    state = torch.load(ckpt, map_location="cpu")["net"]
    net = net_for_state(state)
    net.load_state_dict(state)
    net.eval()
    return net


def free_voicing_of(path: str) -> bool:
    """Whether the network at `path` (checkpoint, or vocoder.onnx beside its manifest.json) was trained with free
    voicing (--free-voicing): its synthesis must then take the aperiodicity in unvoiced frames too."""
    if path.endswith(".onnx"):
        man = Path(path).parent / "manifest.json"
        if not man.exists():
            return False
        entry = json.loads(man.read_text()).get("models", {}).get("vocoder", {})
        return bool(entry.get("synthesis", {}).get("freeVoicing", False))
    return bool(torch.load(path, map_location="cpu").get("summary", {}).get("freeVoicing", False))


Controls = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def load_aperiodicity(path: str) -> Controls:
    """A checkpoint (.pt) or an exported vocoder.onnx -> function (log_mel [80,T], log_f0 [T], voiced [T]) ->
    (aperiodicity, detail, the log-mel to synthesize), each [80, T] (the last is the input log-mel plus the envelope
    output of a network that has one). Whether the synthesis must use free voicing: `free_voicing_of(path)`."""
    if path.endswith(".onnx"):
        import onnxruntime as ort  # optional: only where the ONNX runtime for Python exists
        sess = ort.InferenceSession(path)

        def run_onnx(mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            f0 = f0_features(torch.tensor(lf0)[None], torch.tensor(vuv)[None]).numpy()
            out = sess.run(None, {"mel": mel[None].astype(np.float32), "f0": f0})
            return out[0][0], out[1][0], mel + out[2][0] if len(out) > 2 else mel
        return run_onnx
    net = load_net(path)

    def run(mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with torch.no_grad():
            a, d, env = net.controls(torch.tensor(mel)[None], f0_features(torch.tensor(lf0)[None], torch.tensor(vuv)[None]))
            return a[0].numpy(), d[0].numpy(), env[0].numpy().astype(mel.dtype)
    return run


def export(args: argparse.Namespace) -> int:
    """vocoder.onnx + its manifest entry + test vectors (added to the converter's onnx_vectors.json, same inputs)."""
    from .export import export_graph, sha256, tensor_list
    torch.set_num_threads(1)
    out = Path(args.models)
    net = load_net(args.ckpt)
    vec_path = out / "testdata" / "onnx_vectors.json"
    vectors = json.loads(vec_path.read_text())
    m_in, f_in = vectors["inputs"]["mel"], vectors["inputs"]["f0"]
    mel = torch.tensor(m_in["data"], dtype=torch.float32).view(*m_in["dims"])
    f0 = torch.tensor(f_in["data"], dtype=torch.float32).view(*f_in["dims"])
    path = out / "vocoder.onnx"
    names = ["aperiodicity", "detail"] + (["envelope"] if net.envelope else [])
    export_graph(net, (mel, f0), path, ["mel", "f0"], names)
    with torch.no_grad():
        outs = net(mel, f0)
    vectors["vocoder"] = {"inputs": ["mel", "f0"], "outputs": {
        n: {"dims": list(o.shape), "dtype": "float32", "data": tensor_list(o)} for n, o in zip(names, outs)}}
    vec_path.write_text(json.dumps(vectors, separators=(",", ":")))
    ck = torch.load(args.ckpt, map_location="cpu")
    man_path = out / "manifest.json"
    man = json.loads(man_path.read_text())
    man["models"]["vocoder"] = {
        "file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size, "inputs": ["mel", "f0"],
        "outputs": names,
        "kind": "harmonic-plus-noise source-filter; the network predicts per-band aperiodicity and envelope detail"
                + (" and a log-gain correction of the envelope" if net.envelope else ""),
        "parameters": sum(p.numel() for p in net.parameters()),
        "synthesis": {"harmonicCeilHz": sfv.HARMONIC_CEIL, "bestPasses": args.passes, "smoothF0": sfv.SMOOTH_F0,
                      **({"envelopeRange": ENVELOPE_RANGE} if net.envelope else {}),
                      "freeVoicing": free_voicing_of(args.ckpt),
                      "noise": "lowbias32 hash of the sample index",
                      "code": "src/dsp/source-filter.ts (models/train/vc_train/source_filter.py)"},
        "training": ck.get("summary", {"steps": int(ck["step"])}),
    }
    man_path.write_text(json.dumps(man, indent=1))
    print(f"wrote {path} ({path.stat().st_size} bytes), manifest entry and test vectors")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="vc_train.vocoder_net")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--corpus", required=True)
    t.add_argument("--out", default="ckpt/vocoder")
    t.add_argument("--minutes", type=float, default=40.0)
    t.add_argument("--steps", type=int, default=0, help="stop after this many steps in all (0: only the time limit)")
    t.add_argument("--batch", type=int, default=6)
    t.add_argument("--frames", type=int, default=96)
    t.add_argument("--iterations", type=int, default=2, help="consistency passes inside training (the app runs 4)")
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--per-voice", type=int, default=6)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--seed", type=int, default=1234)
    t.add_argument("--ckpt-every", type=int, default=100)
    t.add_argument("--init", default="", help="start from this network checkpoint (e.g. vc_train.onnx_import's "
                   "ckpt/shipped/vocoder.pt) when --out has no last.pt")
    t.add_argument("--decoder-ckpt", default="", help="stage 2: converter checkpoint whose reconstructions are inputs")
    t.add_argument("--decoder-share", type=float, default=0.5)
    t.add_argument("--mel-loss", type=float, default=0.0, help="weight of a log-mel L1 term (envelope) beside the MR-STFT loss")
    t.add_argument("--envelope", action="store_true",
                   help="the network also outputs a bounded log-gain per band added to the log-mel it synthesizes")
    t.add_argument("--free-voicing", action="store_true",
                   help="the network's aperiodicity holds in unvoiced frames too (not forced to 1): it decides voicing")
    t.add_argument("--convert-every", type=int, default=0,
                   help="every Nth step vocodes the converter's conversions (--decoder-ckpt) scored by conversion_loss (0: never)")
    t.add_argument("--content-loss", type=float, default=4.0, help="weight of the content-code term on conversion steps")
    t.add_argument("--mfcc-loss", type=float, default=0.0,
                   help="weight of the recogniser's cepstral distance (asr_front) on conversion steps")
    t.add_argument("--phone-loss", type=float, default=0.0,
                   help="weight of a frozen phone classifier's cross-entropy against the source's phones on conversion steps")
    t.add_argument("--am-loss", type=float, default=0.0,
                   help="weight of the recogniser's own acoustic model's phone cross-entropy (sphinx_am) on conversion steps")
    t.add_argument("--am-temperature", type=float, default=5.0, help="its log-likelihoods are divided by this")
    t.add_argument("--am-stop-weight", type=float, default=1.0,
                   help="weight of stop frames in that cross-entropy (the class the neural vocoder loses to Griffin-Lim)")
    t.add_argument("--phone-net", default="", help="phone_net checkpoint (the classifier, frozen)")
    t.add_argument("--phone-labels", default="", help="phone_align's pickle (frame phone labels of the training clips)")
    t.add_argument("--estoi-loss", type=float, default=0.0, help="weight of 1 - ESTOI (differentiable, estoi_loss) against the original")
    e = sub.add_parser("export")
    e.add_argument("--ckpt", required=True)
    e.add_argument("--models", default="..", help="the export folder (models/) holding manifest.json")
    e.add_argument("--passes", type=int, default=2, help="consistency passes of the app's Best setting (src/pipeline/quality.ts), "
                   "recorded in the manifest")
    a = p.parse_args(argv)
    return train(a) if a.cmd == "train" else export(a)


if __name__ == "__main__":
    sys.exit(main())
