"""The recogniser's acoustic model as a judge (vc_train/sphinx_am.py): its files parsed, its front end reproduced.

Skipped where the pocketsphinx en-us model is not installed (it is a word-error meter dependency, not a test one)."""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.phone_align import PHONES as ALIGNED_PHONES  # noqa: E402
from vc_train.sphinx_am import (LIFTER, LOWER_HZ, MODEL_DIR, N_FILT, NFFT, PHONE_CLASSES, SHIFT, UPPER_HZ,  # noqa: E402
                                WIN, SphinxAM, _f0_stats, am_phone_loss, class_scores, class_weights, decoder_cepstra,
                                front_end_decoder, labels_at_frames)

PHONES = ["SIL", "AA", "AE", "IY", "S", "T"]
HAS_MODEL = (MODEL_DIR / "sendump").exists()
FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cathy"


def vowel(seconds: float = 1.0, f0: float = 120.0, formants: tuple[float, ...] = (700.0, 1200.0)) -> np.ndarray:
    """A glottal-pulse train through formant resonances: enough of a voice for the front end."""
    sr = 16000
    n = int(seconds * sr)
    x = np.zeros(n)
    x[:: int(sr / f0)] = 1.0
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1 / sr)
    env = sum(1.0 / (1.0 + ((f - fc) / 80.0) ** 2) for fc in formants)
    y = np.fft.irfft(spec * env, n)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


class FeaturesTest(unittest.TestCase):
    def test_deltas_of_a_ramp_are_four_slopes_and_its_accelerations_zero(self) -> None:
        c = torch.arange(20, dtype=torch.float32).repeat(13, 1)[None] * 0.5  # [1, 13, 20]
        f = SphinxAM.features(c)
        self.assertEqual(tuple(f.shape), (1, 3, 13, 20))
        np.testing.assert_allclose(f[0, 1, :, 3:-3].numpy(), 2.0, atol=1e-6)
        np.testing.assert_allclose(f[0, 2, :, 3:-3].numpy(), 0.0, atol=1e-6)

    def test_phone_classes_partition_the_aligned_phone_set(self) -> None:
        members = [p for ps in PHONE_CLASSES.values() for p in ps.split()]
        self.assertEqual(sorted(members), sorted(ALIGNED_PHONES))  # each phone in exactly one class

    def test_class_scores_count_each_class_on_its_own_frames(self) -> None:
        phones = ["SIL", "AA", "T"]
        lab = torch.tensor([0, 1, 1, 2, 2, 2])
        ll = torch.full((3, 6), -10.0)
        ll[lab, torch.arange(6)] = 0.0  # right everywhere...
        ll[1, 5], ll[2, 5] = 0.0, -10.0  # ...but the last stop frame heard as a vowel
        got = class_scores(ll, lab, phones, 1.0)
        self.assertEqual(set(got), {"vowel", "stop", "silence"})
        self.assertEqual((got["vowel"]["frames"], got["vowel"]["acc"]), (2, 1.0))
        self.assertEqual((got["stop"]["frames"], got["stop"]["acc"]), (3, 0.667))
        self.assertGreater(got["stop"]["ce"], got["vowel"]["ce"])
        self.assertNotIn("voiced", got["stop"])
        split = class_scores(ll, lab, phones, 1.0, torch.tensor([False, True, True, False, True, True]))
        self.assertEqual((split["stop"]["voiced"]["frames"], split["stop"]["unvoiced"]["frames"]), (2, 1))
        self.assertGreater(split["stop"]["voiced"]["ce"], split["stop"]["unvoiced"]["ce"])  # the misheard frame is voiced
        self.assertNotIn("unvoiced", split["vowel"])

    def test_class_weights_weigh_a_class_and_shift_the_cross_entropy_toward_its_frames(self) -> None:
        w = class_weights(PHONES, {"stop": 4.0})
        self.assertEqual(w.tolist(), [1.0, 1.0, 1.0, 1.0, 1.0, 4.0])  # T is the only stop in PHONES
        from vc_train.phone_net import frame_cross_entropy
        logits = torch.zeros(1, len(PHONES), 4)
        logits[0, 1, :] = 3.0  # every frame heard as AA
        lab = torch.tensor([[1, 1, 5, -1]])  # two AA frames right, one T frame wrong, one unlabelled
        plain, weighted = frame_cross_entropy(logits, lab), frame_cross_entropy(logits, lab, w)
        per = torch.nn.functional.cross_entropy(logits[0].T[:3], lab[0, :3], reduction="none")
        self.assertAlmostEqual(plain.item(), per.mean().item(), places=5)
        self.assertAlmostEqual(weighted.item(), ((per[0] + per[1] + 4 * per[2]) / 6).item(), places=5)
        self.assertGreater(weighted.item(), plain.item())  # the misheard stop frame counts more

    def test_f0_statistics_are_of_voiced_frames_with_a_fallback(self) -> None:
        lf0 = np.array([4.0, 5.0, 5.2, 4.8, 9.0])
        vuv = np.array([0.0, 1.0, 1.0, 1.0, 0.0])
        mean, spread = _f0_stats(lf0, vuv)
        self.assertAlmostEqual(mean, 5.0)
        self.assertAlmostEqual(spread, float(np.std([5.0, 5.2, 4.8])) + 1e-3)
        self.assertEqual(_f0_stats(lf0, np.zeros(5)), (5.0, 0.1))  # unvoiced: a neutral target

    def test_judge_frames_take_the_label_under_their_centre(self) -> None:
        lab = torch.arange(10)[None]  # log-mel frame j centred at 256 j
        got = labels_at_frames(lab, 8)[0].tolist()
        want = [min(9, round((160 * t + 205) / 256)) for t in range(8)]
        self.assertEqual(got, want)
        self.assertEqual(labels_at_frames(lab, 4, stride=2)[0].tolist(), want[::2])


