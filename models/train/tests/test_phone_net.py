"""Phone labels by forced alignment and the frozen phone classifier's loss (the vocoder's recognition signal)."""
from __future__ import annotations

import importlib.util
import os
import sys
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.asr_front import SphinxMfcc  # noqa: E402
from vc_train.eval import PS_MODEL  # noqa: E402
from vc_train.features import HOP, SAMPLE_RATE  # noqa: E402
from vc_train.phone_align import PHONES, ps_to_mel_frames, transcript_phones  # noqa: E402
from vc_train.phone_net import PhoneNet, phone_loss, warp_frequencies  # noqa: E402
from vc_train.vocoder_net import synth_magnitude as magnitude  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "cathy"
HAS_SPHINX = importlib.util.find_spec("pocketsphinx") is not None and os.path.isdir(os.path.join(PS_MODEL, "en-us"))


class TranscriptTest(unittest.TestCase):
    def test_a_transcript_becomes_each_words_phones_and_an_unknown_word_drops_the_clip(self) -> None:
        lexicon = {"there": ["DH", "EH", "R"], "was": ["W", "AA", "Z"]}
        self.assertEqual(transcript_phones("There, was!", lexicon), [["DH", "EH", "R"], ["W", "AA", "Z"]])
        self.assertIsNone(transcript_phones("there was xyzzy", lexicon))
        self.assertIsNone(transcript_phones("", lexicon))

    def test_labels_move_from_10_ms_frames_to_the_log_mel_frames(self) -> None:
        n = SAMPLE_RATE  # 1 s: 100 recogniser frames, 1 + n // HOP log-mel frames
        ps = np.repeat(np.arange(10, dtype=np.int8), 10)  # phone k during [0.1 k, 0.1 k + 0.1) s
        mel = ps_to_mel_frames(ps, n)
        self.assertEqual(len(mel), 1 + n // HOP)
        t = np.arange(len(mel)) * HOP / SAMPLE_RATE
        inside = np.abs(t * 10 - np.round(t * 10)) > 0.06  # away from phone boundaries
        self.assertTrue(np.array_equal(mel[inside], np.minimum(9, (t[inside] * 10).astype(int))))


class PhoneLossTest(unittest.TestCase):
    def test_unlabelled_frames_do_not_count_and_a_right_answer_costs_less(self) -> None:
        torch.manual_seed(0)
        net = PhoneNet(n_phones=len(PHONES), ch=16)
        front = SphinxMfcc()
        x = torch.randn(1, 40 * HOP) * 0.1
        mag = magnitude(x)
        t = mag.shape[-1]
        with torch.no_grad():
            guess = net(front.mfcc(mag)).argmax(1)  # what the classifier hears, [1, T]
        self.assertLess(float(phone_loss(net, front, mag, guess)), float(phone_loss(net, front, mag, (guess + 1) % 40)))
        none = torch.full((1, t), -1)
        self.assertEqual(float(phone_loss(net, front, mag, none)), 0.0)
        half = guess.clone()
        half[:, t // 2:] = -1  # only the first half labelled: the loss is that half's
        with torch.no_grad():
            logits = net(front.mfcc(mag))
        ce = torch.nn.functional.cross_entropy(logits[..., :t // 2], guess[:, :t // 2])
        self.assertAlmostEqual(float(phone_loss(net, front, mag, half)), float(ce), places=5)


class WarpTest(unittest.TestCase):
    def test_a_formant_moves_with_the_warp_and_scale_one_changes_nothing(self) -> None:
        mag = torch.zeros(2, 513, 3)
        mag[:, 100] = 1.0  # a peak at bin 100 in every frame
        out = warp_frequencies(mag, torch.tensor([1.0, 1.25]))
        self.assertTrue(torch.allclose(out[0], mag[0]))
        self.assertEqual(int(out[1, :, 0].argmax()), 125)  # up by a quarter, as a shorter vocal tract


@unittest.skipUnless(HAS_SPHINX, "pocketsphinx and its en-us model are not installed (models/train/install-deps.sh)")
class AlignTest(unittest.TestCase):
    def test_a_recording_aligns_to_its_transcript_in_order(self) -> None:
        import tempfile
        from vc_train.phone_align import Aligner, cmu_dict
        rows = dict(line.rstrip("\n").split("\t", 1) for line in open(FIXTURES / "transcripts.tsv", encoding="utf-8"))
        name = sorted(rows)[2]  # "For the twentieth time that evening the two men shook hands."
        x, sr = sf.read(FIXTURES / "audio" / f"{name}.flac", dtype="float32")
        self.assertEqual(sr, SAMPLE_RATE)
        words = transcript_phones(rows[name], cmu_dict())
        self.assertIsNotNone(words)
        with tempfile.TemporaryDirectory() as td:
            lab = Aligner(Path(td)).align(x, words)
        self.assertIsNotNone(lab)
        runs = [int(v) for i, v in enumerate(lab) if i == 0 or v != lab[i - 1]]
        speech = [PHONES[v] for v in runs if v != 0]
        self.assertEqual(speech, [p for w in words for p in w])  # every phone, once, in order
        self.assertEqual(len(ps_to_mel_frames(lab, len(x))), 1 + len(x) // HOP)


if __name__ == "__main__":
    unittest.main()
