"""Held-out evaluation (DESIGN §7): parallel conversions between unseen voices on unseen sentences.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.eval --ckpt ckpt/cont/last.pt [--vq-ckpt ckpt/vq/last.pt] --corpus /work/corpus \
      [--per-pair 6] [--wer-max 60] [--targets heldout|builtin] [--out ../eval]

Rows: source (no conversion), source through Griffin-Lim, pitch-shift voice changer (sox `pitch`, formants kept),
ours (continuous, Griffin-Lim 32 it. like the app), ours (VQ), and the real target (oracle).
Metrics per row, overall and per direction (F->M, M->F, same gender):
  - MCD (dB) after DTW against the real target saying the same sentence: mel-cepstrum c1..c24 = DCT-II (1/M scaling, i.e. the
    real cepstrum) of the §3 natural-log mel of the waveform, speech frames only, 10/ln10 * sqrt(2 * sum d^2);
  - speaker identification by an independent classifier (MFCC 25 ms/10 ms, 40 HTK bands, c1..c19 mean+std,
    standardized, nearest centroid over the candidates' real enrolment audio): % to target, % still source;
  - WER with pocketsphinx (en-us acoustic model) and a trigram LM built over the ARCTIC prompts.
Also: anomaly-score AUROC (clean held-out speech vs corrupted / non-speech signals).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import soundfile as sf
import torch

from .data import load_voice, voice_info
from .data_root import data_path
from .export import ANOMALY_METRIC, recon_error
from .f0 import f0_yin
from .features import log_mel
from .model import VCModel, f0_input
from .train import load_model, load_sharing_speaker
from .vocoder import griffin_lim

SR = 16000
PROMPTS = data_path("prompts/arctic.tsv")
PS_MODEL = "/usr/share/pocketsphinx/model/en-us"


# ---------------------------------------------------------------- metrics
def mcep(audio: np.ndarray, n: int = 24) -> np.ndarray:
    """Speech frames of the mel-cepstrum c1..cn [frames, n]."""
    lm = log_mel(audio).astype(np.float64)  # [80, T]
    k = np.arange(80)
    # c_n = (1/M) sum_k L_k cos(pi n (k + 1/2) / M): the real cepstrum of the (mel-warped) log-amplitude spectrum
    basis = np.cos(np.pi / 80 * (k[None, :] + 0.5) * np.arange(n + 1)[:, None]) / 80.0
    c = (basis @ lm).T  # [T, n+1]
    energy = lm.mean(0)
    keep = energy > energy.max() - 3.5  # within ~30 dB of the loudest frame
    return c[keep, 1:]


def dtw_cost(a: np.ndarray, b: np.ndarray) -> float:
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    n, m = d.shape
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    L = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            opts = (D[i - 1, j - 1], D[i - 1, j], D[i, j - 1])
            k = int(np.argmin(opts))
            pi, pj = [(i - 1, j - 1), (i - 1, j), (i, j - 1)][k]
            D[i, j] = d[i - 1, j - 1] + opts[k]
            L[i, j] = L[pi, pj] + 1
    return float(D[n, m] / L[n, m])


def mcd(conv: np.ndarray, ref: np.ndarray) -> float:
    a, b = mcep(conv), mcep(ref)
    # mean Euclidean distance along the DTW path -> MCD in dB
    return 10.0 / math.log(10) * math.sqrt(2.0) * dtw_cost(a, b)


_HTK: dict[str, np.ndarray] = {}


def mfcc_stats(audio: np.ndarray) -> np.ndarray:
    """Independent speaker features: 25 ms Hamming frames, 10 ms hop, 512-FFT power, 40 HTK mel bands
    20-7600 Hz, log, DCT -> c1..c19; mean and std over speech frames."""
    if "fb" not in _HTK:
        mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
        imel = lambda m: 700 * (10 ** (m / 2595) - 1)  # noqa: E731
        pts = imel(np.linspace(mel(20), mel(7600), 42))
        bins = np.fft.rfftfreq(512, 1 / SR)
        fb = np.zeros((40, len(bins)))
        for i in range(40):
            lo, c, hi = pts[i], pts[i + 1], pts[i + 2]
            fb[i] = np.maximum(0, np.minimum((bins - lo) / (c - lo), (hi - bins) / (hi - c)))
        _HTK["fb"] = fb
        k = np.arange(40)
        _HTK["dct"] = np.cos(np.pi / 40 * (k[None, :] + 0.5) * np.arange(20)[:, None])
    x = np.asarray(audio, np.float64)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    n = 1 + max(0, (len(x) - 400) // 160)
    idx = np.arange(400)[None, :] + 160 * np.arange(n)[:, None]
    fr = x[np.minimum(idx, len(x) - 1)] * np.hamming(400)
    p = np.abs(np.fft.rfft(fr, 512, axis=1)) ** 2
    lm = np.log(p @ _HTK["fb"].T + 1e-10)
    c = lm @ _HTK["dct"].T
    e = lm.mean(1)
    keep = e > e.max() - 7.0
    c = c[keep, 1:20]
    return np.concatenate([c.mean(0), c.std(0)])


class SpeakerID:
    def __init__(self, enrol: dict[str, list[np.ndarray]]) -> None:
        self.names = sorted(enrol)
        allv = np.stack([mfcc_stats(a) for n in self.names for a in enrol[n]])
        self.mu = allv.mean(0)
        self.sd = allv.std(0) + 1e-8
        self.cent = np.stack([np.mean([(mfcc_stats(a) - self.mu) / self.sd for a in enrol[n]], axis=0)
                              for n in self.names])

    def predict(self, audio: np.ndarray) -> str:
        v = (mfcc_stats(audio) - self.mu) / self.sd
        return self.names[int(np.argmin(((self.cent - v) ** 2).sum(1)))]


# ---------------------------------------------------------------- ASR
def norm_words(text: str) -> list[str]:
    return [w.strip("'") for w in re.findall(r"[a-z']+", text.lower()) if w.strip("'")]


def cmu_pronunciations() -> dict[str, list[str]]:
    """word -> its pronunciations in pocketsphinx's en-us dictionary (phone strings, the dictionary's order)."""
    out: dict[str, list[str]] = defaultdict(list)
    with open(os.path.join(PS_MODEL, "cmudict-en-us.dict"), encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if parts:
                out[re.sub(r"\(\d+\)$", "", parts[0])].append(" ".join(parts[1:]))
    return out


def pcm16(audio: np.ndarray) -> np.ndarray:
    """The recogniser's input: audio peak-normalised to 0.9 of full scale as 16-bit PCM."""
    return (np.clip(audio, -1, 1) * 32767 * 0.9 / max(1e-4, float(np.abs(audio).max()))).astype(np.int16)


