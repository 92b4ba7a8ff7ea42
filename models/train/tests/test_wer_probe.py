"""The word-error probe (vc_train/wer_probe.py): its variant grammar, its signal helpers, and how it pools seeds and draws."""
import contextlib
import io
import json
import pickle
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vc_train.eval_vocoder import paired_wer  # noqa: E402
from vc_train.features import log_mel  # noqa: E402
from vc_train.wer_probe import (formant_postfilter, gv_postfilter, main, parse_variant, pool_seeds,  # noqa: E402
                                refine_griffin_lim, voicing_gate)


class WerProbeTest(unittest.TestCase):
    def test_variants_take_defaults_and_typed_overrides(self) -> None:
        kind, p = parse_variant("gl")
        self.assertEqual((kind, p["iters"], p["seed"], p["gv"]), ("gl", 32, 0, 1.0))
        kind, p = parse_variant("nv:ckpt=ckpt/x.pt:passes=2:ap=1.5:gv=1.1")
        self.assertEqual((kind, p["ckpt"], p["passes"], p["ap"], p["floor"], p["gv"]), ("nv", "ckpt/x.pt", 2, 1.5, 0.6, 1.1))
        self.assertIsInstance(p["passes"], int)
        self.assertEqual(parse_variant("hy:gl=4")[1]["gl"], 4)
        self.assertEqual(parse_variant("src")[0], "src")  # the unconverted recording

    def test_unknown_kinds_and_keys_are_refused(self) -> None:
        for bad in ("wavenet", "gl:passes=3", "nv:floor", "gl:iters=x", "src:iters=8"):
            with self.assertRaises(ValueError, msg=bad):
                parse_variant(bad)

    def test_seeds_of_one_variant_pool_clip_by_clip(self) -> None:
        clip = lambda uid, err: {"dir": "F->M", "uid": uid, "tgt": "x", "err": err, "words": 5, "mfcc": err / 10}  # noqa: E731
        runs = {"gl": [clip("a", 1), clip("b", 2)], "gl:seed=1": [clip("a", 3), clip("b", 0)],
                "gl:iters=8": [clip("a", 5), clip("b", 5)], "nv": [clip("a", 0), clip("b", 0)]}
        pooled = pool_seeds(runs)
        self.assertEqual(len(pooled), 1)  # gl:iters=8 and nv have one seed each
        (clips,) = pooled.values()
        self.assertEqual([(c["uid"], c["err"], c["words"], c["seeds"]) for c in clips], [("a", 4, 10, 2), ("b", 2, 10, 2)])
        self.assertEqual([round(c["mfcc"], 3) for c in clips], [0.2, 0.1])  # the seeds' mean

    def test_several_trial_draws_are_reported_one_by_one_then_pooled_from_their_clip_files(self) -> None:
        clip = lambda uid, err: {"dir": "F->M", "uid": uid, "tgt": "x", "err": err, "words": 10}  # noqa: E731
        files = {"7": {"gl": [clip("a", 2), clip("b", 4)], "nv": [clip("a", 1), clip("b", 4)]},
                 "8_enrol": {"gl": [clip("c", 6)], "nv": [clip("c", 3)]}}  # a draw of sources from the enrol half
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            (out / "metadata.tsv").write_text("voice\tpath\ttext\n", encoding="utf-8")
            for name, runs in files.items():
                with open(out / f"converted_4_{name}.pkl", "wb") as f:
                    pickle.dump([], f)  # cached trials: nothing is converted or decoded
                for v, clips in runs.items():
                    (out / f"clips_generic_4_{name}_{v}.json").write_text(json.dumps(clips))
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                main(["--per-dir", "4", "--lm", "generic", "--corpus", d, "--out", d, "--seed", "7,8:enrol",
                      "gl", "nv"])
        lines = [json.loads(x) for x in printed.getvalue().splitlines()]
        self.assertEqual([(x["variant"], x.get("draw"), x["wer"]) for x in lines[:4]],
                         [("gl", "7", 30.0), ("nv", "7", 25.0), ("gl", "8:enrol", 60.0), ("nv", "8:enrol", 30.0)])
        pooled = lines[5]
        self.assertEqual((pooled["draws"], pooled["wer"]), (["7", "8:enrol"], 26.7))  # 8 errors in 30 words
        self.assertEqual((pooled["vsFirst"]["clips"], pooled["vsFirst"]["diffPoints"]), (3, -13.33))

    def test_draws_name_their_seed_and_source_half(self) -> None:
        from vc_train.wer_probe import draw_label, draw_name, parse_draws
        draws = parse_draws("7,11:enrol,8:test")
        self.assertEqual(draws, [(7, "test"), (11, "enrol"), (8, "test")])
        self.assertEqual([draw_label(d) for d in draws], ["7", "11:enrol", "8"])
        # test-half draws keep round 16's file names
        self.assertEqual([draw_name(256, d) for d in draws], ["256_7", "256_11_enrol", "256_8"])
        with self.assertRaises(Exception):
            parse_draws("7:train")

    def test_repeats_of_an_utterance_do_not_narrow_the_paired_interval(self) -> None:
        rng = np.random.default_rng(3)
        errs = rng.integers(0, 6, size=(40, 2))
        clip = lambda uid, e: {"dir": "F->M", "uid": uid, "tgt": "x", "err": int(e), "words": 8}  # noqa: E731
        once = paired_wer([clip(f"u{i}", e[0]) for i, e in enumerate(errs)],
                          [clip(f"u{i}", e[1]) for i, e in enumerate(errs)])
        # the same 40 utterances four times over (four draws of the same held-out set), errors unchanged
        a = [clip(f"u{i}", e[0]) for _ in range(4) for i, e in enumerate(errs)]
        b = [clip(f"u{i}", e[1]) for _ in range(4) for i, e in enumerate(errs)]
        four = paired_wer(a, b)
        self.assertEqual((four["clips"], four["utterances"], four["diffPoints"]), (160, 40, once["diffPoints"]))
        width = lambda r: r["ci95"][1] - r["ci95"][0]  # noqa: E731
        self.assertAlmostEqual(width(four), width(once), delta=0.15 * width(once))
        # counted as 160 independent clips the interval would halve: that is what the grouping prevents
        renamed = paired_wer([{**c, "uid": f"{c['uid']}-{k}"} for k, c in enumerate(a)],
                             [{**c, "uid": f"{c['uid']}-{k}"} for k, c in enumerate(b)])
        self.assertLess(width(renamed), 0.65 * width(once))

    def test_voicing_gate_takes_each_signal_on_its_frames_and_ramps_between(self) -> None:
        voiced, unvoiced = np.ones(256 * 4, np.float32), np.zeros(256 * 4, np.float32)
        y = voicing_gate(voiced, unvoiced, np.array([1.0, 1.0, 0.0, 0.0]))
        self.assertEqual(y.dtype, np.float32)
        np.testing.assert_array_equal(y[:257], 1.0)  # frames 0-1 voiced, up to frame 1's centre
        np.testing.assert_allclose(y[384], 0.5)  # half way to frame 2's centre
        np.testing.assert_array_equal(y[512:], 0.0)
        self.assertEqual(parse_variant("hy:gate=1")[1]["gate"], 1)

    def test_gv_postfilter_scales_each_band_around_its_mean(self) -> None:
        mel = np.random.default_rng(0).normal(size=(80, 50)) + np.arange(80)[:, None]
        np.testing.assert_array_equal(gv_postfilter(mel, 1.0), mel)
        y = gv_postfilter(mel, 2.0)
        np.testing.assert_allclose(y.mean(1), mel.mean(1), atol=1e-9)
        np.testing.assert_allclose(y.std(1), 2 * mel.std(1), rtol=1e-9)

    def test_formant_postfilter_deepens_peaks_and_valleys_across_bands_and_keeps_a_flat_frame(self) -> None:
        bands = np.arange(80, dtype=np.float64)[:, None]
        mel = -5 + np.exp(-0.5 * ((bands - 20) / 4) ** 2) * np.ones((1, 3))  # one formant at band 20
        np.testing.assert_array_equal(formant_postfilter(mel, 1.0), mel)
        y = formant_postfilter(mel, 1.5)
        self.assertGreater(float(y[20, 0]), float(mel[20, 0]))  # the peak rises
        self.assertLess(float(y[10, 0]), float(mel[10, 0]) + 1e-12)  # its flank falls below where it was
        np.testing.assert_allclose(formant_postfilter(np.full((80, 4), -3.0), 2.0), -3.0)  # nothing to sharpen

    def test_griffin_lim_refinement_moves_noise_toward_the_log_mel(self) -> None:
        t = np.arange(16000) / 16000.0
        x = sum(0.2 / h * np.sin(2 * np.pi * 180 * h * t) for h in range(1, 10)).astype(np.float32)
        mel = log_mel(x)
        start = np.random.default_rng(1).normal(scale=0.1, size=len(x)).astype(np.float32)
        y = refine_griffin_lim(start, mel, 8)
        self.assertEqual(len(y), len(start))
        err = lambda z: float(np.abs(log_mel(z)[:, 2:-2] - mel[:, 2:-2]).mean())  # noqa: E731
        self.assertLess(err(y), 0.5 * err(start))


if __name__ == "__main__":
    unittest.main()