@unittest.skipUnless(HAS_MODEL, f"pocketsphinx en-us model not installed ({MODEL_DIR})")
class AcousticModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.am = SphinxAM(PHONES)

    def test_model_files_parse_to_proper_mixtures(self) -> None:
        am = self.am
        self.assertEqual(tuple(am.inv.shape), (len(PHONES), 3, 128, 13))
        self.assertTrue(bool((am.inv > 0).all()))
        self.assertEqual([tuple(w.shape) for w in am.w], [(3, 3, 128)] * len(PHONES))
        total = torch.stack(am.w).sum(-1)  # quantised weights of each senone and stream sum to about one
        self.assertTrue(bool(((total > 0.85) & (total < 1.05)).all()), total)

    def test_triphone_senones_join_their_base_phone(self) -> None:
        cd = SphinxAM(PHONES, senones="cd")
        sizes = [w.shape[0] for w in cd.w]
        self.assertTrue(all(n > 3 for n in sizes[1:]), sizes)  # every speech phone has triphone states too
        np.testing.assert_allclose(cd.w[1][:3].numpy(), self.am.w[1].numpy())  # its own CI senones first
        y = torch.tensor(vowel())[None]
        ci, full = self.am.phone_loglik(y), cd.phone_loglik(y)
        self.assertEqual(ci.shape, full.shape)
        self.assertTrue(bool((full >= ci - 1e-3).all()))  # more senones can only add likelihood

    def test_an_unknown_phone_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            SphinxAM(["SIL", "QQ"])

    def test_a_gain_does_not_change_the_cepstra(self) -> None:
        y = torch.tensor(vowel())[None]
        np.testing.assert_allclose(self.am.cepstra(0.25 * y).numpy(), self.am.cepstra(y).numpy(), atol=1e-3)

    def test_the_loss_prefers_the_vowel_labels_and_has_gradients(self) -> None:
        y = torch.tensor(vowel(formants=(750.0, 1150.0)))[None].requires_grad_(True)
        frames = 1 + y.shape[1] // 256
        loss_aa = am_phone_loss(self.am, y, torch.full((1, frames), PHONES.index("AA")), 5.0)
        loss_s = am_phone_loss(self.am, y, torch.full((1, frames), PHONES.index("S")), 5.0)
        self.assertLess(loss_aa.item(), loss_s.item())
        loss_aa.backward()
        self.assertTrue(bool(torch.isfinite(y.grad).all()) and y.grad.abs().sum().item() > 0)

    def test_constants_are_the_decoders_configuration(self) -> None:
        try:
            import pocketsphinx  # noqa: F401
        except ImportError:
            self.skipTest("pocketsphinx Python bindings not installed")
        got = front_end_decoder()[0].get_config()  # the model's feat.params override the compiled-in defaults on load
        self.assertEqual((got.get_int("-nfilt"), got.get_int("-lifter"), got.get_int("-nfft")), (N_FILT, LIFTER, NFFT))
        self.assertEqual((got.get_float("-lowerf"), got.get_float("-upperf")), (LOWER_HZ, UPPER_HZ))
        self.assertEqual(round(got.get_float("-wlen") * 16000), WIN)
        self.assertEqual(16000 // got.get_int("-frate"), SHIFT)
        self.assertEqual((got.get_string("-feat"), got.get_string("-transform")), ("1s_c_d_dd", "dct"))

    def test_cepstra_follow_the_decoders_own(self) -> None:
        try:
            import pocketsphinx  # noqa: F401
        except ImportError:
            self.skipTest("pocketsphinx Python bindings not installed")
        import soundfile as sf
        clip = sorted((FIXTURES / "audio").iterdir())[0]
        y, sr = sf.read(clip, dtype="float32")
        self.assertEqual(sr, 16000)
        ref = decoder_cepstra(y).T
        ref = ref - ref.mean(0)
        got = self.am.cepstra(torch.tensor(y)[None])[0].numpy().T
        n = min(len(ref), len(got))
        # pocketsphinx's noise-floor tracking is not reproduced: close on a recording, not equal
        for i in range(13):
            self.assertGreater(np.corrcoef(ref[:n, i], got[:n, i])[0, 1], 0.9, f"c{i}")
        self.assertLess(np.abs(ref[:n] - got[:n]).mean() / ref[:n].std(), 0.3)


if __name__ == "__main__":
    unittest.main()