def build_lm(workdir: Path, texts: Optional[list[str]] = None, name: str = "arctic") -> tuple[str, str]:
    """Trigram ARPA LM (absolute discounting, back-off) over the ARCTIC prompts (or `texts`) + a dictionary subset."""
    dict_words = cmu_pronunciations()
    if texts is None:
        with open(PROMPTS, encoding="utf-8") as f:
            texts = [line.split("\t", 1)[1] for line in f if "\t" in line]
    sents = []
    for t in texts:
        ws = [w for w in norm_words(t) if w in dict_words]
        sents.append(["<s>"] + ws + ["</s>"])
    vocab = sorted({w for s in sents for w in s})
    counts = [Counter() for _ in range(3)]
    for s in sents:
        for n in range(3):
            for i in range(len(s) - n):
                counts[n][tuple(s[i:i + n + 1])] += 1
    D = 0.7
    total = sum(c for g, c in counts[0].items() if g != ("<s>",))
    lines = []
    prob: list[dict] = [{}, {}, {}]
    bow: list[dict] = [{}, {}]
    for g, c in counts[0].items():
        prob[0][g] = c / total if g != ("<s>",) else 1e-99
    for n in (1, 2):
        ctx_tot: Counter = Counter()
        ctx_types: Counter = Counter()
        for g, c in counts[n].items():
            ctx_tot[g[:-1]] += c
            ctx_types[g[:-1]] += 1
        for g, c in counts[n].items():
            prob[n][g] = (c - D) / ctx_tot[g[:-1]]
        by_ctx: dict = defaultdict(list)
        for g in counts[n]:
            by_ctx[g[:-1]].append(g)
        for ctx, gs in by_ctx.items():
            left = D * ctx_types[ctx] / ctx_tot[ctx]
            lower = 0.0
            for g in gs:
                lg = g[1:]
                lp = prob[n - 1].get(lg)
                if lp is None:  # trigram whose bigram suffix is unseen: back off to the unigram
                    lp = bow[0].get(lg[:1], 1.0) * prob[0].get(lg[-1:], 0.0)
                lower += lp
            bow[n - 1][ctx] = left / max(1e-6, 1.0 - lower)
    lines.append("\\data\\")
    for n in range(3):
        lines.append(f"ngram {n + 1}={len(prob[n])}")
    for n in range(3):
        lines.append("")
        lines.append(f"\\{n + 1}-grams:")
        for g, p in sorted(prob[n].items()):
            lp = math.log10(max(p, 1e-99)) if g != ("<s>",) else -99.0
            if n < 2:
                b = bow[n].get(g, None)
                lines.append(f"{lp:.4f}\t{' '.join(g)}" + (f"\t{math.log10(b):.4f}" if b else ""))
            else:
                lines.append(f"{lp:.4f}\t{' '.join(g)}")
    lines.append("")
    lines.append("\\end\\")
    lm = workdir / f"{name}.lm"
    lm.write_text("\n".join(lines) + "\n")
    dic = workdir / f"{name}.dic"
    with open(dic, "w") as f:
        for w in vocab:
            if w in ("<s>", "</s>"):
                continue
            for i, pr in enumerate(dict_words[w]):
                f.write(f"{w}{'' if i == 0 else f'({i + 1})'} {pr}\n")
    return str(lm), str(dic)


