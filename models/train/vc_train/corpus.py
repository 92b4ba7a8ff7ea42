"""Synthesize the parallel multi-speaker corpus (DESIGN §6) and write its metadata table.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.corpus --out /work/corpus [--n-train 320] [--n-test 40] [--jobs 2]
  /usr/bin/python3 -m vc_train.corpus --out /tmp/tiny --espeak-only --n-train 8 --n-test 2   (CI smoke)

Every utterance is 16 kHz mono float32 WAV made by sox. Re-running skips files that already exist,
so an interrupted synthesis resumes. The metadata table is metadata.tsv in the output folder.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Optional

from .data_root import data_path

REPO_ROOT = Path(__file__).resolve().parents[3]
# $VOICESHIFT_SHARED_DATA or ../shared/data; the in-repo subset under fixtures/ when absent (CI smoke).
PROMPTS = data_path("prompts/arctic.tsv")
CATHY = data_path("cathy")

GPL = "GPL-3.0-or-later (espeak-ng; synthesized audio)"
FLITE = "BSD-style (CMU flite / CMU ARCTIC)"
FESTVOX = "BSD-style (festvox diphone voices, CSTR/CMU)"
SLT_HTS = "BSD-3-Clause / EST (festvox-us-slt-hts)"
RHV = "LGPL-2.1-or-later (RHVoice English voices)"
RHV_NC = "CC-BY-NC-ND-4.0 (non-commercial: evaluation only)"
PICO = "Apache-2.0 (SVOX pico)"
CC0 = "CC0-1.0 (Cathy voice dataset)"


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    engine: str  # espeak | flite | festival | rhvoice | pico | cathy
    arg: str  # engine voice name / options
    gender: str  # female | male
    licence: str
    source: str
    role: str = "train"  # train | heldout
    shippable: bool = True
    pseudo: bool = False
    sox_fx: tuple[str, ...] = field(default_factory=tuple)  # extra sox effects (pseudo-speakers)
    espeak_opts: tuple[str, ...] = field(default_factory=tuple)


VOICES: list[Voice] = [
    # --- distinct shippable identities used for training ---
    Voice("espeak-us", "eSpeak US", "espeak", "en-us", "male", GPL, "espeak-ng en-us"),
    Voice("espeak-gb-f2", "eSpeak GB F2", "espeak", "en-gb+f2", "female", GPL, "espeak-ng en-gb+f2"),
    Voice("espeak-us-f4", "eSpeak US F4", "espeak", "en-us+f4", "female", GPL, "espeak-ng en-us+f4"),
    Voice("espeak-scot-m3", "eSpeak Scottish M3", "espeak", "en-gb-scotland+m3", "male", GPL, "espeak-ng en-gb-scotland+m3"),
    Voice("espeak-rp-f5", "eSpeak RP F5", "espeak", "en-gb-x-rp+f5", "female", GPL, "espeak-ng en-gb-x-rp+f5"),
    Voice("espeak-029-m7", "eSpeak Caribbean M7", "espeak", "en-029+m7", "male", GPL, "espeak-ng en-029+m7"),
    Voice("flite-kal16", "Flite Kal", "flite", "kal16", "male", FLITE, "flite kal16"),
    Voice("flite-awb", "Flite AWB", "flite", "awb", "male", FLITE, "flite awb"),
    Voice("flite-slt", "Flite SLT", "flite", "slt", "female", FLITE, "flite slt"),
    Voice("festival-kal", "Festival Kal", "festival", "kal_diphone", "male", FESTVOX, "festival festvox-kallpc16k"),
    Voice("festival-ked", "Festival Ked", "festival", "ked_diphone", "male", FESTVOX, "festival festvox-kdlpc16k"),
    Voice("festival-slt-hts", "Festival SLT (HTS)", "festival", "cmu_us_slt_arctic_hts", "female", SLT_HTS, "festival festvox-us-slt-hts"),
    Voice("rhvoice-alan", "Alan (synthetic)", "rhvoice", "alan", "male", RHV, "RHVoice alan"),
    Voice("rhvoice-bdl", "BDL", "rhvoice", "bdl", "male", RHV, "RHVoice bdl"),
    Voice("rhvoice-slt", "Sally (synthetic)", "rhvoice", "slt", "female", RHV, "RHVoice slt"),
    Voice("pico-en-us", "Pico US", "pico", "en-US", "female", PICO, "SVOX pico en-US"),
    Voice("cathy", "Cathy", "cathy", "", "female", CC0, "real speech, Cathy voice dataset (CC0)"),
    # --- pseudo-speakers (pitch / rate / formant changes of the voices above) ---
    Voice("espeak-us-high", "eSpeak US High", "espeak", "en-us", "male", GPL, "espeak-ng en-us -p 85 -s 190",
          pseudo=True, espeak_opts=("-p", "85", "-s", "190")),
    Voice("espeak-gb-f2-low", "eSpeak GB F2 Low", "espeak", "en-gb+f2", "female", GPL, "espeak-ng en-gb+f2 -p 25 -s 140",
          pseudo=True, espeak_opts=("-p", "25", "-s", "140")),
    Voice("rhvoice-alan-up", "Alan High", "rhvoice", "alan", "male", RHV, "RHVoice alan, sox pitch +400 cents",
          pseudo=True, sox_fx=("pitch", "400")),
    Voice("rhvoice-slt-deep", "SLT Slow", "rhvoice", "slt", "female", RHV, "RHVoice slt, sox pitch +144 speed 0.92 (measured: tempo -8 %, spectrum unchanged)",
          pseudo=True, sox_fx=("pitch", "144", "speed", "0.92")),
    Voice("rhvoice-bdl-bright", "BDL Fast", "rhvoice", "bdl", "male", RHV, "RHVoice bdl, sox pitch -165 speed 1.1 (measured: tempo +10 %, spectrum unchanged)",
          pseudo=True, sox_fx=("pitch", "-165", "speed", "1.1")),
    Voice("cathy-low", "Cathy Low", "cathy", "", "female", CC0, "Cathy (CC0), sox pitch -500 cents",
          pseudo=True, sox_fx=("pitch", "-500")),
    # --- held-out identities, never seen in training (evaluation only) ---
    Voice("rhvoice-clb", "CLB", "rhvoice", "clb", "female", RHV, "RHVoice clb", role="heldout"),
    Voice("pico-en-gb", "Pico GB", "pico", "en-GB", "female", PICO, "SVOX pico en-GB", role="heldout"),
    Voice("flite-rms", "Flite RMS", "flite", "rms", "male", FLITE, "flite rms", role="heldout"),
    Voice("rhvoice-evgeniy", "Evgeniy", "rhvoice", "evgeniy-eng", "male", RHV_NC, "RHVoice evgeniy-eng (non-commercial)",
          role="heldout", shippable=False),
    Voice("rhvoice-lyubov", "Lyubov", "rhvoice", "lyubov", "female", RHV_NC, "RHVoice lyubov (non-commercial)",
          role="heldout", shippable=False),
]

ESPEAK_ONLY = ["espeak-us", "espeak-gb-f2", "espeak-scot-m3"]

FIELDS = ["voice", "licence", "gender", "sentence", "text", "split", "path", "role", "shippable", "pseudo", "source"]


def read_prompts() -> list[tuple[str, str]]:
    rows = []
    with open(PROMPTS, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                sid, text = line.split("\t", 1)
                rows.append((sid, text))
    return rows


def read_cathy() -> list[tuple[str, str, str]]:
    """(utterance id, prompt id, text) for the Cathy recordings."""
    rows = []
    with open(CATHY / "transcripts.tsv", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                uid, text = line.split("\t", 1)
                rows.append((uid, "_".join(uid.split("_")[:2]), text))
    return rows


def _run(cmd: list[str], stdin: Optional[str] = None) -> None:
    subprocess.run(cmd, input=stdin.encode() if stdin is not None else None, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def synth_one(job: tuple[Voice, str, str, str]) -> Optional[str]:
    """Synthesize one utterance to `out` (16 kHz mono float32). Returns an error string or None."""
    v, sid, text, out = job
    if os.path.exists(out):
        return None
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        raw = os.path.join(td, "raw.wav")
        try:
            if v.engine == "espeak":
                _run(["espeak-ng", "-v", v.arg, *v.espeak_opts, "-w", raw, text])
            elif v.engine == "flite":
                _run(["flite", "-voice", v.arg, "-t", text, "-o", raw])
            elif v.engine == "festival":
                txt = os.path.join(td, "t.txt")
                with open(txt, "w", encoding="utf-8") as f:
                    f.write(text + "\n")
                _run(["text2wave", "-eval", f"(voice_{v.arg})", txt, "-o", raw])
            elif v.engine == "rhvoice":
                _run(["RHVoice-test", "-p", v.arg, "-o", raw], stdin=text)
            elif v.engine == "pico":
                _run(["pico2wave", "-l", v.arg, "-w", raw, text])
            elif v.engine == "cathy":
                raw = str(CATHY / "audio" / f"{sid}.flac")
            else:
                return f"unknown engine {v.engine}"
            tmp_out = out + ".part.wav"
            _run(["sox", raw, "-c", "1", "-e", "floating-point", "-b", "32", tmp_out, *v.sox_fx,
                  "rate", "-v", "16000", "norm", "-2"])
            os.replace(tmp_out, out)
        except Exception as e:  # noqa: BLE001 - report and continue
            return f"{v.id} {sid}: {e}"
    return None


def build_jobs(out_dir: Path, n_train: int, n_test: int, n_enrol: int, voices: list[Voice], seed: int,
               cathy_max: int) -> list[dict]:
    prompts = read_prompts()
    rng = random.Random(seed)
    ids = [p[0] for p in prompts]
    text_of = dict(prompts)
    shuffled = ids[:]
    rng.shuffle(shuffled)
    test_sents = sorted(shuffled[:n_test])
    pool = sorted(shuffled[n_test:])
    rows: list[dict] = []
    for v in voices:
        vr = random.Random(f"{seed}-{v.id}")
        if v.engine == "cathy":
            utts = read_cathy()
            test_set = set(test_sents)
            tr = [u for u in utts if u[1] not in test_set]
            te = [u for u in utts if u[1] in test_set]
            vr.shuffle(tr)
            tr = sorted(tr[:cathy_max if not v.pseudo else n_train])
            # one take per test prompt
            seen: set[str] = set()
            te1 = []
            for u in sorted(te):
                if u[1] not in seen:
                    seen.add(u[1])
                    te1.append(u)
            for split, lst in (("train", tr), ("test", te1)):
                for uid, pid, text in lst:
                    rows.append(dict(voice=v, sentence=pid, text=text, split=split, uid=uid,
                                     path=str(out_dir / "wav" / v.id / f"{uid}.wav")))
            continue
        if v.role == "train":
            tr = sorted(vr.sample(pool, min(n_train, len(pool))))
        else:
            tr = sorted(vr.sample(pool, min(n_enrol, len(pool))))
        for split, lst in (("train" if v.role == "train" else "enrol", tr), ("test", test_sents)):
            for sid in lst:
                rows.append(dict(voice=v, sentence=sid, text=text_of[sid], split=split, uid=sid,
                                 path=str(out_dir / "wav" / v.id / f"{sid}.wav")))
    return rows


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/corpus")
    ap.add_argument("--n-train", type=int, default=320, help="training sentences per TTS voice")
    ap.add_argument("--n-test", type=int, default=40, help="held-out sentences (all voices)")
    ap.add_argument("--n-enrol", type=int, default=24, help="enrolment sentences per held-out voice")
    ap.add_argument("--cathy-max", type=int, default=1000, help="max training utterances from Cathy (and Cathy-low)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--espeak-only", action="store_true", help="tiny CI corpus: 3 espeak-ng voices")
    ap.add_argument("--voices", default="", help="comma-separated subset of voice ids")
    ap.add_argument("--real", action="store_true",
                    help="add the real speakers of ../shared/data/real-speech (split: real_split.tsv; not copied)")
    ap.add_argument("--real-max-utts", type=int, default=40, help="max training clips per real speaker")
    args = ap.parse_args(argv)

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    voices = VOICES
    if args.espeak_only:
        voices = [v for v in VOICES if v.id in ESPEAK_ONLY]
    if args.voices:
        want = set(args.voices.split(","))
        voices = [v for v in VOICES if v.id in want]
    rows = build_jobs(out_dir, args.n_train, args.n_test, args.n_enrol, voices, args.seed, args.cathy_max)
    # interleave voices so a partial corpus is already multi-speaker
    rows.sort(key=lambda r: (zlib.crc32(r["uid"].encode()) % 997, r["voice"].id))
    t0 = time.time()
    jobs = [(r["voice"], r["uid"], r["text"], r["path"]) for r in rows]
    errors = 0
    done = 0
    with Pool(max(1, args.jobs)) as p:
        for err in p.imap_unordered(synth_one, jobs, chunksize=8):
            done += 1
            if err:
                errors += 1
                print("ERROR", err, file=sys.stderr, flush=True)
            if done % 500 == 0:
                print(f"{done}/{len(jobs)} utterances, {time.time() - t0:.0f}s", flush=True)
    ok = [r for r in rows if os.path.exists(r["path"])]
    ok.sort(key=lambda r: (r["voice"].id, r["split"], r["uid"]))
    with open(out_dir / "metadata.tsv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(FIELDS)
        for r in ok:
            v: Voice = r["voice"]
            w.writerow([v.id, v.licence, v.gender, r["sentence"], r["text"], r["split"], r["path"], v.role,
                        int(v.shippable), int(v.pseudo), v.source])
        if args.real:
            from .real import corpus_rows
            real = corpus_rows(args.real_max_utts)
            for r in real:
                w.writerow([r[k] for k in FIELDS])
            print(f"real speech: {len(real)} utterances of {len({r['voice'] for r in real})} speakers", flush=True)
    print(f"corpus: {len(ok)} utterances ({errors} errors) from {len(voices)} voices in {time.time() - t0:.0f}s "
          f"-> {out_dir / 'metadata.tsv'}", flush=True)
    return 0 if ok else 1


def voice_table() -> dict[str, Voice]:
    return {v.id: v for v in VOICES}


if __name__ == "__main__":
    sys.exit(main())
