"""Word error of converted speech under vocoder variants, paired on eval_real's trials (what costs the words?).

Why this file exists: the neural vocoder loses 2-4 words in 100 of converted speech to Griffin-Lim 32 on the 256 real
held-out trials while winning resynthesis. eval_real answers "how much" with a full run per vocoder (~12 min, speaker
ID and all); this probe answers "which synthesis change moves it" by converting the transcribed trials once (the same
seeded draw as eval_real, `draw_trials`), caching the converted log-mels, and running only vocoder + ASR per variant.
Each variant's clips are kept, so a later run adds variants without redoing earlier ones; the summary pairs every
variant with the first (bootstrap interval over utterances, eval_vocoder.paired_wer). Seeds are variants too: the vocoder's
own randomness (Griffin-Lim's initial phase, the source-filter noise) moves pocketsphinx by a point or two. Draws are
too: `--seed 7,8` scores two trial draws one by one and then pools their clips into one larger paired comparison
(`11:enrol`: a draw whose sources are the other half of the held-out speakers' clips, new utterances).

Variant grammar: `kind[:key=value]...`
  src                     the source recording itself, unconverted (the recogniser's floor on these speakers)
  gl                      Griffin-Lim; iters=32, seed=0
  nv                      neural source-filter; ckpt=ckpt/shipped/vocoder.pt, passes=3, floor=0.6, ap=1 (aperiodicity
                          scale), seed=0 (added to the synthesis noise seed)
  hy                      nv's output, then `gl` more Griffin-Lim iterations from its phase (gl=8, + nv's keys);
                          gate=1 keeps nv's output in voiced frames (voicing_gate)
  any kind: gv=1.0        log-mel deviation from each band's utterance mean scaled (global-variance postfilter)
            sharp=1.0     log-mel deviation from each frame's envelope smoothed across bands scaled (formant postfilter)

Usage (from models/train):
  /usr/bin/python3 -m vc_train.wer_probe --per-dir 64 gl gl:seed=1 nv nv:seed=1 hy:gl=8 --out /tmp/probe --pool-seeds
"""
from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf
import torch
from scipy.ndimage import gaussian_filter1d

from .asr_front import SphinxMfcc
from .data import load_voice
from .eval import ASR, convert, map_f0, word_errors
from .eval_real import DIRS, draw_trials, one_shot, reference
from .eval_vocoder import paired_wer
from .features import HOP
from .real import read_split
from .source_filter import NOISE_SEED, synthesize
from .train import load_model
from .vocoder import griffin_lim
from .vocoder_net import synth_magnitude

DEFAULTS = {"src": {"seed": 0},
            "gl": {"iters": 32, "seed": 0},
            "nv": {"ckpt": "ckpt/shipped/vocoder.pt", "passes": 3, "floor": 0.6, "ap": 1.0, "seed": 0},
            "hy": {"gl": 8, "gate": 0, "ckpt": "ckpt/shipped/vocoder.pt", "passes": 3, "floor": 0.6, "ap": 1.0,
                   "seed": 0}}


def parse_variant(spec: str) -> tuple[str, dict]:
    """`kind:key=value:...` -> (kind, parameters with defaults; numbers as float or int, `gv` 1.0 by default)."""
    kind, *pairs = spec.split(":")
    if kind not in DEFAULTS:
        raise ValueError(f"unknown vocoder kind {kind!r} in {spec!r} (src, gl, nv, hy)")
    params: dict = {**DEFAULTS[kind], "gv": 1.0, "sharp": 1.0}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or k not in params:
            raise ValueError(f"bad parameter {p!r} in {spec!r}; {kind} takes {sorted(params)}")
        d = params[k]
        params[k] = v if isinstance(d, str) else int(float(v)) if isinstance(d, int) else float(v)
    return kind, params


def gv_postfilter(mel: np.ndarray, scale: float) -> np.ndarray:
    """Each band's deviation from its mean over the utterance scaled by `scale` (1: unchanged)."""
    if scale == 1.0:
        return mel
    mu = mel.mean(axis=1, keepdims=True)
    return mu + scale * (mel - mu)


