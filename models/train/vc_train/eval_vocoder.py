"""Vocoder evaluation on real held-out speakers: source-filter ("neural") vocoder vs Griffin-Lim.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.eval_vocoder --out ../eval/vocoder [--vocoder-ckpt ckpt/vocoder/last.pt] [--clips 2]
      [--pairs-per-dir 4] [--quick]

Why this file exists: the app is replacing Griffin-Lim with the harmonic-plus-noise source-filter vocoder of
source_filter.py, whose per-mel-band aperiodicity a small network predicts (vocoder_net.py). This run says, on the 24
real speakers of real_split.tsv that no training step sees, what that buys and costs, per gender:

a. Resynthesis (analysis -> vocoder -> compare with the original): `--clips` seeded 'test' clips per held-out speaker
   (cut to `--max-seconds`, peak-normalized to 0.5), vocoded from their own log-mel and YIN pitch by
     neural       source-filter + trained aperiodicity, `--passes` consistency passes (the app's Best setting)
     neural fast  the same with 1 iteration
     GL32, GL8    Griffin-Lim (vocoder.griffin_lim) with 32 / 8 iterations
     SF untrained source-filter with the fixed default_aperiodicity profile (the network's baseline)
   Metrics against the original: multi-resolution STFT distance (spectral convergence + mean |log-magnitude
   difference|, Hann STFTs 512/128, 1024/256, 2048/512, averaged), MCD (eval.mcd, DTW), F0 RMSE in cents on frames
   voiced in both (YIN on both) and the voicing decision error rate, STOI and ESTOI (intelligibility.py), WER with
   pocketsphinx and the held-out trigram LM (speechocean762 clips have transcripts, LibriSpeech ones do not), and the
   vocoder's time per clip (and real-time factor).
b. Converted mels: the shipped converter (models/*.onnx through onnx_import.load_onnx_model), one-shot toward a
   held-out target (3 s reference, eval_real.reference/one_shot, eval.convert) for `--pairs-per-dir` seeded
   (source clip, target speaker) pairs per direction; the SAME converted mel is vocoded by neural / GL32 / GL8 with
   the converted log-F0 the decoder was given. WER against the source transcript, and where the verifier checkpoint
   exists, its identification of the output among the 24 held-out speakers (% to the target) and cosine to the
   target's 30 s enrolment.
c. Spectrograms: three held-out clips, original / GL32 / neural stacked in one PNG each (numpy + zlib writer).
Without a vocoder checkpoint (or without vocoder_net.py) "neural" falls back to the untrained profile and the
report says so. Writes <out>/results_vocoder.{json,md} and <out>/spec_<n>.png.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import soundfile as sf
import torch

from .data import Utt, load_voice
from .eval import ASR, build_lm, convert, map_f0, mcd, mcep, word_errors
from .eval_real import DIRS, one_shot, reference
from .f0 import f0_yin
from .features import HOP, log_mel
from .intelligibility import estoi, stoi
from .real import read_split
from .source_filter import default_aperiodicity, synthesize
from .vocoder import griffin_lim

SR = 16000
MODELS_DIR = Path(__file__).resolve().parents[2]  # the repo's models/ folder (shipped graphs + manifest)
EVAL_DIR = MODELS_DIR / "eval"
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))
REF_SECONDS = 3.0
RESYN = ("neural", "neural fast", "GL32", "GL8", "SF untrained")
CONV = ("neural", "GL32", "GL8")
GENDERS = ("female", "male")
Aperiodicity = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


# ---------------------------------------------------------------- vocoders
def untrained(mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray) -> np.ndarray:
    return default_aperiodicity(mel.shape[1])


def load_aperiodicity_or_default(path: str) -> tuple[Aperiodicity, str, bool]:
    """(function, description, trained?): the trained network when both vocoder_net.py and the checkpoint exist."""
    if not path or not Path(path).exists():
        return untrained, f"untrained default profile (no vocoder checkpoint at {path or '-'})", False
    try:
        from .vocoder_net import load_aperiodicity
    except ImportError as e:
        return untrained, f"untrained default profile (vc_train.vocoder_net not importable: {e})", False
    fn = load_aperiodicity(path)
    step = ""
    if path.endswith(".pt"):
        ck = torch.load(path, map_location="cpu")
        step = f", step {ck.get('step')}" + (f", {ck['summary'].get('stage')}" if isinstance(ck.get("summary"), dict)
                                             and ck["summary"].get("stage") else "")
    return fn, f"trained aperiodicity network ({path}{step})", True


def vocode(name: str, mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, length: int, ap: Aperiodicity,
           passes: int = 4, detail_floor: float = 0.0, free_voicing: bool = False) -> np.ndarray:
    """One row's vocoder; `passes` and `detail_floor` are the "neural" row's (--passes, --detail-floor), `free_voicing`
    the trained network's (vocoder_net.free_voicing_of)."""
    if name.startswith("GL"):
        return griffin_lim(mel, int(name[2:]))
    fn = untrained if name == "SF untrained" else ap
    a = fn(mel, lf0, vuv)
    extra = {}
    if isinstance(a, tuple):  # vocoder_net: (aperiodicity, detail, the log-mel to synthesize)
        a, extra["detail"], mel = a
        if name == "neural":  # the app's Fast keeps the network's detail (src/pipeline/quality.ts)
            extra["detail"] = np.maximum(extra["detail"], detail_floor)
    free = free_voicing and name != "SF untrained"
    return synthesize(mel, lf0, vuv, a, length, iterations=1 if name == "neural fast" else passes, free_voicing=free, **extra)


