"""The real-speech split, the speaker-balanced sampler, the built-in voice choice and the verifier's pieces.

Runs without ../shared: the split is a committed file and everything else uses synthetic arrays.
"""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.builtins import Candidate, choose, display_names  # noqa: E402
from vc_train.data import Sampler, Utt  # noqa: E402
from vc_train.real import read_split  # noqa: E402
from vc_train.verifier import Verifier, augment, eer, fit_logistic  # noqa: E402


def utt(voice: str, frames: int, value: float = 0.0) -> Utt:
    mel = np.tile(np.arange(frames, dtype=np.float32), (80, 1)) + value
    return Utt(voice, f"{voice}-{frames}", "s", "train", mel, np.zeros(frames, np.float32), np.zeros(frames, np.float32))


class SplitTest(unittest.TestCase):
    def test_held_out_real_speakers_are_balanced_and_never_trained(self) -> None:
        sp = read_split()
        held = [s for s in sp if s.role == "heldout"]
        self.assertEqual(len(held), 24)
        self.assertEqual(sum(s.gender == "female" for s in held), 12)
        self.assertEqual({s.corpus for s in held}, {"librispeech", "speechocean762"})
        train = {s.voice for s in sp if s.role == "train"}
        self.assertFalse(train & {s.voice for s in held})
        self.assertGreater(len(train), 300)


class SamplerTest(unittest.TestCase):
    def test_single_clip_voice_gives_the_two_halves(self) -> None:
        s = Sampler({"a": [utt("a", 400)]}, 64, 0, ref_crop=96)
        for _ in range(20):
            b = s.batch(1)
            m, r = b["mel"][0, 0], b["ref"][0, 0]
            self.assertEqual(r.shape, (96,))
            # frame indices of the crop and the reference never overlap (different halves)
            self.assertTrue(m.max() < 200 <= r.min() or r.max() < 200 <= m.min())

    def test_several_clips_use_a_different_clip_for_the_reference(self) -> None:
        s = Sampler({"a": [utt("a", 300, 0.0), utt("a", 300, 1000.0)]}, 64, 1)
        for _ in range(10):
            b = s.batch(1)
            self.assertNotEqual(b["mel"][0, 0, 0] >= 1000, b["ref"][0, 0, 0] >= 1000)


class BuiltinsTest(unittest.TestCase):
    def test_choice_is_balanced_clean_and_named(self) -> None:
        rng = np.random.default_rng(0)
        cands = []
        for i in range(40):
            e = rng.standard_normal(16)
            cands.append(Candidate(f"v{i}", "female" if i % 2 else "male", 5.0 + (i % 2) * 0.6 + rng.random() * 0.3,
                                   snr_db=float(i), embedding=e / np.linalg.norm(e)))
        picked = choose(cands, 6)
        self.assertEqual(sum(c.gender == "female" for c in picked), 6)
        self.assertEqual(sum(c.gender == "male" for c in picked), 6)
        self.assertEqual(len({c.voice for c in picked}), 12)
        worst_kept = min(c.snr_db for c in picked)
        self.assertGreaterEqual(worst_kept, np.quantile([c.snr_db for c in cands if c.gender == "male"], 0.4) - 1e-9)
        names = display_names(picked)
        self.assertEqual(len(set(names.values())), 12)
        self.assertTrue(all(n[0].isupper() and n.isalpha() for n in names.values()))


class VerifierTest(unittest.TestCase):
    def test_embedding_is_unit_length_and_ignores_a_fixed_channel_colouring(self) -> None:
        torch.manual_seed(0)
        m = Verifier(32).eval()
        mel = torch.randn(1, 80, 50) - 5
        e1 = m(mel)
        e2 = m(mel + torch.linspace(-1, 1, 80).view(1, 80, 1))  # a fixed EQ: removed by the mean normalization
        self.assertAlmostEqual(float(e1.norm()), 1.0, places=5)
        self.assertLess(float((e1 - e2).abs().max()), 1e-5)

    def test_augmentation_keeps_shape_and_finite_values(self) -> None:
        g = torch.Generator().manual_seed(0)
        x = augment(torch.randn(4, 80, 30) - 5, g)
        self.assertEqual(tuple(x.shape), (4, 80, 30))
        self.assertTrue(bool(torch.isfinite(x).all()))

    def test_eer_and_calibration(self) -> None:
        rng = np.random.default_rng(0)
        same, diff = rng.normal(0.7, 0.1, 400), rng.normal(0.2, 0.1, 4000)
        e, t = eer(same, diff)
        self.assertLess(e, 0.02)
        self.assertTrue(0.35 < t < 0.55)
        a, b = fit_logistic(np.concatenate([same, diff]), np.concatenate([np.ones(400), np.zeros(4000)]))
        p = lambda s: 1 / (1 + np.exp(-(a * s + b)))  # noqa: E731
        self.assertGreater(p(0.8), 0.9)
        self.assertLess(p(0.1), 0.05)


if __name__ == "__main__":
    unittest.main()