def formant_postfilter(mel: np.ndarray, scale: float, bands: float = 3.0) -> np.ndarray:
    """Each frame's deviation from its log-mel smoothed across bands (Gaussian, std `bands`) scaled by `scale`: peaks
    (formants) raised and valleys deepened for scale > 1 (1: unchanged)."""
    if scale == 1.0:
        return mel
    smooth = gaussian_filter1d(mel.astype(np.float64), bands, axis=0, mode="nearest", truncate=3.0)
    return (smooth + scale * (mel - smooth)).astype(mel.dtype)


def voicing_gate(voiced: np.ndarray, unvoiced: np.ndarray, vuv: np.ndarray) -> np.ndarray:
    """`voiced` where the frames are voiced, `unvoiced` elsewhere, crossfaded linearly over the hop between frame
    centres (frame j centred at sample j * HOP)."""
    m = np.interp(np.arange(len(voiced)) / HOP, np.arange(len(vuv)), (vuv > 0.5).astype(np.float64))
    return (m * voiced + (1.0 - m) * unvoiced).astype(voiced.dtype)


def refine_griffin_lim(y0: np.ndarray, log_mel: np.ndarray, iters: int) -> np.ndarray:
    """`iters` Griffin-Lim iterations toward the log-mel's magnitude, starting from y0's phase (same length as y0)."""
    return griffin_lim(log_mel, iters, init=y0, length=len(y0))


class Vocoders:
    """Runs variants; aperiodicity networks are loaded once per checkpoint."""

    def __init__(self) -> None:
        self.nets: dict = {}

    def __call__(self, spec: str, mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, tgt: tuple[float, float]) -> np.ndarray:
        kind, p = parse_variant(spec)
        mel = formant_postfilter(gv_postfilter(mel, p["gv"]), p["sharp"])
        if kind == "gl":
            return griffin_lim(mel, p["iters"], seed=p["seed"])
        if p["ckpt"] not in self.nets:
            from .vocoder_net import load_aperiodicity
            self.nets[p["ckpt"]] = load_aperiodicity(p["ckpt"])
        lf = map_f0(lf0, vuv, tgt)
        a, d, env = self.nets[p["ckpt"]](mel, lf, vuv)
        y = synthesize(env, lf, vuv, np.clip(a * p["ap"], 0.0, 1.0), detail=np.maximum(d, p["floor"]),
                       iterations=p["passes"], seed=NOISE_SEED + p["seed"])
        if kind != "hy":
            return y
        z = refine_griffin_lim(y, mel, p["gl"])
        return voicing_gate(y, z, vuv) if p["gate"] else z


Draw = tuple[int, str]  # (eval_real's trial seed, the half of the held-out speakers' clips the sources come from)
HALVES = ("test", "enrol")


def parse_draws(spec: str) -> list[Draw]:
    """`7,8,11:enrol` -> [(7, "test"), (8, "test"), (11, "enrol")]. Sources come from the `test` half of the held-out
    speakers' clips (eval_real's) unless a draw names `enrol`: the other half, about as many utterances again, never
    trained on (the one-shot references are enrol clips of the target speaker, never of the source's)."""
    draws = []
    for part in spec.split(","):
        seed, _, half = part.partition(":")
        if (half or "test") not in HALVES:
            raise argparse.ArgumentTypeError(f"unknown source half {half!r} in {part!r} ({', '.join(HALVES)})")
        draws.append((int(seed), half or "test"))
    return draws


def draw_label(draw: Draw) -> str:
    """`7` for a test-half draw, `11:enrol` otherwise (as --seed takes it)."""
    return str(draw[0]) if draw[1] == "test" else f"{draw[0]}:{draw[1]}"


def draw_name(per_dir: int, draw: Draw) -> str:
    """A draw's part of its cache file names: trials per direction, trial seed, and the source half if not `test`."""
    return f"{per_dir}_{draw[0]}" + ("" if draw[1] == "test" else f"_{draw[1]}")


