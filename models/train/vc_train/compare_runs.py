"""Paired comparison of two eval_real runs on the same trials (same seed and --per-dir): word errors and speaker ID.

Why this file exists: two vocoders (or models) scored on a few dozen clips each differ by a few WER points that the
ASR's noise alone can produce; scoring the SAME trials and comparing clip by clip (bootstrap interval, per-clip
wins) says whether a difference is there at all.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.compare_runs ../eval/clips_real_A.json ../eval/clips_real_B.json \
      [--row "ours (continuous, 3 s ref)"]
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

import numpy as np

from .eval_vocoder import paired_wer


def compare(a: list[dict], b: list[dict]) -> dict:
    """A minus B on trials present in both, in order (eval_real writes trials in seeded order)."""
    assert len(a) == len(b) and all(x["uid"] == y["uid"] and x["tgt"] == y["tgt"] for x, y in zip(a, b)), \
        "the runs do not score the same trials (seed, --per-dir and the held-out split must match)"
    out: dict = {"trials": len(a), "wer": paired_wer(a, b)}
    ida = np.array([bool(x.get("ver_to_target")) for x in a])
    idb = np.array([bool(y.get("ver_to_target")) for y in b])
    out["verifierId"] = {"a": round(100 * float(ida.mean()), 1), "b": round(100 * float(idb.mean()), 1),
                         "onlyA": int((ida & ~idb).sum()), "onlyB": int((idb & ~ida).sum())}
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--row", default="ours (continuous, 3 s ref)")
    args = ap.parse_args(argv)
    a, b = (json.load(open(p, encoding="utf-8"))[args.row] for p in (args.a, args.b))
    print(json.dumps(compare(a, b), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
