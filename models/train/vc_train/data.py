"""In-memory feature store over <corpus>/feats/*.npz and a seeded batch sampler."""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

LOG_FLOOR = math.log(1e-5)


@dataclass
class Utt:
    voice: str
    uid: str
    sentence: str
    split: str
    mel: np.ndarray  # [80, T]
    lf0: np.ndarray  # [T]
    vuv: np.ndarray  # [T]


def voice_info(corpus: Path) -> dict[str, dict]:
    """voice id -> {gender, licence, role, shippable, pseudo, source} from metadata.tsv."""
    info: dict[str, dict] = {}
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["voice"] not in info:
                info[r["voice"]] = dict(gender=r["gender"], licence=r["licence"], role=r["role"],
                                        shippable=r["shippable"] == "1", pseudo=r["pseudo"] == "1", source=r["source"])
    return info


def load_voice(corpus: Path, voice: str, splits: Optional[set[str]] = None) -> list[Utt]:
    d = np.load(corpus / "feats" / f"{voice}.npz")
    mel, lf0, vuv, offs = d["mel"], d["lf0"], d["vuv"], d["offsets"]
    out = []
    for i in range(len(offs) - 1):
        sp = str(d["splits"][i])
        if splits is not None and sp not in splits:
            continue
        a, b = int(offs[i]), int(offs[i + 1])
        out.append(Utt(voice, str(d["uids"][i]), str(d["sentences"][i]), sp, mel[:, a:b], lf0[a:b], vuv[a:b]))
    return out


def load_stats(corpus: Path) -> tuple[np.ndarray, np.ndarray]:
    s = np.load(corpus / "feats" / "stats.npz")
    return s["mean"].astype(np.float32), s["std"].astype(np.float32)


def load_f0_stats(corpus: Path) -> dict[str, dict[str, float]]:
    with open(corpus / "feats" / "f0_stats.json") as f:
        return json.load(f)


class Sampler:
    """Uniform over voices, then uniform over that voice's utterances, random crops of `crop` frames.

    The speaker-encoder reference is a different utterance of the same voice, cropped to `ref_crop` frames; a voice
    with a single clip (most LibriSpeech speakers) gives the two halves of that clip instead, so the encoder never
    learns to match a crop with itself.
    """

    def __init__(self, utts_by_voice: dict[str, list[Utt]], crop: int, seed: int, ref_crop: Optional[int] = None) -> None:
        self.voices = sorted(utts_by_voice)
        self.utts = utts_by_voice
        self.crop = crop
        self.ref_crop = ref_crop or crop
        self.rng = np.random.default_rng(seed)

    def _crop(self, u: Utt, length: Optional[int] = None, lo: int = 0, hi: Optional[int] = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        L = length or self.crop
        hi = u.mel.shape[1] if hi is None else hi
        t = hi - lo
        if t >= L:
            s = lo + int(self.rng.integers(0, t - L + 1))
            return u.mel[:, s:s + L], u.lf0[s:s + L], u.vuv[s:s + L]
        pad = L - t
        mel = np.concatenate([u.mel[:, lo:hi], np.full((80, pad), LOG_FLOOR, np.float32)], axis=1)
        return (mel, np.concatenate([u.lf0[lo:hi], np.zeros(pad, np.float32)]),
                np.concatenate([u.vuv[lo:hi], np.zeros(pad, np.float32)]))

    def batch(self, b: int) -> dict[str, np.ndarray]:
        vi = self.rng.integers(0, len(self.voices), size=b)
        mels, lf0s, vuvs, refs = [], [], [], []
        for v in vi:
            lst = self.utts[self.voices[v]]
            if len(lst) == 1:
                u = lst[0]
                half = u.mel.shape[1] // 2
                first = bool(self.rng.integers(0, 2))
                m, lf, vv = self._crop(u, None, 0, half) if first else self._crop(u, None, half)
                r, _, _ = self._crop(u, self.ref_crop, half) if first else self._crop(u, self.ref_crop, 0, half)
            else:
                i, j = self.rng.integers(0, len(lst), size=2)
                if i == j:
                    j = (j + 1) % len(lst)
                m, lf, vv = self._crop(lst[i])
                r, _, _ = self._crop(lst[j], self.ref_crop)
            mels.append(m)
            lf0s.append(lf)
            vuvs.append(vv)
            refs.append(r)
        return dict(mel=np.stack(mels), lf0=np.stack(lf0s), vuv=np.stack(vuvs), ref=np.stack(refs),
                    label=vi.astype(np.int64))
