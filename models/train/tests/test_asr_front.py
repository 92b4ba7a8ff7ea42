"""The recogniser's front end as a loss (vc_train/asr_front.py) and checkpoints restored from graphs (onnx_import)."""
import importlib.util
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.asr_front import LOWER_HZ, UPPER_HZ, SphinxMfcc, dct_matrix, sphinx_filterbank  # noqa: E402
from vc_train.features import mel_filterbank  # noqa: E402

MODELS = Path(__file__).resolve().parents[2]


def smooth_spectrum(frames: int = 40) -> torch.Tensor:
    """[1, 513, T] magnitude: two formant bumps over a falling tilt, drifting slowly over time."""
    f = np.linspace(0, 8000, 513)[:, None]
    t = np.arange(frames)[None, :]
    mag = np.exp(-f / 3000) * (1 + 3 * np.exp(-((f - 500 - 5 * t) / 150) ** 2) + 2 * np.exp(-((f - 1500) / 200) ** 2))
    return torch.tensor(mag, dtype=torch.float32)[None]


def log_mel_of(mag: torch.Tensor) -> torch.Tensor:
    return torch.log(torch.einsum("bf,nft->nbt", torch.tensor(mel_filterbank()), mag).clamp_min(1e-5))


class AsrFrontTest(unittest.TestCase):
    def test_filters_cover_only_the_recognisers_band(self) -> None:
        fb = sphinx_filterbank()
        f = np.linspace(0, 8000, fb.shape[1])
        self.assertEqual(fb.shape, (40, 513))
        self.assertEqual(fb[:, (f < LOWER_HZ) | (f > UPPER_HZ)].max(), 0.0)
        self.assertTrue((fb.max(axis=1) > 0).all())

    def test_dct_rows_are_orthonormal(self) -> None:
        d = dct_matrix(40, 40)
        np.testing.assert_allclose(d @ d.T, np.eye(40), atol=1e-5)

    def test_a_constant_gain_is_normalised_away(self) -> None:
        fr, mag = SphinxMfcc(), smooth_spectrum()
        np.testing.assert_allclose(fr.mfcc(mag * 3.0).numpy(), fr.mfcc(mag).numpy(), atol=1e-4)

    def test_a_smooth_spectrum_is_close_to_its_own_mel_and_a_harmonic_comb_is_not(self) -> None:
        fr, mag = SphinxMfcc(), smooth_spectrum()
        f = np.linspace(0, 8000, 513)
        comb = torch.tensor(np.exp(-0.5 * ((f % 220.0 - 110.0) / 10.0) ** 2) * 4.0, dtype=torch.float32)[None, :, None]
        lm = log_mel_of(mag)
        smooth_d = fr.distance(mag, lm).item()
        # the comb is scaled so each mel band's magnitude sum stays about what it was: the log-mel barely changes
        peaky = mag * comb
        peaky = peaky * (torch.einsum("bf,nft->nbt", torch.tensor(mel_filterbank()), mag).sum()
                         / torch.einsum("bf,nft->nbt", torch.tensor(mel_filterbank()), peaky).sum())
        self.assertLess(smooth_d, 0.15)
        self.assertGreater(fr.distance(peaky, lm).item(), smooth_d + 0.1)

    def test_the_distance_has_gradients(self) -> None:
        fr = SphinxMfcc()
        mag = smooth_spectrum().requires_grad_(True)
        fr.distance(mag * 1.1 + 0.01, log_mel_of(smooth_spectrum())).backward()
        self.assertGreater(float(mag.grad.abs().sum()), 0.0)


@unittest.skipUnless(importlib.util.find_spec("onnx"), "python3-onnx is an evaluation-only dependency")
class RestoreTest(unittest.TestCase):
    def test_shipped_graphs_come_back_as_checkpoints_that_reproduce_their_test_vectors(self) -> None:
        import json
        from vc_train.onnx_import import restore
        from vc_train.train import load_model
        from vc_train.verifier import load_verifier
        from vc_train.vocoder_net import load_net
        with tempfile.TemporaryDirectory() as d:
            conv, voc, ver = restore(str(MODELS), d)
            model, ck = load_model(str(conv))
            net = load_net(str(voc))
            verifier = load_verifier(str(ver))
        self.assertEqual(len(ck["voices"]), model.spk_w.shape[0])
        vec = json.loads((MODELS / "testdata" / "onnx_vectors.json").read_text())
        t = lambda v: torch.tensor(v["data"], dtype=torch.float32).view(*v["dims"])  # noqa: E731
        mel, f0 = t(vec["inputs"]["mel"]), t(vec["inputs"]["f0"])
        with torch.no_grad():
            content = model.content(mel)
            ap, det, *envelope = net(mel, f0)
            emb = verifier(mel)  # batch norms folded into the graph's convolutions come back as identities
        for got, want in ((content, vec["content_encoder"]["outputs"]["content"]),
                          (emb, vec["verifier"]["outputs"]["embedding"]),
                          (ap, vec["vocoder"]["outputs"]["aperiodicity"]), (det, vec["vocoder"]["outputs"]["detail"])):
            np.testing.assert_allclose(got.numpy(), t(want).numpy(), atol=1e-4)
        self.assertEqual(len(envelope), int("envelope" in vec["vocoder"]["outputs"]))
        for got in envelope:
            np.testing.assert_allclose(got.numpy(), t(vec["vocoder"]["outputs"]["envelope"]).numpy(), atol=1e-4)


if __name__ == "__main__":
    unittest.main()
