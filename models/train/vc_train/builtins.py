"""Choose the built-in voices: real speakers that sound like people, balanced by gender and pitch.

Why this file exists: the first built-ins were TTS engines with jargon names ("eSpeak Caribbean M7"). Users pick a
voice to sound like a person, so most built-ins now come from the real training speakers (CC BY 4.0, attributed),
chosen by measurement rather than by hand:
  0. a pitch typical of the labelled gender (export.py applies this filter): female >= 165 Hz, male <= 155 Hz
     mean F0, and for LibriSpeech, whose genders are estimated from F0, >= 180 / <= 145 Hz;
  1. clean recordings only: an SNR estimate per speaker (loud-frame vs quiet-frame mel energy, in dB) must be in the
     upper part of its gender's distribution;
  2. spread over pitch: the candidates of each gender are split into pitch bands (median log-F0 quantiles) and each
     band gets its share of the voices;
  3. distinct timbre: inside a band, farthest-point sampling on the speaker embeddings (the next voice is the one
     least similar to every voice already chosen).
Display names are given names from a fixed list (deterministic, gender-matched), never engine or corpus ids.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEMALE_NAMES = ["Ava", "Maya", "Nora", "Lena", "Iris", "Clara", "Ruth", "Mei", "Hana", "Sofia", "Elena", "June"]
MALE_NAMES = ["Leo", "Owen", "Felix", "Hugo", "Jonah", "Milo", "Theo", "Ravi", "Chen", "Oscar", "Adam", "Kai"]


@dataclass
class Candidate:
    voice: str
    gender: str
    median_lf0: float
    snr_db: float
    embedding: np.ndarray  # L2-normalized


def snr_estimate(mel: np.ndarray) -> float:
    """A recording-cleanliness proxy: mean log-mel energy of the loudest 20 % frames minus the quietest 10 %, in dB."""
    e = mel.mean(axis=0)
    lo, hi = np.quantile(e, 0.10), np.quantile(e, 0.80)
    return float((e[e >= hi].mean() - e[e <= lo].mean()) * 10 / np.log(10))


def choose(cands: list[Candidate], per_gender: int, bands: int = 3, keep_snr_quantile: float = 0.4) -> list[Candidate]:
    """Pick `per_gender` voices per gender: clean, spread over pitch bands, farthest apart in embedding space."""
    chosen: list[Candidate] = []
    for g in ("female", "male"):
        cs = [c for c in cands if c.gender == g]
        if not cs:
            continue
        thr = float(np.quantile([c.snr_db for c in cs], keep_snr_quantile))
        cs = sorted((c for c in cs if c.snr_db >= thr), key=lambda c: c.median_lf0)
        groups = [list(a) for a in np.array_split(np.arange(len(cs)), bands)]
        quota = [per_gender // bands + (1 if i < per_gender % bands else 0) for i in range(bands)]
        for idx, q in zip(groups, quota):
            pool = [cs[i] for i in idx]
            # start from the cleanest voice of the band, then farthest-point sampling
            picked = [max(pool, key=lambda c: c.snr_db)] if pool else []
            while len(picked) < min(q, len(pool)):
                rest = [c for c in pool if c not in picked]
                nxt = min(rest, key=lambda c: max(float(c.embedding @ p.embedding) for p in picked + chosen
                                                  if p.gender == g))
                picked.append(nxt)
            chosen += picked
    return chosen


def display_names(chosen: list[Candidate]) -> dict[str, str]:
    """Gender-matched given names in pitch order (low to high), deterministic."""
    out: dict[str, str] = {}
    for g, names in (("female", FEMALE_NAMES), ("male", MALE_NAMES)):
        cs = sorted((c for c in chosen if c.gender == g), key=lambda c: c.median_lf0)
        for c, n in zip(cs, names):
            out[c.voice] = n
    return out