def converted_trials(args: argparse.Namespace, out: Path, rows: list[dict]) -> dict[Draw, list[dict]]:
    """Per draw of `args.seed`: its transcribed trials with v2.3's converted log-mel (3 s references), cached in `out`.
    The converter and the held-out voices are loaded once, and only when some draw is not cached yet."""
    draws: dict[Draw, list[dict]] = {}
    missing = []
    for d in args.seed:
        cache = out / f"converted_{draw_name(args.per_dir, d)}.pkl"
        if cache.exists():
            with open(cache, "rb") as f:
                draws[d] = pickle.load(f)
        else:
            missing.append(d)
    if not missing:
        return draws
    corpus = Path(args.corpus)
    text_of = {(r["voice"], Path(r["path"]).stem): r["text"].strip() for r in rows}
    model, _ = load_model(args.ckpt)
    gender = {s.voice: s.gender for s in read_split() if s.role == "heldout"}
    voices = sorted(gender)
    halves = sorted({h for _, h in missing} | {"enrol"})  # enrol: the references
    clips = {half: {v: load_voice(corpus, v, {half}) for v in voices} for half in halves}
    refs = {v: one_shot(model, reference(clips["enrol"][v], 3.0)) for v in voices}
    for d in missing:
        items = []
        for dn, s, t, su in draw_trials(gender, clips[d[1]], args.per_dir, d[0]):
            text = text_of[(s, su.uid)]
            if text:
                e, f0s = refs[t]
                items.append({"dir": dn, "src": s, "tgt": t, "uid": su.uid, "text": text, "lf0": su.lf0,
                              "vuv": su.vuv, "f0s": f0s, "mel": convert(model, su.mel, su.lf0, su.vuv, e, f0s)})
        with open(out / f"converted_{draw_name(args.per_dir, d)}.pkl", "wb") as f:
            pickle.dump(items, f)
        draws[d] = items
    return {d: draws[d] for d in args.seed}  # in the order asked


def wer(clips: list[dict], dn: Optional[str] = None) -> float:
    c = [x for x in clips if dn is None or x["dir"] == dn]
    return round(100 * sum(x["err"] for x in c) / max(1, sum(x["words"] for x in c)), 1)


def mfcc_distance(front: SphinxMfcc, y: np.ndarray, log_mel: np.ndarray) -> float:
    """The recogniser's cepstral distance between a synthesis and the log-mel it was asked for (asr_front)."""
    mel = torch.tensor(log_mel, dtype=torch.float32)[None]
    with torch.no_grad():
        return front.distance(synth_magnitude(torch.tensor(y, dtype=torch.float32)[None]), mel).item()


def wer_table(clips: list[dict], first: list[dict]) -> dict:
    """WER overall and per direction, the mean MFCC distance (clips scored before it existed lack it), and the paired
    difference to `first` (None for `first` itself)."""
    mf = [c["mfcc"] for c in clips if "mfcc" in c]
    return {"wer": wer(clips), **{dn: wer(clips, dn) for dn in DIRS},
            "mfcc": round(float(np.mean(mf)), 4) if mf else None,
            "vsFirst": paired_wer(clips, first) if clips is not first else None}


