"""Write the Python/TypeScript feature parity vectors into src/dsp/testdata/.

Why this file exists: DESIGN.md section 3 says training and app must compute the same
log-mel (and, section 6, the same F0). This script runs features.log_mel and f0.f0_yin
on a few short clips and writes input PCM + expected outputs; src/dsp/parity.test.ts
recomputes them in TypeScript and compares (log-mel max abs error <= 1e-4).

Run from models/train:  /usr/bin/python3 -m vc_train.parity
Files per case NAME: NAME.pcm.f32 (float32 LE samples), NAME.logmel.f32 ([80, T]
row-major float32), NAME.f0.f32 ([2, T]: log-F0 then voiced), NAME.sf.f32 (the source-filter synthesis of
NAME.logmel.f32 with NAME.f0.f32, see index.json's sourceFilter); index.json lists cases.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from .f0 import f0_yin
from .features import SAMPLE_RATE, log_mel
from .source_filter import default_aperiodicity, synthesize

SF_PHASE0 = 0.3
SF_START = 1000

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(_HERE, "..", "..", ".."))
OUT_DIR = os.path.join(REPO, "src", "dsp", "testdata")
CATHY = os.path.join(REPO, "..", "shared", "data", "cathy", "audio", "arctic_a0001_1592748574.flac")


def _cases() -> dict[str, np.ndarray]:
    sr = SAMPLE_RATE
    t = np.arange(int(1.0 * sr)) / sr
    # exponential chirp 80 Hz -> 1000 Hz, with a fade so the tracker sees a clean start/end
    f0, f1 = 80.0, 1000.0
    k = np.log(f1 / f0)
    phase = 2 * np.pi * f0 * (np.exp(k * t) - 1.0) / k
    chirp = 0.6 * np.sin(phase) * np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    # tone mix: harmonic 180 Hz voice-like tone, a 3 kHz partial, a silent gap, soft noise
    rng = np.random.default_rng(7)
    t2 = np.arange(int(0.8 * sr)) / sr
    mix = sum(0.3 / h * np.sin(2 * np.pi * 180.0 * h * t2 + h) for h in range(1, 8))
    mix = mix + 0.05 * np.sin(2 * np.pi * 3000.0 * t2)
    mix[int(0.5 * sr):int(0.6 * sr)] = 0.0
    mix = mix + 0.002 * rng.standard_normal(len(t2))
    cases = {"chirp": chirp, "tonemix": mix}
    try:
        import soundfile as sf
        x, fsr = sf.read(CATHY, dtype="float32")
        if fsr == sr:
            cases["cathy"] = x[int(0.3 * sr):int(0.3 * sr) + int(1.5 * sr) + 123]
    except Exception as exc:  # pragma: no cover - data missing
        print(f"warning: no cathy clip ({exc})", file=sys.stderr)
    return {name: np.asarray(a, dtype=np.float32) for name, a in cases.items()}


def main() -> None:
    os.makedirs(OUT_DIR, exist_ok=True)
    index = []
    for name, pcm in _cases().items():
        mel = log_mel(pcm)
        lf, vo = f0_yin(pcm)
        pcm.astype("<f4").tofile(os.path.join(OUT_DIR, f"{name}.pcm.f32"))
        mel.astype("<f4").tofile(os.path.join(OUT_DIR, f"{name}.logmel.f32"))
        np.stack([lf, vo]).astype("<f4").tofile(os.path.join(OUT_DIR, f"{name}.f0.f32"))
        # the vocoder's source-filter path, with the fixed aperiodicity and a nonzero chunk position
        sf_out = synthesize(mel, lf, vo, default_aperiodicity(mel.shape[1]), len(pcm), iterations=2,
                            phase0=SF_PHASE0, start_sample=SF_START)
        sf_out.astype("<f4").tofile(os.path.join(OUT_DIR, f"{name}.sf.f32"))
        index.append({"name": name, "samples": int(len(pcm)), "frames": int(mel.shape[1]),
                      "nMels": int(mel.shape[0]), "voicedFrames": int(vo.sum())})
        print(f"{name}: {len(pcm)} samples, {mel.shape[1]} frames, voiced {int(vo.sum())}")
    meta = {"generator": "models/train/vc_train/parity.py", "sampleRate": SAMPLE_RATE, "cases": index,
            "sourceFilter": {"passes": 2, "phase0": SF_PHASE0, "startSample": SF_START, "aperiodicity": "default_aperiodicity"}}
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
