"""The word-error meter's own acoustic model as a differentiable phone judge: pocketsphinx en-us, read from its files.

Why this file exists: the neural vocoder's conversion steps were scored by stand-ins for what pocketsphinx hears (the
recogniser's cepstra in `asr_front`, a phone classifier of our own in `phone_net`); lowering them moved word error of
converted speech by a point at most, and Griffin-Lim 32 still loses fewer words on the closed-set LM. The decoder is
configured by its model's `feat.params` (25 filters 130-6800 Hz, lifter 22, 100 frames/s of 410 samples, 1s_c_d_dd:
cepstra, deltas and delta-deltas as three streams; not the compiled-in defaults `asr_front` copied) and scores frames
with phonetically tied Gaussian mixtures (`-model ptm`: one 128-Gaussian codebook per base phone and stream, mixture
weights per senone). This module rebuilds that front end on the waveform in torch and scores each frame with those
mixtures (`phone_loglik`: a phone's three context-independent senones, or all its triphones' senones too), so a
synthesis can be judged, and trained (`am_phone_loss`, `vocoder_net --am-loss`), on whether the recogniser's own
Gaussians hear the source's phones. Not reproduced: pocketsphinx's noise-floor tracking (`-remove_noise`; the CLI can
score the decoder's own logged cepstra instead, `decoder_cepstra`) and its search (HMM transitions, LM).

What it showed (round 15): on conversions the recogniser's Gaussians already hear the source's phones better in the
neural vocoder's output than in Griffin-Lim's, on either front end and senone set; see the model card.

Usage (from models/train): the judge on labelled training clips, and on their conversions under each vocoder:
  /usr/bin/python3 -m vc_train.sphinx_am --labels /work/phones.pkl --clips 60 --temperature 5 \
      --converter ckpt/shipped/converter.pt --vocoders gl nv:ckpt=ckpt/shipped/vocoder.pt [--senones cd] [--decoder-features]
  add --by-class for each broad phone class, --resynthesis for the vocoders on the recordings' own log-mels
"""
from __future__ import annotations

import argparse
import json
import math
import pickle
import struct
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from .eval import PS_MODEL, f0_stats
from .features import HOP, SAMPLE_RATE

MODEL_DIR = Path(PS_MODEL) / "en-us"
# feat.params of the en-us model (checked against the decoder's configuration in tests/test_sphinx_am.py)
N_FILT, LOWER_HZ, UPPER_HZ, LIFTER, N_CEP, ALPHA = 25, 130.0, 6800.0, 22, 13, 0.97
WIN, SHIFT, NFFT = 410, 160, 512  # -wlen 0.025625 s, -frate 100, -nfft 512 at 16 kHz
# Mixture weights in `sendump` are -log(w) in units of 2^10 log-base-1.0001 steps (SENSCR_SHIFT 10)
WEIGHT_UNIT = 1024.0 * math.log(1.0001)
PCM_SCALE = 32768.0  # the decoder reads 16-bit samples; its power floor is meant for that scale


def _s3(path: Path) -> np.ndarray:
    """An s3 Gaussian parameter file (means, variances): [n_mgau, n_feat, n_density, 13] float32."""
    b = path.read_bytes()
    off = b.index(b"endhdr\n") + 7
    magic, n_mgau, n_feat, n_dens = struct.unpack("<4i", b[off:off + 16])
    if magic != 0x11223344:
        raise ValueError(f"{path}: unexpected byte order")
    veclen = struct.unpack(f"<{n_feat}i", b[off + 16:off + 16 + 4 * n_feat])
    if len(set(veclen)) != 1:
        raise ValueError(f"{path}: streams of unequal width {veclen}")
    start = off + 16 + 4 * n_feat + 4
    n = n_mgau * n_feat * n_dens * veclen[0]
    return np.frombuffer(b[start:start + 4 * n], dtype="<f4").reshape(n_mgau, n_feat, n_dens, veclen[0]).copy()