def pool_seeds(runs: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Variants that differ only in `seed`, merged: per clip the word errors and words of all their seeds summed, so
    a paired comparison of two pooled variants averages the vocoders' randomness away clip by clip."""
    groups: dict[str, list[list[dict]]] = {}
    for v, clips in runs.items():
        kind, p = parse_variant(v)
        key = ":".join([kind] + [f"{k}={p[k]}" for k in sorted(p) if k != "seed"])
        groups.setdefault(key, []).append(clips)
    def merged(c: tuple[dict, ...]) -> dict:
        m = {**c[0], "err": sum(x["err"] for x in c), "words": sum(x["words"] for x in c), "seeds": len(c)}
        if all("mfcc" in x for x in c):
            m["mfcc"] = float(np.mean([x["mfcc"] for x in c]))
        return m
    return {k: [merged(c) for c in zip(*g)] for k, g in groups.items() if len(g) > 1}


class Scorer:
    """Each variant's per-clip word errors on one draw, from its clip file in `out` or by vocoding and decoding (then
    written there, so a later run adds variants without redoing earlier ones). The decoder is built on first need."""

    def __init__(self, args: argparse.Namespace, out: Path, rows: list[dict]):
        """`rows`: the corpus metadata (for the held-out transcripts and the source recordings' paths)."""
        self.args, self.out, self.rows = args, out, rows
        self.audio_of = {(r["voice"], Path(r["path"]).stem): r["path"] for r in self.rows}
        self.asr: Optional[ASR] = None
        self.vocode = Vocoders()
        self.front = SphinxMfcc()

    def __call__(self, draw: Draw, v: str, items: list[dict]) -> list[dict]:
        a = self.args
        tag = "" if a.lm == "heldout" else f"{a.lm}_"
        path = self.out / f"clips_{tag}{draw_name(a.per_dir, draw)}_{v.replace('/', '_')}.json"
        if path.exists():
            return json.loads(path.read_text())
        if self.asr is None:
            held = {s.voice for s in read_split() if s.role == "heldout"}
            texts = sorted({r["text"] for r in self.rows if r["voice"] in held and r["text"].strip()})
            self.asr = ASR(self.out, texts, "real_heldout" if a.lm == "heldout" else a.lm)
        clips = []
        recording = parse_variant(v)[0] == "src"
        for it in items:
            if recording:
                y = sf.read(Path(a.corpus) / self.audio_of[(it["src"], it["uid"])], dtype="float32")[0]
            else:
                y = self.vocode(v, it["mel"], it["lf0"], it["vuv"], it["f0s"])
            e, n = word_errors(it["text"], self.asr.recognise(y))
            clips.append({"dir": it["dir"], "uid": it["uid"], "tgt": it["tgt"], "err": e, "words": n})
            if not recording:  # a recording was not asked to follow the converted mel
                clips[-1]["mfcc"] = round(mfcc_distance(self.front, y, it["mel"]), 5)
        path.write_text(json.dumps(clips))
        return clips


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help="the first is the reference of the paired differences")
    ap.add_argument("--ckpt", default="ckpt/shipped/converter.pt",
                    help="the converter (default: the shipped one, restored from its graphs by vc_train.onnx_import)")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--per-dir", type=int, default=64)
    ap.add_argument("--seed", type=parse_draws, default=[(7, "test")],
                    help="eval_real's trial seed, `:enrol` after it for sources from the enrol half (parse_draws); "
                    "several (`7,8,11:enrol`) are several draws, scored one by one and then pooled "
                    "(their clips concatenated) into one larger paired comparison")
    ap.add_argument("--out", default="/tmp/wer_probe")
    ap.add_argument("--lm", default="heldout", choices=["heldout", "generic"],
                    help="heldout: eval_real's LM over every held-out transcript; generic: pocketsphinx's general "
                    "English LM (clip files get a `generic_` prefix)")
    ap.add_argument("--pool-seeds", action="store_true", help="also report variants differing only in seed as one "
                    "(pool_seeds), paired with the first such group")
    args = ap.parse_args(argv)
    for v in args.variants:
        parse_variant(v)  # fail before the slow part
    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(Path(args.corpus) / "metadata.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    score = Scorer(args, out, rows)
    runs: dict[str, list[dict]] = {v: [] for v in args.variants}
    for d, items in converted_trials(args, out, rows).items():
        draw: dict[str, list[dict]] = {}
        for v in args.variants:
            draw[v] = score(d, v, items)
            print(json.dumps({"variant": v, "draw": draw_label(d), **wer_table(draw[v], draw[args.variants[0]])}),
                  flush=True)
            runs[v] += draw[v]
    if len(args.seed) > 1:
        for v in args.variants:
            print(json.dumps({"variant": v, "draws": [draw_label(d) for d in args.seed],
                              **wer_table(runs[v], runs[args.variants[0]])}), flush=True)
    if args.pool_seeds:
        pooled = pool_seeds(runs)
        first = next(iter(pooled.values()), None)
        for k, clips in pooled.items():
            print(json.dumps({"pooled": k, "seeds": clips[0]["seeds"], **wer_table(clips, first)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