class ASR:
    """pocketsphinx with a trigram LM over `texts` (default: the ARCTIC prompts) written to `workdir`, or with `name`
    "generic": the model's own general English LM and full dictionary (no test sentence in it: what a recording is
    heard as, not which known sentence it is closest to)."""

    def __init__(self, workdir: Path, texts: Optional[list[str]] = None, name: str = "arctic") -> None:
        from pocketsphinx import Decoder
        if name == "generic":
            lm, dic = os.path.join(PS_MODEL, "en-us.lm.bin"), os.path.join(PS_MODEL, "cmudict-en-us.dict")
        else:
            lm, dic = build_lm(workdir, texts, name)
        cfg = Decoder.default_config()
        cfg.set_string("-hmm", os.path.join(PS_MODEL, "en-us"))
        cfg.set_string("-lm", lm)
        cfg.set_string("-dict", dic)
        cfg.set_string("-logfn", "/dev/null")
        self.dec = Decoder(cfg)

    def recognise(self, audio: np.ndarray) -> str:
        self.dec.start_utt()
        self.dec.process_raw(pcm16(audio).tobytes(), False, True)
        self.dec.end_utt()
        h = self.dec.hyp()
        return h.hypstr if h is not None else ""


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    r, h = norm_words(ref), norm_words(hyp)
    d = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        prev, d[0] = d[0], i
        for j in range(1, len(h) + 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r[i - 1] != h[j - 1]))
            prev, d[j] = d[j], cur
    return d[len(h)], len(r)


# ---------------------------------------------------------------- conversion (mirrors the engine)
@torch.no_grad()
def embed(model: VCModel, mels: list[np.ndarray]) -> torch.Tensor:
    es = torch.cat([model.speaker(torch.from_numpy(m).unsqueeze(0)) for m in mels])
    m = es.mean(0, keepdim=True)
    return m / m.norm()


def f0_stats(lf0: np.ndarray, vuv: np.ndarray, fallback: tuple[float, float]) -> tuple[float, float]:
    """Mean and spread (+ 1e-3) of the voiced frames' log-F0; `fallback` with fewer than three voiced frames."""
    v = vuv > 0.5
    return (float(lf0[v].mean()), float(lf0[v].std()) + 1e-3) if v.sum() > 2 else (fallback[0], fallback[1])


def map_f0(lf0: np.ndarray, vuv: np.ndarray, tgt_f0: tuple[float, float]) -> np.ndarray:
    """Source log-F0 moved to the target's mean and spread (what the decoder and the vocoder are given)."""
    ms, ss = f0_stats(lf0, vuv, tgt_f0)
    return np.where(vuv > 0.5, (lf0 - ms) / ss * tgt_f0[1] + tgt_f0[0], 0.0).astype(np.float32)