def _mdef(path: Path) -> tuple[list[str], int, np.ndarray]:
    """A binary mdef (sphinxbase bin_mdef): base phone names, number of CI senones (3 per phone, phone-major), and the
    base phone of every senone [n_sen] (a triphone's senones use its base phone's codebook in a PTM model)."""
    b = path.read_bytes()
    off = b.index(b"END FILE FORMAT DESCRIPTION") + len("END FILE FORMAT DESCRIPTION") + 1
    off = (off + 3) // 4 * 4  # the counts are 4-byte aligned
    n_ci, n_phone, n_emit, n_ci_sen, n_sen, _n_tmat, n_sseq, _n_ctx, n_cd_tree, _sil = struct.unpack("<10i", b[off:off + 40])
    if n_ci * n_emit != n_ci_sen or n_emit != 3:
        raise ValueError(f"{path}: {n_ci} phones, {n_emit} states, {n_ci_sen} CI senones")
    pos, names = off + 40, []
    for _ in range(n_ci):
        end = b.index(b"\0", pos)
        names.append(b[pos:end].decode("ascii"))
        pos = end + 1
    pos = (pos + 3) // 4 * 4 + 8 * n_cd_tree  # the context tree (8 bytes a node) is not needed
    ph = np.frombuffer(b[pos:pos + 12 * n_phone], dtype=np.uint8).reshape(n_phone, 12)  # ssid, tmat, 4 info bytes
    ssid = ph[:, :4].copy().view("<i4")[:, 0]
    base = np.where(np.arange(n_phone) < n_ci, np.arange(n_phone), ph[:, 9])  # a triphone's info: wpos, base, l, r
    pos += 12 * n_phone + 4
    sseq = np.frombuffer(b[pos:pos + 2 * n_emit * n_sseq], dtype="<u2").reshape(n_sseq, n_emit)
    sen_base = np.full(n_sen, -1, dtype=np.int64)
    sen_base[sseq[ssid].ravel()] = np.repeat(base, n_emit)
    if (sen_base < 0).any() or (sen_base[:n_ci_sen] != np.arange(n_ci_sen) // 3).any():
        raise ValueError(f"{path}: unexpected senone layout")
    return names, n_ci_sen, sen_base


def _sendump(path: Path) -> np.ndarray:
    """log mixture weights of every senone [n_sen, n_feat, n_density] from a pocketsphinx sendump."""
    b = path.read_bytes()
    off, header = 0, []
    while True:
        (n,) = struct.unpack("<i", b[off:off + 4])
        off += 4
        if n == 0:
            break
        header.append(b[off:off + n - 1].decode("ascii", "replace"))
        off += n
    if "cluster_count 0" not in header:
        raise ValueError(f"{path}: clustered weights are not supported")
    n_feat = int(next(h for h in header if h.startswith("feature_count")).split()[1])
    n_dens, n_sen = struct.unpack("<2i", b[off:off + 8])
    w = np.frombuffer(b[off + 8:off + 8 + n_feat * n_dens * n_sen], dtype=np.uint8).reshape(n_feat, n_dens, n_sen)
    return (-w.astype(np.float32) * WEIGHT_UNIT).transpose(2, 0, 1).copy()


def _filterbank() -> np.ndarray:
    """[25, 257] sphinxbase mel filters (triangles on 2595 log10(1 + f/700), edges rounded to FFT bins, unit area)."""
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    imel = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    step = SAMPLE_RATE / NFFT
    dm = (mel(UPPER_HZ) - mel(LOWER_HZ)) / (N_FILT + 1)
    f = np.arange(NFFT // 2 + 1) * step
    fb = np.zeros((N_FILT, len(f)))
    for i in range(N_FILT):
        lo, c, hi = (np.floor(imel(mel(LOWER_HZ) + (i + j) * dm) / step + 0.5) * step for j in range(3))
        fb[i] = 2.0 / (hi - lo) * np.clip(np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)), 0.0, None)
    return fb.astype(np.float32)


