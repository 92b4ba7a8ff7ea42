"""Real recorded speakers (../shared/data/real-speech, CC BY 4.0) as corpus voices, with a fixed held-out split.

Why this file exists: a model trained and judged on TTS voices reached real female targets 6 % of the time.
Real speakers are the backbone of training now, and 24 of them (12 female, 12 male, from both corpora) are held
out of every training step for the real-speech evaluation. The split is written once into the repository
(`models/train/real_split.tsv`) so that every later run, and every reader of the model card, uses the same one.

Audio is never copied: corpus rows point at the shared files (FLAC and Ogg Opus, 16 kHz, read by soundfile).
Usage (from models/train):
  /usr/bin/python3 -m vc_train.real --write-split    (once; the committed file wins afterwards)
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .data_root import shared_root

# Training and evaluation only: no fixture copy (the tests read just the committed split file).
REAL = shared_root() / "real-speech"
SPLIT_FILE = Path(__file__).resolve().parents[1] / "real_split.tsv"
LICENCE = "CC-BY-4.0"
SOURCES = {
    "librispeech": "LibriSpeech (Panayotov et al., ICASSP 2015), CC BY 4.0",
    "speechocean762": "speechocean762 (Zhang et al., Interspeech 2021), CC BY 4.0",
}
# LibriSpeech speakers with several clips (test-other) held out; F0-estimated gender checked by median F0
# well away from the 160 Hz boundary (2033 at 163 Hz and 1688 at 168 Hz stay in training).
LIBRI_HELDOUT = {"1998": "female", "3080": "female", "3331": "female", "533": "female",
                 "2414": "male", "2609": "male", "3005": "male"}
N_HELDOUT_PER_GENDER = 12
SPLIT_FIELDS = ["voice", "speaker", "corpus", "gender", "median_f0_hz", "clips", "seconds", "role"]


@dataclass(frozen=True)
class RealSpeaker:
    voice: str  # corpus voice id, e.g. ls-103, so0024
    speaker: str  # id in speakers.tsv
    corpus: str
    gender: str  # female | male
    median_f0: float
    clips: int
    seconds: float
    role: str  # train | heldout


def voice_id(speaker: str) -> str:
    corpus, spk = speaker.split(":", 1)
    return f"ls-{spk}" if corpus == "librispeech" else spk


def _read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def make_split(seed: int = 1234) -> list[RealSpeaker]:
    """Choose the held-out speakers: the LibriSpeech list above plus seeded speechocean762 speakers to 12 + 12."""
    rows = _read_tsv(REAL / "speakers.tsv")
    rng = random.Random(seed)
    held: set[str] = {f"librispeech:{s}" for s in LIBRI_HELDOUT}
    for g in ("female", "male"):
        n_libri = sum(1 for v in LIBRI_HELDOUT.values() if v == g)
        pool = sorted(r["speaker"] for r in rows if r["corpus"] == "speechocean762" and r["gender"] == g[0]
                      and int(r["clips"]) >= 18)
        held |= set(rng.sample(pool, N_HELDOUT_PER_GENDER - n_libri))
    out = []
    for r in rows:
        g = "female" if r["gender"].startswith("f") else "male"
        out.append(RealSpeaker(voice_id(r["speaker"]), r["speaker"], r["corpus"], g, float(r["median_f0_hz"] or 0),
                               int(r["clips"]), float(r["seconds"]), "heldout" if r["speaker"] in held else "train"))
    return out


def write_split(speakers: list[RealSpeaker], path: Path = SPLIT_FILE) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(SPLIT_FIELDS)
        for s in sorted(speakers, key=lambda s: (s.role, s.voice)):
            w.writerow([s.voice, s.speaker, s.corpus, s.gender, f"{s.median_f0:.0f}", s.clips, f"{s.seconds:.1f}", s.role])


def read_split(path: Path = SPLIT_FILE) -> list[RealSpeaker]:
    return [RealSpeaker(r["voice"], r["speaker"], r["corpus"], r["gender"], float(r["median_f0_hz"]), int(r["clips"]),
                        float(r["seconds"]), r["role"]) for r in _read_tsv(path)]


def corpus_rows(max_train_utts: int = 40) -> list[dict]:
    """metadata.tsv rows (without the voice object) for every real utterance.

    Training speakers: every clip is 'train' (up to max_train_utts). Held-out speakers: the first half of their
    clips (sorted by path) is 'enrol' (one-shot references), the rest 'test' (sources and speaker-ID targets).
    """
    speakers = {s.speaker: s for s in read_split()}
    by_spk: dict[str, list[dict]] = {}
    for r in _read_tsv(REAL / "utterances.tsv"):
        by_spk.setdefault(r["speaker"], []).append(r)
    rows = []
    for spk, utts in sorted(by_spk.items()):
        s = speakers.get(spk)
        if s is None:
            continue
        utts = sorted(utts, key=lambda r: r["path"])
        if s.role == "train":
            split = ["train"] * min(len(utts), max_train_utts)
        else:
            n_enrol = max(1, len(utts) // 2)
            split = ["enrol"] * n_enrol + ["test"] * (len(utts) - n_enrol)
        for r, sp in zip(utts, split):
            uid = Path(r["path"]).stem
            rows.append(dict(voice=s.voice, licence=LICENCE, gender=s.gender, sentence=f"{s.voice}_{uid}",
                             text=r["text"].strip(), split=sp, path=str(REAL / r["path"]), role=s.role,
                             shippable=1, pseudo=0, source=f"{SOURCES[s.corpus]}, speaker {spk}"))
    return rows


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-split", action="store_true", help="(re)write models/train/real_split.tsv")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)
    if args.write_split:
        sp = make_split(args.seed)
        write_split(sp)
        held = [s for s in sp if s.role == "heldout"]
        print(f"{len(sp)} speakers, {len(held)} held out "
              f"({sum(s.gender == 'female' for s in held)} F, {sum(s.gender == 'male' for s in held)} M) -> {SPLIT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