@torch.no_grad()
def convert(model: VCModel, mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, emb: torch.Tensor,
            tgt_f0: tuple[float, float], vq: bool = False) -> np.ndarray:
    lf = map_f0(lf0, vuv, tgt_f0)
    x = torch.from_numpy(mel).unsqueeze(0)
    z = model.content.pre(x)
    if vq:
        z, _, _ = model.content.quantize(z)
    y = model.decoder(z, emb, f0_input(torch.from_numpy(lf).unsqueeze(0), torch.from_numpy(vuv).unsqueeze(0)))
    return y[0].numpy()


@torch.no_grad()
def convert_streaming(model: VCModel, mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, emb: torch.Tensor,
                      tgt_f0: tuple[float, float], block: int = 4, context: int = 62) -> np.ndarray:
    """Live mode's conversion, block by block as src/stream/streaming-converter.ts runs it: every `block` frames the
    graphs re-run on a window of `context` past frames + the block + the graphs' lookahead, and only the block's
    frames (now final) are kept. With the streaming graphs (causal, per-frame norm) this differs from one pass over
    the whole clip only by the history cut off at the window's left edge. A 'running' content norm normalizes each
    content channel by the mean/std of all frames final so far (the engine's running statistics). The pitch is
    mapped with the clip's statistics (live mode's running statistics converge to them after the first seconds)."""
    la = model.cfg.lookahead
    running = model.cfg.streaming and model.cfg.content_norm == "running"
    lf = torch.from_numpy(map_f0(lf0, vuv, tgt_f0)).unsqueeze(0)
    x = torch.from_numpy(mel).unsqueeze(0)
    fi = f0_input(lf, torch.from_numpy(vuv).unsqueeze(0))
    T = mel.shape[1]
    out = np.zeros_like(mel)
    s1 = torch.zeros(1, model.cfg.content_dim, 1)
    s2 = torch.zeros_like(s1)
    n = 0
    for b0 in range(0, T, block):
        b1 = min(T, b0 + block)
        w0, w1 = max(0, b0 - context), min(T, b1 + la)
        if running:
            z = model.content.raw(x[:, :, w0:w1])
            final = z[:, :, b0 - w0:b1 - w0]  # this block's frames join the running statistics
            s1, s2, n = s1 + final.sum(2, keepdim=True), s2 + (final * final).sum(2, keepdim=True), n + final.shape[2]
            mu = s1 / n
            z = (z - mu) / torch.sqrt(torch.clamp(s2 / n - mu * mu, min=0.0) + 1e-5)
        else:
            z = model.content.pre(x[:, :, w0:w1])
        y = model.decoder(z, emb, fi[:, :, w0:w1])
        out[:, b0:b1] = y[0, :, b0 - w0:b1 - w0].numpy()
    return out


Vocode = Callable[[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]], np.ndarray]


def make_vocoder(vocoder: str, gl_iters: int, passes: int = 4, detail_floor: float = 0.0) -> Vocode:
    """(converted log-mel, source log-F0, voiced, target F0 stats) -> audio: the neural source-filter vocoder with the
    network at `vocoder` (checkpoint or vocoder.onnx), given the converted pitch the decoder got, `passes` consistency
    passes and the network's detail raised to at least `detail_floor`, or Griffin-Lim with `gl_iters` iterations
    when `vocoder` is empty."""
    if not vocoder:
        return lambda mel, lf0, vuv, tgt: griffin_lim(mel, gl_iters)
    from .source_filter import synthesize
    from .vocoder_net import free_voicing_of, load_aperiodicity
    controls = load_aperiodicity(vocoder)
    free = free_voicing_of(vocoder)

    def neural(mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, tgt: tuple[float, float]) -> np.ndarray:
        lf = map_f0(lf0, vuv, tgt)
        a, d, env = controls(mel, lf, vuv)
        return synthesize(env, lf, vuv, a, detail=np.maximum(d, detail_floor), iterations=passes, free_voicing=free)
    return neural


