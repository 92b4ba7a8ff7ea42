"""Cheap unit tests: python3 -m unittest discover -s models/train/tests (Debian python with torch)."""
import sys
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.adversary import SpeakerAdversary, grad_reverse  # noqa: E402
from vc_train.augment import perturb_content_input, warp  # noqa: E402
from vc_train.model import ContentEncoderExport, ModelConfig, VCModel, f0_input  # noqa: E402
from vc_train.vocoder import griffin_lim  # noqa: E402


class ModelTest(unittest.TestCase):
    def test_shapes_keep_time(self) -> None:
        torch.manual_seed(0)
        for vq in (False, True):
            cfg = ModelConfig(channels=32, vq=vq)
            m = VCModel(cfg, 3).eval()
            for t in (20, 37):
                mel = torch.randn(1, 80, t) - 5
                out = ContentEncoderExport(m.content)(mel)
                c = out[0] if vq else out
                self.assertEqual(tuple(c.shape), (1, m.content.out_dim, t))
                if vq:
                    self.assertEqual(tuple(out[1].shape), (1, t))
                e = m.speaker(mel)
                self.assertAlmostEqual(float(e.norm()), 1.0, places=5)
                f0 = f0_input(torch.full((1, t), 5.0), torch.ones(1, t))
                self.assertEqual(tuple(m.decoder(c, e, f0).shape), (1, 80, t))

    def test_streaming_graphs_read_only_lookahead_and_window(self) -> None:
        """The streaming variant's output at frame t changes with input up to t + lookahead, never later; and with
        running norm a long-past input stops mattering once it is outside every layer's reach."""
        for norm in ("channel", "window"):
            with self.subTest(norm=norm):
                self._check_reach(ModelConfig(channels=32, stream=norm, norm_window=8, enc_lookahead=2, dec_lookahead=1))

    def _check_reach(self, cfg: ModelConfig) -> None:
        torch.manual_seed(0)
        m = VCModel(cfg, 3).eval()
        t, cut = 200, 170  # the layers reach at most ~151 frames back (convs + norm windows)
        mel = torch.randn(1, 80, t) - 5
        e = m.speaker(mel)
        f0 = f0_input(torch.full((1, t), 5.0), torch.ones(1, t))
        later = mel.clone()
        later[:, :, cut:] += 2.0
        with torch.no_grad():
            y = m.decoder(m.content(mel), e, f0)
            y2 = m.decoder(m.content(later), e, f0)
        changed = (y - y2).abs().amax(dim=(0, 1)) > 1e-6
        self.assertEqual(cfg.lookahead, 3)
        self.assertEqual(int(changed.nonzero()[0]), cut - cfg.lookahead)
        earlier = mel.clone()
        earlier[:, :, :5] += 2.0
        with torch.no_grad():
            y3 = m.decoder(m.content(earlier), e, f0)
        # centred offline graphs would change everywhere (instance norm over the whole utterance)
        self.assertLess(float((y - y3)[:, :, -40:].abs().max()), 1e-6)
        self.assertGreater(float((y - y3)[:, :, :5].abs().max()), 1e-3)

    def test_block_wise_streaming_matches_one_pass_given_the_reach(self) -> None:
        from vc_train.eval import convert, convert_streaming
        torch.manual_seed(0)
        m = VCModel(ModelConfig(channels=32, stream="window", norm_window=8), 3).eval()
        rng = np.random.default_rng(0)
        mel = (rng.standard_normal((80, 300)) - 5).astype(np.float32)
        lf0, vuv = np.full(300, 5.0, np.float32), np.ones(300, np.float32)
        e = m.speaker(torch.from_numpy(mel).unsqueeze(0))
        whole = convert(m, mel, lf0, vuv, e, (5.2, 0.1))
        self.assertLess(float(np.abs(convert_streaming(m, mel, lf0, vuv, e, (5.2, 0.1), context=200) - whole).max()), 1e-3)
        self.assertGreater(float(np.abs(convert_streaming(m, mel, lf0, vuv, e, (5.2, 0.1), context=20) - whole).max()), 1e-2)

    def test_running_content_norm_converges_to_the_whole_clip(self) -> None:
        """A 'running' content norm streamed block by block ends with the whole clip's statistics: the last block
        matches one pass over the clip; the first ones, normalized by a few frames, do not."""
        from vc_train.eval import convert, convert_streaming
        torch.manual_seed(0)
        m = VCModel(ModelConfig(channels=32, stream="channel", content_norm="running"), 3).eval()
        rng = np.random.default_rng(0)
        mel = (rng.standard_normal((80, 400)) - 5).astype(np.float32)
        lf0, vuv = np.full(400, 5.0, np.float32), np.ones(400, np.float32)
        e = m.speaker(torch.from_numpy(mel).unsqueeze(0))
        whole = convert(m, mel, lf0, vuv, e, (5.2, 0.1))
        streamed = convert_streaming(m, mel, lf0, vuv, e, (5.2, 0.1), block=4, context=200)
        d = np.abs(streamed - whole).max(axis=0)
        self.assertLess(float(d[-4:].max()), 1e-3)  # the last block: all frames are in the statistics
        self.assertLess(float(d[200:208].max()), float(d[:8].max()) / 3)  # converging
        self.assertGreater(float(d[:8].max()), 0.1)

    def test_f0_input_unvoiced_zero(self) -> None:
        f = f0_input(torch.tensor([[5.3, 0.0]]), torch.tensor([[1.0, 0.0]]))
        self.assertEqual(float(f[0, 0, 1]), 0.0)
        self.assertEqual(float(f[0, 1, 0]), 1.0)

    def test_warp_identity_and_perturb(self) -> None:
        x = torch.randn(2, 80, 10)
        self.assertTrue(torch.allclose(warp(x, torch.ones(2)), x, atol=1e-5))
        y = perturb_content_input(x - 4, torch.Generator().manual_seed(0))
        self.assertEqual(y.shape, x.shape)
        self.assertTrue(torch.isfinite(y).all())

    def test_griffin_lim_length(self) -> None:
        y = griffin_lim(np.full((80, 21), -4.0, np.float32), n_iter=2)
        self.assertEqual(len(y), 20 * 256)

    def test_conversion_losses_train_the_decoder_against_the_frozen_speaker_encoder(self) -> None:
        from vc_train.train import conversion_losses, freeze_speaker
        torch.manual_seed(0)
        m = VCModel(ModelConfig(channels=16), 3)
        freeze_speaker(m)
        mel = torch.randn(4, 80, 24) - 4
        lf0 = torch.log(torch.tensor([110.0, 220.0, 130.0, 200.0])).view(4, 1).repeat(1, 24)
        vuv = torch.ones(4, 24)
        e = m.speaker(mel)
        z = m.content(mel)
        cs, cc = conversion_losses(m, z, e, lf0, vuv)
        self.assertTrue(0.0 <= float(cs) <= 2.0)
        self.assertTrue(float(cc) > 0.0)
        (cs + cc).backward()
        self.assertIsNotNone(m.decoder.inp.weight.grad)
        self.assertGreater(float(m.decoder.inp.weight.grad.abs().sum()), 0.0)
        self.assertIsNone(m.speaker.inp.weight.grad)  # the critic stays fixed

    def test_distillation_pulls_a_streaming_student_to_the_teachers_conversion(self) -> None:
        from vc_train.train import conversion_inputs, distillation_loss
        torch.manual_seed(0)
        teacher = VCModel(ModelConfig(channels=16), 3)
        student = VCModel(ModelConfig(channels=16, stream="channel", content_norm="running"), 3)
        student.speaker.load_state_dict(teacher.speaker.state_dict())
        mel = torch.randn(4, 80, 24) - 4
        lf0 = torch.log(torch.tensor([110.0, 220.0, 130.0, 200.0])).view(4, 1).repeat(1, 24)
        vuv = torch.ones(4, 24)
        with torch.no_grad():
            e = teacher.speaker(mel)
        opt = torch.optim.Adam(student.decoder.parameters(), lr=3e-3)
        first = None
        for _ in range(30):
            loss = distillation_loss(student, teacher, mel, student.content(mel).detach(), e, lf0, vuv)
            first = first if first is not None else float(loss)
            opt.zero_grad()
            loss.backward()
            opt.step()
        self.assertLess(float(loss), 0.7 * first)
        self.assertTrue(all(p.grad is None for p in teacher.parameters()))  # the teacher never learns
        et, f0 = conversion_inputs(e, lf0, vuv)
        self.assertTrue(torch.equal(et[1], e[0]))  # item 1 converts toward item 0's voice
        self.assertEqual(tuple(f0.shape)[-1], 24)

    def test_grad_reverse_flips_gradient(self) -> None:
        x = torch.ones(3, requires_grad=True)
        (grad_reverse(x, 0.5) * 2.0).sum().backward()
        self.assertTrue(torch.allclose(x.grad, torch.full((3,), -1.0)))

    def test_speaker_adversary_learns_while_encoder_is_pushed_away(self) -> None:
        torch.manual_seed(0)
        z = torch.randn(8, 16, 20)
        z[:4] += 0.5  # speaker 0 carries a channel offset the adversary can find
        label = torch.tensor([0] * 4 + [1] * 4)
        adv = SpeakerAdversary(16, 2, hidden=32)
        opt = torch.optim.Adam(adv.parameters(), lr=1e-3)
        first = float(adv.loss(z, label, torch.ones(8))[0])
        for _ in range(10):
            opt.zero_grad()
            loss, acc = adv.loss(z, label, torch.ones(8))
            loss.backward()
            opt.step()
        self.assertLess(float(adv.loss(z, label, torch.ones(8))[0]), first)
        # a gradient step of the encoder (through the reversal) makes the classifier's job harder
        zz = z.clone().requires_grad_(True)
        before, _ = adv.loss(zz, label, torch.ones(8))
        before.backward()
        after, _ = adv.loss(zz.detach() - 0.5 * zz.grad, label, torch.ones(8))
        self.assertGreater(float(after), float(before))

if __name__ == "__main__":
    unittest.main()
