"""The neural vocoder's signal path (source_filter.py) and its differentiable twin (vocoder_net.TorchSynth)."""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train import source_filter as sfv  # noqa: E402
from vc_train.asr_front import SphinxMfcc  # noqa: E402
from vc_train.f0 import f0_yin  # noqa: E402
from vc_train.features import log_mel  # noqa: E402
from vc_train.vocoder_net import ENVELOPE_RANGE, AperiodicityNet, TorchSynth, f0_features, load_state_widening  # noqa: E402


def tone(f0: float = 200.0, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000.0
    return sum(0.2 / h * np.sin(2 * np.pi * f0 * h * t) for h in range(1, 12)).astype(np.float32)


class SourceFilterTest(unittest.TestCase):
    def test_noise_is_keyed_by_position(self) -> None:
        a = sfv.noise(5000)
        self.assertAlmostEqual(float(a.std()), 1.0, delta=0.05)
        np.testing.assert_array_equal(sfv.noise(10, start=1234), a[1234:1244])

    def test_resynthesis_keeps_length_pitch_and_envelope(self) -> None:
        x = tone(200.0)
        mel = log_mel(x)
        lf0, vuv = f0_yin(x)
        y = sfv.synthesize(mel, lf0, vuv, sfv.default_aperiodicity(mel.shape[1]), len(x))
        self.assertEqual(len(y), len(x))
        lf, vv = f0_yin(y)
        both = (vv > 0) & (vuv > 0)
        self.assertGreater(both.mean(), 0.8)
        self.assertLess(float(np.abs(np.exp(lf[both]) - 200.0).max()), 5.0)
        self.assertLess(float(np.abs(log_mel(y) - mel).mean()), 0.35)

    def test_torch_twin_matches_numpy(self) -> None:
        x = tone(150.0, 0.5)
        mel = log_mel(x)
        lf0, vuv = f0_yin(x)
        vuv[::3] = 0  # some unvoiced frames, where free voicing differs
        t, n = mel.shape[1], len(x)
        ap = sfv.default_aperiodicity(t)
        det = np.full((80, t), 0.3)
        h, z = sfv.excitations(lf0, vuv, n, t)
        ker = sfv.envelope_kernels(sfv.frame_f0(lf0, vuv))
        tt = lambda a, dt=torch.float32: torch.tensor(np.asarray(a), dtype=dt)[None]  # noqa: E731
        outs = []
        for free in (False, True):
            want = sfv.synthesize(mel, lf0, vuv, ap, n, iterations=1, detail=det, free_voicing=free)
            got = TorchSynth()(tt(mel), tt(vuv), tt(ap), tt(det), tt(h, torch.complex64), tt(z, torch.complex64), tt(ker), n, 1,
                               free_voicing=free)
            self.assertLess(float(np.abs(got[0].numpy() - want).max()), 1e-3 * float(np.abs(want).max()) + 1e-4)
            outs.append(want)
        self.assertGreater(float(np.abs(outs[0] - outs[1]).max()), 1e-2 * float(np.abs(outs[0]).max()))

    def test_conversion_steps_train_the_network_through_the_synthesis(self) -> None:
        # a tiny converter checkpoint: conversion_batch decodes one clip's content with another clip's voice
        import dataclasses
        import tempfile
        from vc_train.model import ModelConfig, VCModel
        from vc_train.vocoder_net import Clip, Converter, conversion_batch, conversion_loss
        cfg = ModelConfig(channels=16)
        with tempfile.TemporaryDirectory() as td:
            path = str(Path(td) / "conv.pt")
            torch.save({"cfg": dataclasses.asdict(cfg), "voices": ["a", "b", "c"], "model": VCModel(cfg, 3).state_dict()}, path)
            conv = Converter(path)
        # one clip has phone labels (phone 3 throughout), the other none: its crop's labels are -1 (ignored)
        clips = [Clip(tone(110.0, 1.0), np.full(63, 3, np.int8)), Clip(tone(220.0, 1.0))]
        mel, lf0, vuv, h, z, ker, length, lab = conversion_batch(clips, np.random.default_rng(0), 2, 24, conv)
        self.assertEqual(tuple(mel.shape), (2, 80, 24))
        self.assertEqual(tuple(lab.shape), (2, 24))
        self.assertEqual(sorted({int(lab[i, 0]) for i in range(2)}), [-1, 3])
        # the pitch is mapped to the other voice's: the 110 Hz clip converted toward the 220 Hz one sits near 220 Hz
        _, lt = conv.convert(clips[0], clips[1], 0, 24)
        v = clips[0].vuv[:24] > 0.5
        self.assertTrue(bool(v.any()))
        self.assertLess(abs(float(np.exp(np.median(lt[v]))) - 220.0), 15.0)
        net = AperiodicityNet()
        synth = TorchSynth()
        ap, det = net(mel, f0_features(lf0, vuv))
        y = synth(mel, vuv, ap, det, h, z, ker, length, 1)
        from vc_train.phone_net import PhoneNet
        phones = PhoneNet()
        for p in phones.parameters():
            p.requires_grad_(False)
        loss, content, mfcc, phone = conversion_loss(y, mel, conv, synth.fb, 4.0, 1.0, SphinxMfcc(), phones, lab, 1.0)
        loss.backward()
        self.assertTrue(bool(torch.isfinite(loss)) and float(content) >= 0.0 and float(mfcc) > 0.0)
        self.assertGreater(float(phone), 0.0)  # cross-entropy over the labelled crop only
        grad = sum(float(p.grad.abs().sum()) for p in net.parameters() if p.grad is not None)
        self.assertGreater(grad, 0.0)
        self.assertTrue(all(p.grad is None for p in conv.model.parameters()))

    def test_network_outputs_controls_in_range(self) -> None:
        net = AperiodicityNet().eval()
        mel = torch.randn(1, 80, 33) - 5
        f0 = f0_features(torch.full((1, 33), 5.0), torch.ones(1, 33))
        ap, det = net(mel, f0)
        self.assertEqual(tuple(ap.shape), (1, 80, 33))
        self.assertEqual(tuple(det.shape), (1, 80, 33))
        self.assertTrue(bool(((ap > 0) & (ap < 1) & (det > 0) & (det < 1)).all()))

    def test_the_envelope_output_starts_as_the_network_it_widens_and_stays_a_bounded_correction(self) -> None:
        torch.manual_seed(0)
        plain = AperiodicityNet().eval()
        wide = AperiodicityNet(envelope=True).eval()
        load_state_widening(wide, plain.state_dict())
        mel = torch.randn(1, 80, 33) - 5
        f0 = f0_features(torch.full((1, 33), 5.0), torch.ones(1, 33))
        with torch.no_grad():
            ap, det = plain(mel, f0)
            ap2, det2, env = wide.controls(mel, f0)
            torch.testing.assert_close(ap2, ap)
            torch.testing.assert_close(det2, det)
            torch.testing.assert_close(env, mel)  # a zero correction until trained
            wide.out.bias[160:].fill_(50.0)  # however far training pushes it, the correction stays within range
            _, _, env = wide.controls(mel, f0)
        self.assertLessEqual(float((env - mel).max()), ENVELOPE_RANGE + 1e-5)
        self.assertGreater(float((env - mel).min()), 0.9 * ENVELOPE_RANGE)
        self.assertEqual(len(plain.controls(mel, f0)), 3)  # the same call without an envelope output


if __name__ == "__main__":
    unittest.main()