def pitch_shift(audio: np.ndarray, cents: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        a, b = os.path.join(td, "a.wav"), os.path.join(td, "b.wav")
        sf.write(a, audio, SR, subtype="FLOAT")
        subprocess.run(["sox", a, b, "pitch", f"{cents:.0f}"], check=True, stderr=subprocess.DEVNULL)
        y, _ = sf.read(b, dtype="float32")
    return y


def auroc(neg: list[float], pos: list[float]) -> float:
    n, p = np.asarray(neg), np.asarray(pos)
    return float(((p[:, None] > n[None, :]).mean() + 0.5 * (p[:, None] == n[None, :]).mean()))


# ---------------------------------------------------------------- main
def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="ckpt/cont/last.pt")
    ap.add_argument("--vq-ckpt", default="")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--per-pair", type=int, default=6)
    ap.add_argument("--wer-max", type=int, default=60, help="clips per row scored by ASR (balanced subset)")
    ap.add_argument("--gl-iters", type=int, default=32)
    ap.add_argument("--vocoder", default="", help="the neural vocoder's network (checkpoint or vocoder.onnx); default Griffin-Lim")
    ap.add_argument("--name", default="", help="output file stem (default results_<targets>)")
    ap.add_argument("--targets", choices=["heldout", "builtin"], default="heldout")
    ap.add_argument("--builtin", default="rhvoice-bdl,rhvoice-slt,cathy,flite-kal16")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "eval"))
    ap.add_argument("--no-anomaly", action="store_true")
    ap.add_argument("--no-wer", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t_start = time.time()
    corpus = Path(args.corpus)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, ck = load_model(args.ckpt)
    vqm = load_sharing_speaker(args.vq_ckpt, model)[0] if args.vq_ckpt else None
    info = voice_info(corpus)
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        meta = list(csv.DictReader(f, delimiter="\t"))
    path_of = {(r["voice"], os.path.splitext(os.path.basename(r["path"]))[0]): r["path"] for r in meta}
    text_of = {r["sentence"]: r["text"] for r in meta}

    # the synthetic set: held-out TTS voices (the real held-out speakers have their own evaluation, eval_real.py)
    sources = sorted(v for v, i in info.items() if i["role"] == "heldout" and i["licence"] != "CC-BY-4.0")
    targets = sources if args.targets == "heldout" else args.builtin.split(",")
    voices = sorted(set(sources) | set(targets))
    test = {v: {u.sentence: u for u in load_voice(corpus, v, {"test"})} for v in voices}
    enrol_split = {v: ({"enrol"} if info[v]["role"] == "heldout" else {"train"}) for v in voices}
    enrol = {v: load_voice(corpus, v, enrol_split[v])[:24] for v in voices}
    audio = lambda v, uid: sf.read(path_of[(v, uid)], dtype="float32")[0]  # noqa: E731
    emb = {v: embed(model, [u.mel for u in enrol[v]]) for v in voices}
    f0st = {}
    for v in voices:
        lf = np.concatenate([u.lf0[u.vuv > 0.5] for u in enrol[v]])
        f0st[v] = (float(lf.mean()), float(lf.std()))
    sid = SpeakerID({v: [audio(v, u.uid) for u in enrol[v]] for v in voices})
    sents = sorted(set.intersection(*[set(test[v]) for v in voices]))
    print(f"eval: sources {sources}, targets {targets}, {len(sents)} common test sentences", flush=True)

    pairs = [(s, t) for s in sources for t in targets if s != t]
    clips = []
    k = 0
    for s, t in pairs:
        for _ in range(args.per_pair):
            clips.append((s, t, sents[k % len(sents)]))
            k += 1

    def direction(s: str, t: str) -> str:
        gs, gt = info[s]["gender"], info[t]["gender"]
        return "same" if gs == gt else ("F->M" if gs == "female" else "M->F")

    vocode = make_vocoder(args.vocoder, args.gl_iters)
    rows = ["source (no conversion)", "source via Griffin-Lim"] + (["source via the neural vocoder"] if args.vocoder else []) + [
        "pitch-shift baseline", "ours (continuous)"]
    if vqm is not None:
        rows.append("ours (VQ)")
    rows.append("real target (oracle)")
    # balanced ASR subset: every k-th clip
    wer_idx = set(np.linspace(0, len(clips) - 1, min(args.wer_max, len(clips))).round().astype(int).tolist())
    asr = None if args.no_wer else ASR(out)
    per: dict[str, list[dict]] = {r: [] for r in rows}
    wav_dir = out / "samples"
    for ci, (s, t, sent) in enumerate(clips):
        su, tu = test[s][sent], test[t][sent]
        src_audio = audio(s, su.uid)
        tgt_audio = audio(t, tu.uid)
        outs: dict[str, np.ndarray] = {}
        outs["source (no conversion)"] = src_audio
        outs["source via Griffin-Lim"] = griffin_lim(su.mel, args.gl_iters)
        if args.vocoder:
            outs["source via the neural vocoder"] = vocode(su.mel, su.lf0, su.vuv, f0st[s])
        cents = 1200 * (f0st[t][0] - f0st[s][0]) / math.log(2)
        outs["pitch-shift baseline"] = pitch_shift(src_audio, cents)
        outs["ours (continuous)"] = vocode(convert(model, su.mel, su.lf0, su.vuv, emb[t], f0st[t]), su.lf0, su.vuv, f0st[t])
        if vqm is not None:
            outs["ours (VQ)"] = vocode(convert(vqm, su.mel, su.lf0, su.vuv, emb[t], f0st[t], vq=True), su.lf0, su.vuv, f0st[t])
        outs["real target (oracle)"] = tgt_audio
        for r in rows:
            y = outs[r]
            pred = sid.predict(y)
            rec = {"src": s, "tgt": t, "sent": sent, "dir": direction(s, t), "mcd": mcd(y, tgt_audio),
                   "to_target": pred == t, "still_source": pred == s, "pred": pred}
            if asr is not None and ci in wer_idx:
                hyp = asr.recognise(y)
                e, n = word_errors(text_of[sent], hyp)
                rec.update(err=e, words=n, hyp=hyp)
            per[r].append(rec)
        if ci < 4:
            wav_dir.mkdir(exist_ok=True)
            for r in ("ours (continuous)", "ours (VQ)", "source (no conversion)"):
                if r in outs:
                    tag = r.split()[0] + ("-vq" if "VQ" in r else "")
                    sf.write(str(wav_dir / f"{s}_to_{t}_{sent}_{tag}.wav"), outs[r] / max(1e-4, np.abs(outs[r]).max()) * 0.9,
                             SR, subtype="PCM_16")
        if (ci + 1) % 20 == 0:
            print(f"  {ci + 1}/{len(clips)} clips, {time.time() - t_start:.0f}s", flush=True)

    def summarise(recs: list[dict]) -> dict:
        d: dict = {"n": len(recs)}
        if not recs:
            return d
        d["mcd"] = round(float(np.mean([r["mcd"] for r in recs])), 2)
        d["spkId_target_pct"] = round(100 * float(np.mean([r["to_target"] for r in recs])), 1)
        d["spkId_source_pct"] = round(100 * float(np.mean([r["still_source"] for r in recs])), 1)
        w = [r for r in recs if "err" in r]
        if w:
            d["wer_pct"] = round(100 * sum(r["err"] for r in w) / max(1, sum(r["words"] for r in w)), 1)
            d["wer_n"] = len(w)
        return d

    table: dict = {}
    for r in rows:
        table[r] = {"all": summarise(per[r])}
        for dn in ("F->M", "M->F", "same"):
            table[r][dn] = summarise([x for x in per[r] if x["dir"] == dn])
    # per target gender (the prototype's failure mode)
    for r in rows:
        for g in ("female", "male"):
            table[r][f"to {g}"] = summarise([x for x in per[r] if info[x["tgt"]]["gender"] == g])

    anomaly = {} if args.no_anomaly else anomaly_eval(model, corpus, sources, path_of)
    res = {"targets": args.targets, "sources": sources, "targetVoices": targets, "candidates": voices,
           "chancePct": round(100 / len(voices), 1), "clips": len(clips), "perPair": args.per_pair,
           "griffinLimIters": args.gl_iters, "table": table, "anomaly": anomaly,
           "vocoder": "neural source-filter (4 passes)" if args.vocoder else f"Griffin-Lim {args.gl_iters}",
           "speakerIdCandidates": voices, "checkpoint": {"steps": ck["step"], "minutes": round(ck["elapsed"] / 60, 1)},
           "seconds": round(time.time() - t_start)}
    with open(out / f"{args.name or 'results_' + args.targets}.json", "w") as f:
        json.dump(res, f, indent=1)
    with open(out / f"{(args.name or 'results_' + args.targets).replace('results', 'clips')}.json", "w") as f:
        json.dump(per, f, indent=0, default=str)
    md = to_markdown(res)
    (out / f"{args.name or 'results_' + args.targets}.md").write_text(md)
    print(md, flush=True)
    # merge into manifest.evaluation
    man_path = Path(args.out).parent / "manifest.json"
    if man_path.exists() and not args.name:
        man = json.loads(man_path.read_text())
        ev = man.get("evaluation", {})
        if not isinstance(ev, dict) or "status" in ev:
            ev = {}
        ev[args.targets] = {k: v for k, v in res.items() if k != "anomaly"}
        if anomaly:
            ev["anomalyAuroc"] = anomaly
        man["evaluation"] = ev
        man_path.write_text(json.dumps(man, indent=1))
    return 0


def anomaly_eval(model: VCModel, corpus: Path, voices: list[str], path_of: dict, n: int = 24) -> dict:
    """AUROC of the utterance anomaly score (mean per-frame metric) clean vs corrupted."""
    rng = np.random.default_rng(0)
    clean_utts = []
    for v in voices + ["cathy"]:
        clean_utts += [(v, u.uid) for u in load_voice(corpus, v, {"test"})[: max(1, n // (len(voices) + 1))]]
    clean = [sf.read(path_of[k], dtype="float32")[0] for k in clean_utts]

    def score(x: np.ndarray) -> float:
        x = np.asarray(x, np.float32)
        m = log_mel(x)
        lf, vv = f0_yin(x)
        return float(recon_error(model, m, np.asarray(lf, np.float32), np.asarray(vv, np.float32)).mean())

    def pink(nn: int) -> np.ndarray:
        w = np.fft.rfft(rng.standard_normal(nn))
        f = np.arange(len(w)) + 1.0
        return np.fft.irfft(w / np.sqrt(f), nn)

    def chord(nn: int) -> np.ndarray:
        t = np.arange(nn) / SR
        y = np.zeros(nn)
        for note in rng.choice(np.arange(40, 80), size=3, replace=False):
            f0 = 440 * 2 ** ((note - 69) / 12)
            for h in range(1, 5):
                y += np.sin(2 * np.pi * f0 * h * t) / h
        return y

    def unit(y: np.ndarray, peak: float = 0.5) -> np.ndarray:
        return (y / max(1e-9, np.abs(y).max()) * peak).astype(np.float32)

    kinds = {
        "white noise": lambda x: unit(rng.standard_normal(len(x)), 0.3),
        "pink noise": lambda x: unit(pink(len(x)), 0.5),
        "tones/chords": lambda x: unit(chord(len(x)), 0.5),
        "clipped speech": lambda x: np.clip(x * 8, -0.3, 0.3).astype(np.float32),
        "speech in 0 dB noise": lambda x: (x + rng.standard_normal(len(x)) * np.sqrt(np.mean(x ** 2))).astype(np.float32),
        "reversed speech": lambda x: x[::-1].copy(),
        "silence": lambda x: (rng.standard_normal(len(x)) * 1e-5).astype(np.float32),
    }
    sc = [score(x) for x in clean]
    res = {"metric": ANOMALY_METRIC + "; utterance score = mean over frames", "clean": {"n": len(sc),
           "meanScore": round(float(np.mean(sc)), 3)}, "auroc": {}}
    for name, fn in kinds.items():
        s = [score(fn(x)) for x in clean]
        res["auroc"][name] = {"auroc": round(auroc(sc, s), 3), "meanScore": round(float(np.mean(s)), 3)}
    return res


def to_markdown(res: dict) -> str:
    lines = [f"Targets: {res['targets']} ({', '.join(res['targetVoices'])}); sources: {', '.join(res['sources'])}; "
             f"{res['clips']} conversions; speaker-ID chance {res['chancePct']}% over {len(res['candidates'])} candidates.",
             "", "| row | dir | n | MCD dB | spk-ID → target % | still source % | WER % (n) |", "|---|---|---|---|---|---|---|"]
    for r, d in res["table"].items():
        for dn in ("all", "F->M", "M->F", "same", "to female", "to male"):
            x = d.get(dn, {})
            if not x.get("n"):
                continue
            w = f"{x['wer_pct']} ({x['wer_n']})" if "wer_pct" in x else "-"
            lines.append(f"| {r} | {dn} | {x['n']} | {x['mcd']} | {x['spkId_target_pct']} | {x['spkId_source_pct']} | {w} |")
    if res.get("anomaly"):
        a = res["anomaly"]
        lines += ["", f"Anomaly score AUROC vs clean held-out speech (n={a['clean']['n']}, clean mean score "
                  f"{a['clean']['meanScore']}):", "", "| condition | AUROC | mean score |", "|---|---|---|"]
        for k, v in a["auroc"].items():
            lines.append(f"| {k} | {v['auroc']} | {v['meanScore']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
