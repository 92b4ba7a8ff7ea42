"""STOI / ESTOI (vc_train.intelligibility) on synthetic speech-like signals: no data files, a few seconds."""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.intelligibility import estoi, stoi, third_octave_matrix  # noqa: E402

SR = 16000


def speech_like(seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    """Harmonic tones with a gliding F0 and formant-like spectral tilt, amplitude-modulated at syllable rate (~4 Hz)
    with pauses: the temporal envelope structure STOI looks at."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = np.zeros(n)
    for k in range(1, 30):
        fk = 140 * k
        formant = np.exp(-((fk - 500) / 300) ** 2) + 0.6 * np.exp(-((fk - 1500) / 500) ** 2) + 0.3 * np.exp(-((fk - 2800) / 700) ** 2)
        # each harmonic gets its own slowly varying gain so that bands carry different envelopes
        wob = 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(1, 6) * t + rng.uniform(0, 2 * np.pi))
        x += (formant + 0.02) * wob * np.cos(k * phase)
    env = np.clip(np.sin(2 * np.pi * 4.0 * t + 0.3 * np.sin(2 * np.pi * 1.3 * t)), 0, None) ** 1.5
    env *= (np.sin(2 * np.pi * 0.45 * t) > -0.8)  # pauses
    x = x * env
    return (0.5 * x / np.abs(x).max()).astype(np.float64)


class TestIntelligibility(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.x = speech_like()

    def test_band_matrix(self) -> None:
        obm = third_octave_matrix()
        self.assertEqual(obm.shape, (15, 257))
        self.assertTrue(np.all(obm.sum(1) >= 1))  # every band has at least one bin

    def test_identical_scores_one(self) -> None:
        self.assertGreater(stoi(self.x, self.x), 0.99)
        self.assertGreater(estoi(self.x, self.x), 0.99)

    def test_scale_invariant(self) -> None:
        self.assertGreater(stoi(self.x, 0.1 * self.x), 0.99)
        self.assertGreater(estoi(self.x, 3.0 * self.x), 0.99)

    def test_noise_lowers_monotonically(self) -> None:
        rng = np.random.default_rng(1)
        w = rng.standard_normal(len(self.x))
        p = np.sqrt(np.mean(self.x ** 2))
        s, e = [], []
        for snr in (20, 10, 0, -10, -20):
            y = self.x + w * p * 10 ** (-snr / 20)
            s.append(stoi(self.x, y))
            e.append(estoi(self.x, y))
        for seq in (s, e):
            self.assertTrue(all(a > b for a, b in zip(seq, seq[1:])), seq)
        self.assertGreater(s[0], 0.9)
        self.assertLess(s[-1], 0.6)
        self.assertLess(e[-1], 0.3)

    def test_unrelated_noise_low(self) -> None:
        w = np.random.default_rng(2).standard_normal(len(self.x)) * 0.1
        # STOI's clipping (at 5.6x the clean envelope) leaves some correlation with the clean envelope even for pure
        # noise, so its floor sits above 0; ESTOI has no clipping
        self.assertLess(stoi(self.x, w), 0.45)
        self.assertLess(estoi(self.x, w), 0.15)
        other = speech_like(seed=5)[::-1].copy()  # different envelope timing
        self.assertLess(estoi(self.x, other), 0.5)

    def test_length_mismatch_and_short(self) -> None:
        self.assertGreater(stoi(self.x, self.x[:-300]), 0.95)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.assertTrue(np.isnan(stoi(self.x[:2000], self.x[:2000])))


class TestVocoderEvalHelpers(unittest.TestCase):
    """Helpers of vc_train.eval_vocoder that do not need /work/shared."""

    def test_fast_dtw_equals_reference(self) -> None:
        from vc_train.eval import dtw_cost
        from vc_train.eval_vocoder import dtw_cost_fast
        rng = np.random.default_rng(3)
        for n, m in ((1, 4), (17, 9), (30, 41)):
            a, b = rng.standard_normal((n, 3)), rng.standard_normal((m, 3))
            self.assertEqual(dtw_cost(a, b), dtw_cost_fast(a, b))
            a, b = np.round(a), np.round(b)  # ties: same tie-breaking
            self.assertEqual(dtw_cost(a, b), dtw_cost_fast(a, b))

    def test_mr_stft_and_png(self) -> None:
        import tempfile
        from vc_train.eval_vocoder import mr_stft, spectrogram_png
        x = speech_like(1.0)
        self.assertEqual(mr_stft(x, x), (0.0, 0.0))
        sc, lm = mr_stft(0.5 * x, x)
        self.assertAlmostEqual(sc, 0.5, places=6)
        self.assertTrue(0.1 < lm <= np.log(2) + 1e-9, lm)  # log 2 where both are above the 1e-5 floor
        with tempfile.TemporaryDirectory() as td:
            p = Path(td) / "s.png"
            spectrogram_png(p, [x, 0.5 * x])
            data = p.read_bytes()
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
            import struct
            w, h = struct.unpack(">II", data[16:24])
            self.assertEqual(h, 2 * 256 + 3)
            self.assertGreater(w, 50)


if __name__ == "__main__":
    unittest.main()


class TestDifferentiableEstoi(unittest.TestCase):
    """vocoder_net.estoi_loss: the training-time ESTOI (16 kHz, no resampling) tracks the reference and has gradients."""

    def test_tracks_the_reference_and_falls_with_noise(self) -> None:
        import torch
        from vc_train.vocoder_net import estoi_loss
        x = speech_like(1.6, seed=3)
        rng = np.random.default_rng(5)
        noise = rng.standard_normal(len(x))
        scores = []
        for snr in (20.0, 5.0, -5.0):
            y = x + noise * np.sqrt((x ** 2).mean() / (noise ** 2).mean()) / 10 ** (snr / 20)
            yt = torch.tensor(y, dtype=torch.float32, requires_grad=True)
            loss = estoi_loss(yt[None], torch.tensor(x, dtype=torch.float32)[None])
            loss.backward()
            self.assertTrue(torch.isfinite(yt.grad).all() and float(yt.grad.abs().sum()) > 0)
            scores.append(1.0 - float(loss))
            self.assertAlmostEqual(scores[-1], estoi(x, y, SR), delta=0.08)
        self.assertGreater(scores[0], scores[1])
        self.assertGreater(scores[1], scores[2])
        same = estoi_loss(torch.tensor(x, dtype=torch.float32)[None], torch.tensor(x, dtype=torch.float32)[None])
        self.assertLess(float(same), 1e-4)
