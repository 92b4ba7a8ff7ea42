"""The stateful step graphs of live mode (vc_train.stream_step) reproduce the whole-clip streaming graphs."""
from __future__ import annotations

import unittest

import torch

from vc_train.model import ModelConfig, VCModel
from vc_train.stream_step import ContentEncoderStep, DecoderStep, apply_state_delta, state_channels, state_frames


def _model(content_norm: str) -> VCModel:
    torch.manual_seed(3)
    m = VCModel(ModelConfig(channels=24, stream="channel", content_norm=content_norm, enc_lookahead=2, dec_lookahead=1), 3)
    m.set_mel_stats(torch.randn(80) * 0.5 - 4, torch.rand(80) + 0.5)
    return m.eval()


def _stream(m: VCModel, mel: torch.Tensor, f0: torch.Tensor, emb: torch.Tensor, block: int, provisional: int):
    """Feeds mel block by block: each call commits `block` frames and passes `provisional` more (which are then
    fed again as committed). Returns the final content and mel outputs, from frame 0 on."""
    enc, dec = ContentEncoderStep(m.content), DecoderStep(m.decoder, m.cfg)
    es = torch.zeros(1, state_channels(m.content), state_frames(m.content))
    ds = torch.zeros(1, state_channels(m.decoder), state_frames(m.decoder))
    T = mel.shape[2]
    contents, mels = [], []
    done = 0
    while done < T:
        c = min(block, T - done)
        end = min(T, done + c + provisional)
        z, de = enc(mel[:, :, done:end], es, torch.tensor([float(c)]), torch.tensor([float(done)]))
        es = apply_state_delta(es, de)
        # the encoder's outputs begin `right` frames back (not before frame 0); the final ones come first
        s_enc = max(0, done - enc.right)
        cz = max(0, c - (s_enc - (done - enc.right)))
        y, dd = dec(z, emb, f0[:, :, s_enc:s_enc + z.shape[2]], ds, torch.tensor([float(cz)]), torch.tensor([float(s_enc)]))
        ds = apply_state_delta(ds, dd)
        s_dec = max(0, s_enc - dec.right)
        cy = max(0, cz - (s_dec - (s_enc - dec.right)))
        contents.append(z[:, :, :cz])
        mels.append(y[:, :, :cy])
        done += c
    return torch.cat(contents, 2), torch.cat(mels, 2)


class StreamStepTest(unittest.TestCase):
    def test_block_by_block_equals_the_whole_clip_graphs(self) -> None:
        for content_norm in ("channel", "running"):
            m = _model(content_norm)
            g = torch.Generator().manual_seed(1)
            T = 57
            mel = torch.randn(1, 80, T, generator=g) - 4
            f0 = torch.randn(1, 2, T, generator=g)
            emb = torch.nn.functional.normalize(torch.randn(1, 128, generator=g), dim=1)
            with torch.no_grad():
                whole_c = m.content.raw(mel) if content_norm == "running" else m.content(mel)
                # the decoder sees the content the step encoder hands it (the engine's norm is outside both)
                whole_y = m.decoder(whole_c, emb, f0)
                for block, prov in ((2, 2), (3, 0), (1, 5), (T, 0)):
                    c, y = _stream(m, mel, f0, emb, block, prov)
                    n = c.shape[2]
                    self.assertGreaterEqual(n, T - 3)
                    self.assertEqual(y.shape[2], n - 1)
                    self.assertLess(float((c - whole_c[:, :, :n]).abs().max()), 1e-4, (content_norm, block, prov))
                    k = y.shape[2]
                    self.assertLess(float((y - whole_y[:, :, :k]).abs().max()), 1e-4, (content_norm, block, prov))

    def test_provisional_frames_do_not_enter_the_state(self) -> None:
        m = _model("channel")
        enc = ContentEncoderStep(m.content)
        s0 = torch.zeros(1, state_channels(m.content), state_frames(m.content))
        mel = torch.randn(1, 80, 6) - 4
        other = mel.clone()
        other[:, :, 4:] += 3.0  # only the provisional frames differ
        with torch.no_grad():
            za, sa = enc(mel, s0, torch.tensor([4.0]), torch.tensor([10.0]))
            zb, sb = enc(other, s0, torch.tensor([4.0]), torch.tensor([10.0]))
        self.assertEqual(float((sa - sb).abs().max()), 0.0)
        self.assertEqual(tuple(sa.shape), (1, s0.shape[1], 4))  # commit 4 >= k-1: the whole new state
        with torch.no_grad():
            _, s2 = enc(mel, s0, torch.tensor([2.0]), torch.tensor([10.0]))
            _, s0d = enc(mel, s0, torch.tensor([0.0]), torch.tensor([10.0]))
        self.assertEqual(s2.shape[2], 2)  # two committed frames: only the state's two newest frames come back
        self.assertEqual(float((s2 - sa[:, :, :2]).abs().max()), 0.0)  # ... which are the new state's last two
        self.assertEqual(s0d.shape[2], 0)  # nothing committed, nothing changes
        self.assertEqual(za.shape[2], 6 + enc.right)
        self.assertEqual(float((za[:, :, :4] - zb[:, :, :4]).abs().max()), 0.0)  # committed outputs are final
        self.assertGreater(float((za[:, :, 4:] - zb[:, :, 4:]).abs().max()), 1e-3)


if __name__ == "__main__":
    unittest.main()
