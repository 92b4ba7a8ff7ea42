"""Precompute log-mel (features.py, DESIGN §3) and YIN F0 (f0.py) for every corpus utterance.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.featurize --corpus /work/corpus [--jobs 2]

Writes <corpus>/feats/<voice>.npz (mel [80, N] float32 concatenated over utterances, lf0 [N], vuv [N],
offsets [U+1], uids, sentences, splits) and <corpus>/feats/stats.npz (per-band mel mean/std over the
training voices, per-voice log-F0 statistics). Voices already featurized are skipped (resumable).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf

from .features import log_mel
from .f0 import f0_yin


def read_metadata(corpus: Path) -> list[dict]:
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_audio(path: str) -> np.ndarray:
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    assert sr == 16000, f"{path}: {sr} Hz"
    return x.mean(axis=1)


def featurize_voice(job: tuple[str, list[dict], str]) -> str:
    voice, rows, out = job
    if os.path.exists(out):
        return f"{voice}: exists"
    mels, lf0s, vuvs, offs, uids, sents, splits = [], [], [], [0], [], [], []
    for r in rows:
        x = load_audio(r["path"])
        m = log_mel(x)
        lf, vv = f0_yin(x)
        t = m.shape[1]
        lf = np.asarray(lf, np.float32)[:t]
        vv = np.asarray(vv, np.float32)[:t]
        assert lf.shape[0] == t, (r["path"], lf.shape, t)
        mels.append(m)
        lf0s.append(lf)
        vuvs.append(vv)
        offs.append(offs[-1] + t)
        uids.append(os.path.splitext(os.path.basename(r["path"]))[0])
        sents.append(r["sentence"])
        splits.append(r["split"])
    tmp = out + ".part.npz"
    np.savez(tmp, mel=np.concatenate(mels, axis=1), lf0=np.concatenate(lf0s), vuv=np.concatenate(vuvs),
             offsets=np.asarray(offs, np.int64), uids=np.asarray(uids), sentences=np.asarray(sents),
             splits=np.asarray(splits))
    os.replace(tmp, out)
    return f"{voice}: {len(rows)} utterances, {offs[-1]} frames"


def compute_stats(corpus: Path, meta: list[dict]) -> dict:
    feats = corpus / "feats"
    train_voices = sorted({r["voice"] for r in meta if r["role"] == "train"})
    s1 = np.zeros(80)
    s2 = np.zeros(80)
    n = 0
    f0stats: dict[str, dict[str, float]] = {}
    for v in sorted({r["voice"] for r in meta}):
        d = np.load(feats / f"{v}.npz")
        mel = d["mel"].astype(np.float64)
        if v in train_voices:
            s1 += mel.sum(1)
            s2 += (mel ** 2).sum(1)
            n += mel.shape[1]
        lf = d["lf0"][d["vuv"] > 0.5]
        f0stats[v] = {"mean": float(lf.mean()) if len(lf) else 5.0, "std": float(lf.std()) if len(lf) else 0.2,
                      "voicedFrames": int(len(lf))}
    mean = s1 / max(n, 1)
    std = np.sqrt(np.maximum(s2 / max(n, 1) - mean ** 2, 1e-4))
    np.savez(feats / "stats.npz", mean=mean.astype(np.float32), std=std.astype(np.float32))
    with open(feats / "f0_stats.json", "w") as f:
        json.dump(f0stats, f, indent=1)
    return {"frames": n, "voices": len(f0stats)}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    meta = read_metadata(corpus)
    by_voice: dict[str, list[dict]] = defaultdict(list)
    for r in meta:
        by_voice[r["voice"]].append(r)
    (corpus / "feats").mkdir(parents=True, exist_ok=True)
    jobs = [(v, rows, str(corpus / "feats" / f"{v}.npz")) for v, rows in sorted(by_voice.items(), key=lambda kv: -len(kv[1]))]
    t0 = time.time()
    with Pool(max(1, args.jobs)) as p:
        for msg in p.imap_unordered(featurize_voice, jobs):
            print(f"[{time.time() - t0:.0f}s] {msg}", flush=True)
    print("stats:", compute_stats(corpus, meta), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
