"""Frame phone labels of the transcribed training clips, by forced alignment (pocketsphinx, a phone grammar).

Why this file exists: the neural vocoder loses about a word in 100 of converted speech to Griffin-Lim, and feature
distances (log-mel, content codes, the recogniser's cepstra) no longer predict which synthesis is heard as the right
words. A frame phone classifier (`phone_net`) gives a recognition signal instead, and it needs frame labels: this
aligns every transcribed *training* clip of the corpus (real speechocean762 training speakers, Cathy, TTS voices;
held-out speakers never) to the phones of its transcript (CMU dictionary, first pronunciation). The grammar is the
transcript's phone sequence with each phone a "word", so pocketsphinx's segmentation is a phone alignment; optional
silences between them come from its filler model. Labels are per log-mel frame (DESIGN §3 hop, 16 ms), 0 = silence.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.phone_align --corpus /work/corpus --out /work/phones.pkl [--jobs 2]
"""
from __future__ import annotations

import argparse
import csv
import os
import pickle
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf

from .eval import PS_MODEL, cmu_pronunciations, norm_words, pcm16
from .features import HOP, SAMPLE_RATE

PHONES = ["SIL", "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH",
          "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W",
          "Y", "Z", "ZH"]
PS_FRAME_S = 0.01  # pocketsphinx's frame rate (-frate 100)


def cmu_dict() -> dict[str, list[str]]:
    """word -> phones of its first pronunciation (the en-us dictionary pocketsphinx ships)."""
    return {w: prons[0].upper().split() for w, prons in cmu_pronunciations().items()}


def transcript_phones(text: str, lexicon: dict[str, list[str]]) -> Optional[list[list[str]]]:
    """The phones of each word of a transcript, or None when a word is not in the dictionary."""
    out: list[list[str]] = []
    for w in norm_words(text):
        if w not in lexicon:
            return None
        out.append(lexicon[w])
    return out or None


def ps_to_mel_frames(ps_labels: np.ndarray, n_samples: int) -> np.ndarray:
    """Labels at pocketsphinx's 10 ms frames -> labels at the log-mel frames (centered, 1 + n // HOP), nearest."""
    n_mel = 1 + n_samples // HOP
    idx = np.round(np.arange(n_mel) * HOP / SAMPLE_RATE / PS_FRAME_S).astype(int)
    return ps_labels[np.clip(idx, 0, len(ps_labels) - 1)].astype(np.int8)


class Aligner:
    """One pocketsphinx decoder with a dictionary whose words are the phones."""

    def __init__(self, workdir: Path) -> None:
        from pocketsphinx import Decoder
        dic = workdir / "phones.dict"
        dic.write_text("".join(f"{p.lower()} {p}\n" for p in PHONES), encoding="utf-8")
        cfg = Decoder.default_config()
        cfg.set_string("-hmm", os.path.join(PS_MODEL, "en-us"))
        cfg.set_string("-dict", str(dic))
        cfg.set_string("-logfn", "/dev/null")
        self.dec = Decoder(cfg)
        self.n = 0

    def align(self, audio: np.ndarray, words: list[list[str]]) -> Optional[np.ndarray]:
        """Phone index per 10 ms frame (0 for silence and fillers), or None when the grammar found no path. `words`:
        each word's phones; a pause may fall before, between and after words."""
        self.n += 1
        name = f"g{self.n}"
        body = " [sil] ".join(" ".join(p.lower() for p in w) for w in words)
        body = f"[sil] {body} [sil]"
        n_phones = sum(len(w) for w in words)
        self.dec.set_jsgf_string(name, f"#JSGF V1.0;\ngrammar {name};\npublic <s> = {body};\n")
        self.dec.set_search(name)
        self.dec.start_utt()
        self.dec.process_raw(pcm16(audio).tobytes(), False, True)
        self.dec.end_utt()
        if self.dec.hyp() is None:
            return None
        n = self.dec.n_frames()
        lab = np.zeros(n, dtype=np.int8)
        found = 0
        for s in self.dec.seg():
            w = s.word.upper()
            if w in PHONES[1:]:
                lab[s.start_frame:s.end_frame + 1] = PHONES.index(w)
                found += 1
        return lab if found == n_phones else None


_ALIGNER: Optional[Aligner] = None


def _align_one(job: tuple[str, list[list[str]]]) -> tuple[str, Optional[np.ndarray]]:
    global _ALIGNER
    path, words = job
    if _ALIGNER is None:
        _ALIGNER = Aligner(Path(tempfile.mkdtemp(prefix="phone_align_")))
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SAMPLE_RATE or len(x) < SAMPLE_RATE // 2:
        return path, None
    lab = _ALIGNER.align(x, words)
    return path, None if lab is None else ps_to_mel_frames(lab, len(x))


def training_transcripts(corpus: Path) -> list[tuple[str, str]]:
    """(audio path, transcript) of every transcribed training-speaker row (role 'train'; held-out never)."""
    out = []
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["role"] == "train" and r["text"].strip():
                out.append((r["path"], r["text"]))
    return out


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="vc_train.phone_align")
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True, help="pickle: {audio path: int8 phone label per log-mel frame}")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="align only the first N clips (smoke test)")
    a = p.parse_args(argv)
    lexicon = cmu_dict()
    rows = training_transcripts(Path(a.corpus))
    if a.limit:
        rows = rows[:a.limit]
    # clips with a word the dictionary lacks are left out here, before any audio is read
    jobs = [(path, w) for path, w in ((path, transcript_phones(text, lexicon)) for path, text in rows) if w is not None]
    labels: dict[str, np.ndarray] = {}
    with Pool(a.jobs) as pool:
        for i, (path, lab) in enumerate(pool.imap_unordered(_align_one, jobs, chunksize=8)):
            if lab is not None:
                labels[path] = lab
            if (i + 1) % 200 == 0:
                print(f"{i + 1}/{len(jobs)} aligned {len(labels)}", flush=True)
    with open(a.out, "wb") as f:
        pickle.dump({"phones": PHONES, "labels": labels}, f)
    frames = np.concatenate(list(labels.values())) if labels else np.zeros(0, np.int8)
    print(f"{len(labels)}/{len(rows)} clips aligned ({len(rows) - len(jobs)} with a word not in the dictionary), "
          f"{len(frames)} frames, silence {np.mean(frames == 0):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