def _dct_lifter() -> np.ndarray:
    """[13, 25] orthonormal DCT-II rows (sphinxbase `-transform dct`) with the sinusoidal lifter folded in."""
    k = np.arange(N_CEP)[:, None]
    n = np.arange(N_FILT)[None, :]
    d = np.cos(math.pi * k * (n + 0.5) / N_FILT) * math.sqrt(2.0 / N_FILT)
    d[0] = math.sqrt(1.0 / N_FILT)
    lift = 1.0 + LIFTER / 2.0 * np.sin(math.pi * np.arange(N_CEP) / LIFTER)
    return (d * lift[:, None]).astype(np.float32)


class SphinxAM:
    """The en-us front end and senone scorer as fixed tensors (built once from the model files)."""

    def __init__(self, phones: list[str], senones: str = "ci", model_dir: Path = MODEL_DIR) -> None:
        """`phones`: the label set to score (phone_align's: SIL then the CMU phones); each must be a base phone of
        the model. `senones`: "ci" scores a phone by its three context-independent senones; "cd" by all senones of
        its triphones as well (what the decoder searches with; about 40 times the work)."""
        names, n_ci_sen, sen_base = _mdef(model_dir / "mdef")
        missing = [p for p in phones if p not in names]
        if missing:
            raise ValueError(f"phones {missing} are not in the acoustic model")
        if senones not in ("ci", "cd"):
            raise ValueError(f"senones must be 'ci' or 'cd', not {senones!r}")
        idx = [names.index(p) for p in phones]
        mu = torch.tensor(_s3(model_dir / "means")[idx])  # [P, 3, 128, 13]
        var = torch.tensor(_s3(model_dir / "variances")[idx]).clamp_min(1e-4)
        self.inv = 1.0 / var
        self.mu_inv = mu * self.inv
        self.const = -0.5 * ((mu * mu * self.inv).sum(-1) + torch.log(2 * math.pi * var).sum(-1))  # [P, 3, 128]
        w = torch.exp(torch.tensor(_sendump(model_dir / "sendump")))  # mixture weights [n_sen, 3, 128]
        if senones == "ci":
            self.w = [w[3 * i:3 * i + 3] for i in idx]  # per phone [3 states, 3 streams, 128]
        else:
            self.w = [w[torch.tensor(np.flatnonzero(sen_base == i))] for i in idx]  # per phone [its senones, 3, 128]
        self.fb = torch.tensor(_filterbank())
        self.dct = torch.tensor(_dct_lifter())
        self.window = torch.hamming_window(WIN, periodic=False)
        self.phones = list(phones)

    def cepstra(self, y: torch.Tensor) -> torch.Tensor:
        """Waveform [B, L] (16 kHz) -> liftered cepstra [B, 13, T] at 100 frames/s, mean over T removed (-cmn
        batch). Samples are taken as floats in [-1, 1]; their scale only moves c0's mean, which that removes."""
        y = PCM_SCALE * y
        y = torch.cat([y[:, :1], y[:, 1:] - ALPHA * y[:, :-1]], dim=1)
        frames = y.unfold(1, WIN, SHIFT) * self.window  # [B, T, 410]
        power = torch.fft.rfft(frames, n=NFFT).abs().pow(2)  # [B, T, 257]
        logmf = torch.log((power @ self.fb.T).clamp_min(1e-10))
        c = logmf @ self.dct.T  # [B, T, 13]
        return (c - c.mean(dim=1, keepdim=True)).transpose(1, 2)

    @staticmethod
    def features(c: torch.Tensor) -> torch.Tensor:
        """1s_c_d_dd: cepstra [B, 13, T] -> [B, 3, 13, T] (c; d = c[t+2] - c[t-2]; dd = d[t+1] - d[t-1]), edges
        repeated."""
        p = F.pad(c, (3, 3), mode="replicate")
        t = c.shape[-1]
        d = p[..., 4:4 + t + 2] - p[..., 0:t + 2]  # d at t-1 .. t+1
        dd = d[..., 2:] - d[..., :-2]
        return torch.stack([c, d[..., 1:-1], dd], dim=1)

    def phone_loglik(self, y: torch.Tensor, stride: int = 1) -> torch.Tensor:
        """Waveform [B, L] -> log-likelihood of each phone [B, P, T / stride] at every `stride`-th frame."""
        return self.score(self.features(self.cepstra(y))[..., ::stride])

    def score(self, feats: torch.Tensor) -> torch.Tensor:
        """Features [B, 3, 13, T] -> log-likelihood of each phone [B, P, T]: for each of its senones the sum over
        streams of the log mixture density, then log-sum-exp over the senones."""
        x = feats.permute(0, 3, 1, 2)  # [B, T, 3, 13]
        # log N for every phone codebook, stream and Gaussian: [B, T, P, 3, 128]
        ll = (-0.5 * torch.einsum("btfd,pfkd->btpfk", x * x, self.inv)
              + torch.einsum("btfd,pfkd->btpfk", x, self.mu_inv) + self.const)
        # each senone's mixture from max-shifted densities times its weights (no [.., senone, stream, 128] broadcast)
        m = ll.amax(dim=-1, keepdim=True).detach()
        e = torch.exp(ll - m)
        per_phone = []
        for p, w in enumerate(self.w):
            mix = torch.einsum("btfk,sfk->btsf", e[:, :, p], w)
            sen = (torch.log(mix.clamp_min(1e-30)) + m[:, :, p, None, :, 0]).sum(-1)  # [B, T, senones]
            per_phone.append(torch.logsumexp(sen, dim=-1))
        return torch.stack(per_phone, dim=1)