# ---------------------------------------------------------------- metrics
def _mag(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    idx = np.arange(n_fft)[None, :] + hop * np.arange(1 + (len(x) - n_fft) // hop)[:, None]
    return np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft), axis=1))


def mr_stft(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """(spectral convergence, mean |log-magnitude difference|) of y against x, averaged over RESOLUTIONS."""
    n = min(len(x), len(y))
    x, y = np.asarray(x[:n], np.float64), np.asarray(y[:n], np.float64)
    sc, lm = [], []
    for n_fft, hop in RESOLUTIONS:
        X, Y = _mag(x, n_fft, hop), _mag(y, n_fft, hop)
        sc.append(float(np.linalg.norm(Y - X) / max(np.linalg.norm(X), 1e-12)))
        lm.append(float(np.mean(np.abs(np.log(np.maximum(Y, 1e-5)) - np.log(np.maximum(X, 1e-5))))))
    return float(np.mean(sc)), float(np.mean(lm))


def f0_errors(y: np.ndarray, ref_f0: tuple[np.ndarray, np.ndarray]) -> tuple[Optional[float], float, int]:
    """(F0 RMSE in cents over frames voiced in both or None, voicing decision error rate, frames voiced in both)."""
    lf_x, v_x = ref_f0
    lf_y, v_y = f0_yin(y)
    t = min(len(lf_x), len(lf_y))
    vx, vy = v_x[:t] > 0.5, v_y[:t] > 0.5
    both = vx & vy
    vde = float(np.mean(vx != vy))
    if both.sum() == 0:
        return None, vde, 0
    cents = 1200.0 / math.log(2) * (lf_y[:t][both].astype(np.float64) - lf_x[:t][both])
    return float(np.sqrt(np.mean(cents ** 2))), vde, int(both.sum())


def dtw_cost_fast(a: np.ndarray, b: np.ndarray) -> float:
    """eval.dtw_cost computed one anti-diagonal at a time (numpy), same recursion, same tie-breaking (diagonal,
    then vertical, then horizontal) and the same path-length normalization: equal results, ~50x faster."""
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    n, m = d.shape
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    L = np.zeros((n + 1, m + 1))
    for k in range(2, n + m + 1):
        i = np.arange(max(1, k - m), min(n, k - 1) + 1)
        j = k - i
        diag, up, left = D[i - 1, j - 1], D[i - 1, j], D[i, j - 1]
        take_d = (diag <= up) & (diag <= left)
        take_u = ~take_d & (up <= left)
        best = np.where(take_d, diag, np.where(take_u, up, left))
        lp = np.where(take_d, L[i - 1, j - 1], np.where(take_u, L[i - 1, j], L[i, j - 1]))
        D[i, j] = d[i - 1, j - 1] + best
        L[i, j] = lp + 1
    return float(D[n, m] / L[n, m])


def mcd_fast(conv: np.ndarray, ref: np.ndarray) -> float:
    """eval.mcd with dtw_cost_fast (a test checks they agree)."""
    return 10.0 / math.log(10) * math.sqrt(2.0) * dtw_cost_fast(mcep(conv), mcep(ref))


def resyn_metrics(y: np.ndarray, x: np.ndarray, ref_f0: tuple[np.ndarray, np.ndarray]) -> dict:
    sc, lmd = mr_stft(y, x)
    n = min(len(x), len(y))
    rmse, vde, nv = f0_errors(y, ref_f0)
    return {"mrstft_sc": sc, "mrstft_logmag": lmd, "mrstft": sc + lmd, "mcd": mcd_fast(y, x), "f0_rmse_cents": rmse,
            "vde": vde, "stoi": stoi(x[:n], y[:n]), "estoi": estoi(x[:n], y[:n])}


METRICS = {  # key -> (label, better, decimals)
    "mrstft": ("MR-STFT distance (SC + log-mag)", "lower", 3),
    "mrstft_sc": ("MR-STFT spectral convergence", "lower", 3),
    "mrstft_logmag": ("MR-STFT mean abs log-mag diff", "lower", 3),
    "mcd": ("MCD dB (DTW)", "lower", 2),
    "f0_rmse_cents": ("F0 RMSE cents (voiced in both)", "lower", 1),
    "vde": ("voicing decision error %", "lower", 1),
    "stoi": ("STOI", "higher", 3),
    "estoi": ("ESTOI", "higher", 3),
    "wer": ("WER % (n clips)", "lower", 1),
    "ms": ("vocoder ms per clip", "lower", 0),
    "rtf": ("vocoder real-time factor", "lower", 3),
}


def summarise(recs: list[dict]) -> dict:
    d: dict = {"n": len(recs)}
    if not recs:
        return d
    for k in METRICS:
        if k == "wer":
            w = [r for r in recs if "err" in r]
            if w:
                d["wer"] = round(100 * sum(r["err"] for r in w) / max(1, sum(r["words"] for r in w)), 1)
                d["wer_n"] = len(w)
            continue
        v = [r[k] for r in recs if r.get(k) is not None and not (isinstance(r[k], float) and math.isnan(r[k]))]
        if v:
            scale = 100.0 if k == "vde" else 1.0
            d[k] = round(scale * float(np.mean(v)), METRICS[k][2] + 1)
    for k in ("ver_to_target", "ver_cos"):
        v = [r[k] for r in recs if k in r]
        if v:
            d[k] = round((100.0 if k == "ver_to_target" else 1.0) * float(np.mean(v)), 3)
    return d


# ---------------------------------------------------------------- ASR
class HeldOutASR:
    """pocketsphinx (eval.ASR's recogniser) with the held-out trigram LM that eval_real.py writes
    (models/eval/real_heldout.lm/.dic; built into a temporary folder with the same helper and texts when absent).
    A fresh decoder per clip (about 30 ms): pocketsphinx's live cepstral-mean estimate otherwise carries over from
    one utterance to the next, which made identical signals score differently depending on the order."""

    def __init__(self, texts: list[str]) -> None:
        lm, dic = EVAL_DIR / "real_heldout.lm", EVAL_DIR / "real_heldout.dic"
        if not (lm.exists() and dic.exists()):
            import tempfile
            td = Path(tempfile.mkdtemp(prefix="vocoder_lm_"))
            lm, dic = (Path(p) for p in build_lm(td, texts, "real_heldout"))
        from pocketsphinx import Decoder
        from .eval import PS_MODEL
        self.cfg = Decoder.default_config()
        self.cfg.set_string("-hmm", os.path.join(PS_MODEL, "en-us"))
        self.cfg.set_string("-lm", str(lm))
        self.cfg.set_string("-dict", str(dic))
        self.cfg.set_string("-logfn", "/dev/null")

    def recognise(self, audio: np.ndarray) -> str:
        from pocketsphinx import Decoder
        asr = ASR.__new__(ASR)
        asr.dec = Decoder(self.cfg)
        return ASR.recognise(asr, audio)


# ---------------------------------------------------------------- PNG (no matplotlib for /usr/bin/python3 here)
_ANCHORS = np.array([[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21],
                     [250, 193, 39], [252, 255, 164]], np.float64)  # inferno-like


def write_png(path: Path, idx: np.ndarray, levels: int = 48) -> None:
    """8-bit palette PNG of an index image [H, W] with values in 0..levels-1 (inferno-like colours)."""
    pos = np.linspace(0, len(_ANCHORS) - 1, levels)
    pal = np.stack([np.interp(pos, np.arange(len(_ANCHORS)), _ANCHORS[:, c]) for c in range(3)], 1)
    pal = np.vstack([pal, [[255, 255, 255]]]).round().astype(np.uint8)  # last entry: white separators
    h, w = idx.shape
    raw = b"".join(b"\x00" + idx[r].astype(np.uint8).tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", pal.tobytes()) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path.write_bytes(png)


def spectrogram_png(path: Path, signals: list[np.ndarray], levels: int = 48, top_db: float = 80.0) -> None:
    """Panels stacked top to bottom, one per signal: log |STFT| (1024 / 256), 0-8 kHz (bin pairs averaged, 256 rows),
    low frequencies at the bottom, a common dB scale (the loudest bin of the first signal = top colour)."""
    specs = []
    for s in signals:
        m = _mag(np.asarray(s, np.float64), 1024, 256)[:, :512]  # [frames, 512]
        m = m.reshape(m.shape[0], 256, 2).mean(2)
        specs.append(20 * np.log10(np.maximum(m, 1e-10)).T[::-1])  # [256, frames], high freq on top
    ref = specs[0].max()
    w = min(s.shape[1] for s in specs)
    sep = np.full((3, w), levels, np.int32)
    rows = []
    for i, s in enumerate(specs):
        q = np.clip((s[:, :w] - (ref - top_db)) / top_db, 0, 1)
        rows.append(np.minimum((q * levels).astype(np.int32), levels - 1))
        if i < len(specs) - 1:
            rows.append(sep)
    write_png(path, np.vstack(rows), levels)


# ---------------------------------------------------------------- main
def main(argv: Optional[list[str]] = None) -> int:
    ap_ = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap_.add_argument("--out", default=str(EVAL_DIR / "vocoder"))
    ap_.add_argument("--vocoder-ckpt", default="ckpt/vocoder/last.pt", help=".pt checkpoint or vocoder.onnx")
    ap_.add_argument("--corpus", default="/work/corpus")
    ap_.add_argument("--models-dir", default=str(MODELS_DIR), help="export folder of the converter (part b)")
    ap_.add_argument("--verifier", default="ckpt/verifier/last.pt", help="verifier checkpoint; skipped when absent")
    ap_.add_argument("--clips", type=int, default=2, help="resynthesis clips per held-out speaker")
    ap_.add_argument("--pairs-per-dir", type=int, default=4)
    ap_.add_argument("--max-seconds", type=float, default=8.0)
    ap_.add_argument("--seed", type=int, default=7)
    ap_.add_argument("--no-wer", action="store_true")
    ap_.add_argument("--quick", action="store_true", help="1 clip per speaker, 1 pair per direction (a smoke run)")
    ap_.add_argument("--passes", type=int, default=4, help="consistency passes of the neural rows (the app's Best)")
    ap_.add_argument("--detail-floor", type=float, default=0.0, help="lowest envelope detail of the neural rows")
    ap_.add_argument("--rows", default=",".join(RESYN), help="resynthesis rows to run (comma-separated; 'neural' first)")
    ap_.add_argument("--splits", default="test", help="held-out clip sets to draw resynthesis clips from: test, enrol or both "
                     "(no training step sees any held-out speaker)")
    ap_.add_argument("--no-conversions", action="store_true", help="skip part b (converted mels)")
    args = ap_.parse_args(argv)
    rows = tuple(r for r in args.rows.split(",") if r)
    assert rows and rows[0] == "neural" and all(r in RESYN for r in rows), f"--rows: 'neural' first, then any of {RESYN}"
    if args.quick:
        args.clips, args.pairs_per_dir = 1, 1
    torch.set_num_threads(1)
    t0 = time.time()
    load0 = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = Path(args.corpus)
    ap, ap_desc, trained = load_aperiodicity_or_default(args.vocoder_ckpt)
    free = False
    if trained:
        from .vocoder_net import free_voicing_of
        free = free_voicing_of(args.vocoder_ckpt)
        ap_desc += ", free voicing" if free else ""
    print(f"neural vocoder: {ap_desc}", flush=True)

    held = [s for s in read_split() if s.role == "heldout"]
    gender = {s.voice: s.gender for s in held}
    voices = sorted(gender)
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        meta = [r for r in csv.DictReader(f, delimiter="\t") if r["voice"] in gender]
    path_of = {(r["voice"], Path(r["path"]).stem): r["path"] for r in meta}
    text_of = {(r["voice"], Path(r["path"]).stem): r["text"].strip() for r in meta}
    enrol = {v: load_voice(corpus, v, {"enrol"}) for v in voices}
    test = {v: load_voice(corpus, v, {"test"}) for v in voices}
    texts = sorted({t for t in text_of.values() if t})
    asr = None if args.no_wer else HeldOutASR(texts)

    def wer_of(y: np.ndarray, text: str) -> dict:
        if asr is None or not text:
            return {}
        e, n = word_errors(text, asr.recognise(y))
        return {"err": e, "words": n}

    def load_audio(v: str, u: Utt) -> np.ndarray:
        x, sr = sf.read(path_of[(v, u.uid)], dtype="float32", always_2d=True)
        assert sr == SR, (path_of[(v, u.uid)], sr)
        x = x.mean(1)[: int(args.max_seconds * SR)]
        return (0.5 * x / max(1e-6, float(np.abs(x).max()))).astype(np.float32)

    # ---- a. resynthesis
    rng = np.random.default_rng(args.seed)
    clips = []
    splits = set(args.splits.split(","))
    pool = {v: (test[v] if "test" in splits else []) + (enrol[v] if "enrol" in splits else []) for v in voices}
    for v in voices:
        order = rng.permutation(len(pool[v]))
        clips += [(v, pool[v][int(i)]) for i in order[: args.clips]]
    resyn: dict[str, list[dict]] = {n: [] for n in rows}
    spec_clips = {clips[i * len(clips) // 3][1].uid for i in range(3)} if len(clips) >= 3 else set()
    n_spec = 0
    for ci, (v, u) in enumerate(clips):
        x = load_audio(v, u)
        mel = log_mel(x)
        lf0, vuv = f0_yin(x)
        text = text_of.get((v, u.uid), "")
        outs = {}
        for name in rows:
            if name == "SF untrained" and not trained:  # identical signal path: reuse the fallback "neural" output
                y, ms = outs["neural"], resyn["neural"][-1]["ms"]
            else:
                t1 = time.perf_counter()
                y = vocode(name, mel, lf0, vuv, len(x), ap, args.passes, args.detail_floor, free)
                ms = 1000 * (time.perf_counter() - t1)
            outs[name] = y
            rec = {"voice": v, "gender": gender[v], "uid": u.uid, "seconds": len(x) / SR, "ms": ms,
                   "rtf": ms / 1000 / (len(x) / SR), **resyn_metrics(y, x, (lf0, vuv)), **wer_of(y, text)}
            resyn[name].append(rec)
        if u.uid in spec_clips and "GL32" in outs:
            n_spec += 1
            spectrogram_png(out / f"spec_{n_spec}.png", [x, outs["GL32"], outs["neural"]])
        if (ci + 1) % 8 == 0:
            print(f"  resynthesis {ci + 1}/{len(clips)} clips, {time.time() - t0:.0f}s", flush=True)
    src_wer = [wer_of(load_audio(v, u), text_of.get((v, u.uid), "")) for v, u in clips] if asr is not None else []
    src_wer = [r for r in src_wer if r]

    # ---- b. converted mels
    trials = []
    conv: dict[str, list[dict]] = {n: [] for n in CONV}
    conv_src_wer: list[dict] = []
    ver = None
    from .onnx_import import load_onnx_model
    model = load_onnx_model(args.models_dir)
    if args.verifier and Path(args.verifier).exists() and not args.no_conversions:
        from .verifier import load_verifier
        ver = load_verifier(args.verifier)
        with torch.no_grad():
            ver_tgt = {v: ver(torch.from_numpy(np.ascontiguousarray(reference(enrol[v], 30.0)[0])).unsqueeze(0))[0]
                       for v in voices}
    refs = {v: one_shot(model, reference(enrol[v], REF_SECONDS)) for v in voices} if not args.no_conversions else {}
    rng = np.random.default_rng(args.seed + 1)
    for dn in (() if args.no_conversions else DIRS):
        gs, gt = ("female" if dn[0] == "F" else "male"), ("female" if dn[-1] == "F" else "male")
        srcs = [v for v in voices if gender[v] == gs]
        tgts = [v for v in voices if gender[v] == gt]
        for _ in range(args.pairs_per_dir):
            s = srcs[int(rng.integers(len(srcs)))]
            t = s
            while t == s:
                t = tgts[int(rng.integers(len(tgts)))]
            trials.append((dn, s, t, test[s][int(rng.integers(len(test[s])))]))
    for dn, s, t, su in trials:
        e, f0s = refs[t]
        ymel = convert(model, su.mel, su.lf0, su.vuv, e, f0s)
        lf = map_f0(su.lf0, su.vuv, f0s)  # the decoder's F0 input, as eval.convert builds it
        length = (ymel.shape[1] - 1) * HOP
        text = text_of.get((s, su.uid), "")
        if asr is not None and text:
            conv_src_wer.append({"dir": dn, **wer_of(load_audio(s, su), text)})
        for name in CONV:
            t1 = time.perf_counter()
            y = vocode(name, ymel, lf, su.vuv, length, ap, args.passes, args.detail_floor, free)
            ms = 1000 * (time.perf_counter() - t1)
            rec = {"dir": dn, "src": s, "tgt": t, "uid": su.uid, "ms": ms, "rtf": ms / 1000 / (length / SR),
                   **wer_of(y, text)}
            if ver is not None:
                with torch.no_grad():
                    ve = ver(torch.from_numpy(log_mel(np.asarray(y, np.float32))).unsqueeze(0))[0]
                rec["ver_cos"] = float(ve @ ver_tgt[t])
                rec["ver_to_target"] = max(voices, key=lambda w: float(ve @ ver_tgt[w])) == t
            conv[name].append(rec)
    print(f"  conversions {len(trials)} trials, {time.time() - t0:.0f}s", flush=True)

    res = {
        "set": "real held-out speakers (models/train/real_split.tsv role=heldout)",
        "speakersByGender": {g: sum(1 for v in voices if gender[v] == g) for g in GENDERS},
        "neuralVocoder": ap_desc, "trainedAperiodicity": trained,
        "command": "cd models/train && nice -n 15 /usr/bin/python3 -m vc_train.eval_vocoder --out ../eval/vocoder"
                   + (f" --vocoder-ckpt {args.vocoder_ckpt}" if trained else "")
                   + ("" if args.clips == 2 else f" --clips {args.clips}")
                   + ("" if args.pairs_per_dir == 4 else f" --pairs-per-dir {args.pairs_per_dir}")
                   + ("" if args.passes == 4 else f" --passes {args.passes}")
                   + ("" if not args.detail_floor else f" --detail-floor {args.detail_floor:g}")
                   + ("" if rows == RESYN else f" --rows {args.rows}")
                   + ("" if args.splits == "test" else f" --splits {args.splits}")
                   + (" --no-conversions" if args.no_conversions else ""),
        "seed": args.seed, "neuralPasses": args.passes, "detailFloor": args.detail_floor, "clipsPerSpeaker": args.clips, "maxSeconds": args.max_seconds,
        "resynthesis": {n: {"all": summarise(r), **{g: summarise([x for x in r if x["gender"] == g]) for g in GENDERS}}
                        for n, r in resyn.items()},
        "sourceWer": ({"wer": round(100 * sum(r["err"] for r in src_wer) / max(1, sum(r["words"] for r in src_wer)), 1),
                       "wer_n": len(src_wer)} if src_wer else None),
        "conversionSourceWer": {dn: summarise([r for r in conv_src_wer if dn == "all" or r["dir"] == dn]).get("wer")
                                for dn in ("all",) + DIRS},
        "conversion": {n: {"all": summarise(r), **{dn: summarise([x for x in r if x["dir"] == dn]) for dn in DIRS}}
                       for n, r in conv.items()},
        "conversionSetup": {"converter": f"{args.models_dir} (onnx_import.load_onnx_model)", "referenceSeconds": REF_SECONDS,
                            "pairsPerDirection": 0 if args.no_conversions else args.pairs_per_dir,
                            "verifier": args.verifier if ver is not None else None},
        "spectrograms": [f"spec_{i + 1}.png" for i in range(n_spec)],
        "rows": list(rows), "splits": args.splits,
        "pairedWer": {n: paired_wer(resyn["neural"], resyn[n]) for n in rows[1:]},
        "seconds": round(time.time() - t0),
        "loadAverage": {"start": load0, "end": [round(x, 2) for x in os.getloadavg()]},
    }
    res["winners"] = winners(res["resynthesis"])
    (out / "results_vocoder.json").write_text(json.dumps(res, indent=1))
    md = to_markdown(res)
    (out / "results_vocoder.md").write_text(md)
    print(md, flush=True)
    return 0


def paired_wer(a: list[dict], b: list[dict], draws: int = 2000, seed: int = 0) -> Optional[dict]:
    """WER of vocoder a minus vocoder b on the same clips (both with transcripts), in points, with a 95 % interval
    from a seeded bootstrap over utterances, and how many clips each had fewer word errors on.

    Clips of the same utterance (`uid`: one recording converted toward several targets, several trial draws or
    vocoder seeds) are resampled together: their word errors move together (the same sentence is hard for the
    recogniser however it is vocoded), so resampling them one by one treats repeats as new evidence and narrows the
    interval without measuring more. With one clip per utterance this is the bootstrap over clips."""
    pairs = [(x, y) for x, y in zip(a, b) if "err" in x and "err" in y and x["uid"] == y["uid"]]
    if not pairs:
        return None
    groups: dict[str, list[int]] = {}
    for i, (x, _) in enumerate(pairs):
        groups.setdefault(x["uid"], []).append(i)
    ea = np.array([x["err"] for x, _ in pairs], np.float64)
    eb = np.array([y["err"] for _, y in pairs], np.float64)
    n = np.array([x["words"] for x, _ in pairs], np.float64)
    ga, gb, gn = (np.array([v[ix].sum() for ix in groups.values()]) for v in (ea, eb, n))
    diff = 100 * (ea.sum() - eb.sum()) / n.sum()
    idx = np.random.default_rng(seed).integers(0, len(ga), size=(draws, len(ga)))
    boot = 100 * (ga[idx].sum(1) - gb[idx].sum(1)) / gn[idx].sum(1)
    return {"clips": len(pairs), "utterances": len(ga), "diffPoints": round(float(diff), 2),
            "ci95": [round(float(np.percentile(boot, 2.5)), 2), round(float(np.percentile(boot, 97.5)), 2)],
            "fewerErrors": int((ea < eb).sum()), "moreErrors": int((ea > eb).sum()), "same": int((ea == eb).sum())}


def winners(table: dict) -> dict:
    """Per metric and group: the best resynthesis vocoder (the fallback duplicate 'SF untrained' counted too)."""
    w: dict = {}
    for k, (_, better, _) in METRICS.items():
        for grp in ("all",) + GENDERS:
            vals = {n: d[grp][k] for n, d in table.items() if k in d[grp]}
            if vals:
                best = (min if better == "lower" else max)(vals, key=vals.get)
                w.setdefault(k, {})[grp] = best
    return w


def to_markdown(res: dict) -> str:
    g = res["speakersByGender"]
    rs = res["resynthesis"]
    L = [f"# Vocoder evaluation: source-filter (\"neural\") vs Griffin-Lim", "",
         f"{res['set']}: {g['female']} female + {g['male']} male speakers, {res['clipsPerSpeaker']} clips each "
         f"(up to {res['maxSeconds']:g} s, peak 0.5), seed {res['seed']}. Run time {res['seconds']} s "
         f"(2 cores shared with other jobs, load average {res['loadAverage']['start'][0]} at the start, "
         f"{res['loadAverage']['end'][0]} at the end: the milliseconds are comparable within this run only).", "",
         f"**neural** = {res['neuralVocoder']}.", ""]
    if not res["trainedAperiodicity"]:
        L += ["> No trained aperiodicity network was available: the **neural** rows use the untrained default profile "
              "and are identical to **SF untrained**.", ""]
    L += ["Reproduce: `" + res["command"] + "`", "",
          "## a. Resynthesis (vocoder(log-mel(x)) vs x)", "",
          f"Rows: neural ({res.get('neuralPasses', 4)} consistency passes, detail floor {res.get('detailFloor', 0):g}), neural fast (1 pass), Griffin-Lim 32 / 8 iterations, "
          "source-filter with the untrained aperiodicity profile. Best per column in bold.", ""]
    for grp in ("all",) + GENDERS:
        keys = [k for k in METRICS if k in rs["neural"][grp]]
        L += [f"### {grp} (n = {rs['neural'][grp]['n']} clips)", "",
              "| vocoder | " + " | ".join(METRICS[k][0] + (" ↓" if METRICS[k][1] == "lower" else " ↑") for k in keys) + " |",
              "|---|" + "---|" * len(keys)]
        for n in rs:
            d = rs[n][grp]
            cells = []
            for k in keys:
                dec = METRICS[k][2]
                s = f"{d[k]:.{dec}f}" if k in d else "-"
                if k == "wer" and k in d:
                    s += f" ({d['wer_n']})"
                if res["winners"].get(k, {}).get(grp) == n or (k in d and d[k] == rs[res["winners"][k][grp]][grp].get(k)):
                    s = f"**{s}**"
                cells.append(s)
            L.append(f"| {n} | " + " | ".join(cells) + " |")
        L.append("")
    if res.get("sourceWer"):
        L += [f"WER of the original clips (same ASR and LM): {res['sourceWer']['wer']} % over {res['sourceWer']['wer_n']} "
              "clips (the floor).", ""]
    for n, pw in (res.get("pairedWer") or {}).items():
        if pw:
            L += [f"Paired WER, neural minus {n}, same {pw['clips']} clips: {pw['diffPoints']:+.2f} points (95 % bootstrap "
                  f"interval {pw['ci95'][0]:+.2f} to {pw['ci95'][1]:+.2f}); fewer word errors with neural on {pw['fewerErrors']} "
                  f"clips, more on {pw['moreErrors']}, the same on {pw['same']}.", ""]
    L += ["Winner per metric (overall / female / male):", ""]
    for k, w in res["winners"].items():
        L.append(f"- {METRICS[k][0]}: {w.get('all')} / {w.get('female')} / {w.get('male')}")
    cs = res["conversionSetup"]
    cv = res["conversion"]
    if cs['pairsPerDirection']:
        L += ["", "## b. Converted mels (shipped converter, one-shot 3 s reference, same mel through each vocoder)", "",
              f"{cs['pairsPerDirection']} seeded pairs per direction; vocoder F0 = the converted log-F0 the decoder was given. "
              "WER against the source transcript (speechocean762 sources only)."
              + (" Verifier: identification among the 24 held-out speakers (% to target) and cosine to the target's 30 s "
                 "enrolment." if cs["verifier"] else " (verifier checkpoint absent: no speaker figures)"), "",
              "| vocoder | dir | n | WER % (n) | verifier ID → target % | verifier cos → target | ms per clip |",
              "|---|---|---|---|---|---|---|"]
        sw = res.get("conversionSourceWer") or {}
        for dn in ("all",) + DIRS:
            if sw.get(dn) is not None:
                L.append(f"| source audio (no conversion) | {dn} | - | {sw[dn]} | - | - | - |")
        for n in CONV:
            for dn in ("all",) + DIRS:
                d = cv[n][dn]
                if not d.get("n"):
                    continue
                w = f"{d['wer']} ({d['wer_n']})" if "wer" in d else "-"
                L.append(f"| {n} | {dn} | {d['n']} | {w} | {d.get('ver_to_target', '-')} | {d.get('ver_cos', '-')} | "
                         f"{d.get('ms', 0):.0f} |")
    L += ["", "## c. Spectrograms", "",
          "Each PNG stacks three panels, top to bottom: original, Griffin-Lim 32, neural; log |STFT| (1024 / 256), "
          "0-8 kHz, 80 dB range.", ""]
    L += [f"![{p}]({p})" for p in res["spectrograms"]]
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