_DECODERS: dict = {}


def front_end_decoder(model_dir: Path = MODEL_DIR, drop_silence: bool = False):
    """(pocketsphinx Decoder, its feature-log folder) for `model_dir`, built once per setting and kept (its
    noise-floor estimate carries over between utterances, as in the word-error meter). A keyphrase search, the
    cheapest there is: only its front end is wanted. Its configuration is the model's (feat.params applied)."""
    import os
    import tempfile
    key = (model_dir, drop_silence)
    if key not in _DECODERS:
        from pocketsphinx import Decoder
        log = tempfile.mkdtemp(prefix="sphinx_am_")
        cfg = Decoder.default_config()
        cfg.set_string("-hmm", str(model_dir))
        cfg.set_string("-logfn", os.devnull)
        cfg.set_string("-mfclogdir", log)
        cfg.set_string("-keyphrase", "hello")
        cfg.set_boolean("-remove_silence", drop_silence)
        _DECODERS[key] = (Decoder(cfg), Path(log))
    return _DECODERS[key]


def decoder_cepstra(y: np.ndarray, model_dir: Path = MODEL_DIR, drop_silence: bool = False) -> np.ndarray:
    """The decoder's own cepstra [13, T] of waveform `y` (16 kHz floats; before its cepstral mean removal), read back
    from pocketsphinx's feature log (-mfclogdir): the reference for `SphinxAM.cepstra`, noise-floor tracking included.
    `drop_silence`: as the word-error meter runs, its voice-activity detector removing the frames it calls silence
    (then frames no longer line up with time); by default every frame is kept."""
    dec, log = front_end_decoder(model_dir, drop_silence)
    for f in log.iterdir():
        f.unlink()
    dec.start_utt()
    dec.process_raw((np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes(), False, True)
    dec.end_utt()
    (f,) = log.iterdir()
    return np.frombuffer(f.read_bytes()[4:], dtype="<f4").reshape(-1, N_CEP).T.copy()


def labels_at_frames(labels: torch.Tensor, n_frames: int, stride: int = 1) -> torch.Tensor:
    """Log-mel frame labels [B, T_mel] (hop 256, centred) -> the labels at every `stride`-th judge frame
    [B, n_frames] (frame t centred at 160 t + 205 samples)."""
    t = torch.arange(n_frames, dtype=torch.float64) * stride
    j = torch.round((SHIFT * t + WIN / 2) / HOP).long().clamp(max=labels.shape[-1] - 1)
    return labels[:, j]


def am_phone_loss(am: SphinxAM, y: torch.Tensor, labels: torch.Tensor, temperature: float,
                  stride: int = 2, weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cross-entropy of the judge's phone posteriors (log-likelihoods / `temperature`) of waveform [B, L] against
    log-mel frame labels [B, T_mel] (-1: unlabelled, ignored), on every `stride`-th 10 ms frame (neighbours are
    nearly alike; half the frames halve the cost); frames weighted by their phone's `weight` [P] if given
    (class_weights)."""
    from .phone_net import frame_cross_entropy
    logits = am.phone_loglik(y, stride) / temperature
    return frame_cross_entropy(logits, labels_at_frames(labels, logits.shape[-1], stride), weight)


def _frame_scores(am: SphinxAM, y: np.ndarray, mel_labels: np.ndarray, decoder_features: bool = False,
                  vuv: Optional[np.ndarray] = None) -> tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]:
    """(phone log-likelihoods [P, T], labels [T], voiced flags [T] from the log-mel frames' `vuv` if given) of one
    waveform, on our front end or the decoder's own cepstra."""
    with torch.no_grad():
        if decoder_features:
            c = torch.tensor(decoder_cepstra(y))[None]
            ll = am.score(am.features(c - c.mean(dim=-1, keepdim=True)))[0]
        else:
            ll = am.phone_loglik(torch.tensor(y, dtype=torch.float32)[None])[0]
    at = lambda v: labels_at_frames(torch.tensor(v).long()[None], ll.shape[-1])[0]  # noqa: E731
    return ll, at(mel_labels), None if vuv is None else at(vuv > 0.5) > 0


# Broad manner classes of phone_align's ARPAbet set: where a vocoder loses phones (a stop's burst, a fricative's noise)
# points at what in its synthesis to change.
PHONE_CLASSES = {"vowel": "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW", "stop": "B D G K P T", "affricate": "CH JH",
                 "fricative": "DH F HH S SH TH V Z ZH", "nasal": "M N NG", "liquid/glide": "L R W Y", "silence": "SIL"}


def class_weights(phones: list[str], weights: dict[str, float]) -> torch.Tensor:
    """Per-phone loss weights [P]: each phone of a PHONE_CLASSES class named in `weights` gets that weight, others 1
    (e.g. {"stop": 4}: train harder where a vocoder loses stops)."""
    w = torch.ones(len(phones))
    for name, value in weights.items():
        for p in PHONE_CLASSES[name].split():
            if p in phones:
                w[phones.index(p)] = value
    return w


def _cross_entropy(ll: torch.Tensor, lab: torch.Tensor, m: torch.Tensor, temperature: float) -> float:
    """Cross-entropy of phone log-likelihoods [P, T] / `temperature` against labels [T] on the frames in mask `m`."""
    return F.cross_entropy((ll / temperature).T[m], lab[m]).item()


def _accuracy(ll: torch.Tensor, lab: torch.Tensor, m: torch.Tensor) -> float:
    """Share of the frames in mask `m` whose most likely phone is their label."""
    return (ll.argmax(0)[m] == lab[m]).float().mean().item()


def class_scores(ll: torch.Tensor, lab: torch.Tensor, phones: list[str], temperature: float,
                 voiced: Optional[torch.Tensor] = None) -> dict[str, dict]:
    """Per PHONE_CLASSES class: labelled frames, cross-entropy at `temperature` and accuracy of the frames whose label
    is in the class; with `voiced` [T] also the frames and cross-entropy of its voiced and unvoiced frames (a stop's
    closure and release next to a vowel are voiced by the pitch tracker, its burst is not)."""
    out = {}
    for name, members in PHONE_CLASSES.items():
        m = torch.isin(lab, torch.tensor([phones.index(p) for p in members.split() if p in phones]))
        if m.any():
            out[name] = {"frames": int(m.sum()), "ce": round(_cross_entropy(ll, lab, m, temperature), 3),
                         "acc": round(_accuracy(ll, lab, m), 3)}
            for part, mv in (() if voiced is None else (("voiced", m & voiced), ("unvoiced", m & ~voiced))):
                if mv.any():
                    out[name][part] = {"frames": int(mv.sum()),
                                       "ce": round(_cross_entropy(ll, lab, mv, temperature), 3)}
    return out


def _report(name: str, scores: list[tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]], temperature: float,
            phones: Optional[list[str]] = None) -> None:
    ll = torch.cat([s[0] for s in scores], dim=1)
    lab = torch.cat([s[1] for s in scores])
    voiced = torch.cat([s[2] for s in scores]) if all(s[2] is not None for s in scores) else None
    keep, speech = lab >= 0, lab > 0
    ce, acc = _cross_entropy(ll, lab, keep, temperature), _accuracy(ll, lab, speech)
    print(f"{name}: {int(keep.sum())} frames, cross-entropy {ce:.3f} at temperature {temperature:g}, "
          f"phone accuracy on speech frames {acc:.3f}", flush=True)
    if phones:
        print(f"{name} by class: {json.dumps(class_scores(ll, lab, phones, temperature, voiced))}", flush=True)


def _f0_stats(lf0: np.ndarray, vuv: np.ndarray) -> tuple[float, float]:
    """Mean and spread of a clip's voiced log-F0: the target statistics wer_probe's Vocoders map the F0 onto."""
    return f0_stats(lf0, vuv, (5.0, 0.1))


def _check(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="vc_train.sphinx_am")
    ap.add_argument("--labels", required=True, help="phone_align's pickle")
    ap.add_argument("--clips", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=float, nargs="+", default=[1.0, 3.0, 5.0, 10.0, 30.0])
    ap.add_argument("--converter", default="", help="also convert each clip toward another clip's voice with this "
                    "checkpoint and score the conversion vocoded by each of --vocoders (wer_probe's variant grammar)")
    ap.add_argument("--vocoders", nargs="*", default=["gl"])
    ap.add_argument("--senones", default="ci", choices=["ci", "cd"])
    ap.add_argument("--decoder-features", action="store_true",
                    help="score the decoder's own cepstra (its feature log) instead of this module's front end")
    ap.add_argument("--by-class", action="store_true", help="also report each broad phone class (PHONE_CLASSES), "
                    "split into the frames the source's pitch tracker voiced and the rest")
    ap.add_argument("--resynthesis", action="store_true",
                    help="also score each of --vocoders on the recordings' own log-mels (no conversion)")
    args = ap.parse_args(argv)
    with open(args.labels, "rb") as f:
        d = pickle.load(f)
    am = SphinxAM(d["phones"], args.senones)
    rng = np.random.default_rng(args.seed)
    keys = sorted(d["labels"])
    pick = [keys[i] for i in rng.choice(len(keys), size=min(args.clips, len(keys)), replace=False)]
    from .vocoder_net import load_clip
    clips = [(p, c) for p, c in ((p, load_clip(p, d["labels"][p])) for p in pick) if c is not None]
    real = [_frame_scores(am, c.audio, c.phones, args.decoder_features, c.vuv) for _, c in clips]
    by_class = d["phones"] if args.by_class else None
    for t in args.temperature:
        _report("recordings", real, t, by_class)
    from .wer_probe import Vocoders
    vocode = Vocoders()
    if args.resynthesis:
        for spec in args.vocoders:
            _report(f"{spec} resynthesis", [_frame_scores(am, vocode(spec, c.mel, c.lf0, c.vuv, _f0_stats(c.lf0, c.vuv)),
                                                          c.phones, args.decoder_features, c.vuv) for _, c in clips],
                    args.temperature[0], by_class)
    if not args.converter:
        return 0
    from .vocoder_net import Converter
    conv = Converter(args.converter)
    converted = []
    for i, (_, a) in enumerate(clips):
        b = clips[(i + 1 + int(rng.integers(0, len(clips) - 1))) % len(clips)][1]
        mel, lt = conv.convert(a, b, 0, a.mel.shape[1])
        converted.append((mel, lt, a.vuv, _f0_stats(lt, a.vuv), a.phones))
    for spec in args.vocoders:
        _report(spec, [_frame_scores(am, vocode(spec, m, lt, vv, tgt), ph, args.decoder_features, vv)
                       for m, lt, vv, tgt, ph in converted],
                args.temperature[0], by_class)
    return 0


if __name__ == "__main__":
    sys.exit(_check())
