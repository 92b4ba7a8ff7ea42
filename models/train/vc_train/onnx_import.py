"""Rebuild a VCModel from exported ONNX graphs, so an earlier shipped model can be a baseline in the same evaluation run.

Why this file exists: checkpoints stay out of git, but the shipped graphs are in it; their initializers keep the
PyTorch parameter names (content encoder under `enc.`, decoder under `dec.`), so the weights map back one to one.
Needs Debian's python3-onnx (evaluation only; training and export do not).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from .model import ModelConfig, VCModel


def load_onnx_model(models_dir: str) -> VCModel:
    """The continuous model of an export folder (manifest.json + the three graphs) as a VCModel in eval mode."""
    import onnx
    from onnx import numpy_helper
    d = Path(models_dir)
    man = json.loads((d / "manifest.json").read_text())
    cfg = ModelConfig(**man["training"]["config"])
    model = VCModel(cfg, 1)
    sd = model.state_dict()
    for graph, prefix, target in (("content_encoder", "enc.", "content."), ("speaker_encoder", "", "speaker."),
                                  ("decoder", "dec.", "decoder.")):
        g = onnx.load(str(d / f"{graph}.onnx"))
        for init in g.graph.initializer:
            if not init.name.startswith(prefix):
                continue
            key = target + init.name[len(prefix):]
            if key in sd:
                arr = numpy_helper.to_array(init)
                assert tuple(arr.shape) == tuple(sd[key].shape), (key, arr.shape, sd[key].shape)
                sd[key] = torch.from_numpy(np.array(arr))
    missing = [k for k in sd if k != "spk_w" and not any(k.startswith(p) for p in ("content.", "speaker.", "decoder."))]
    assert not missing, missing
    model.load_state_dict(sd)
    return model.eval()


def onnx_weights(path: str) -> dict[str, torch.Tensor]:
    """Every named initializer of an ONNX graph as a tensor (the PyTorch parameter names the export kept)."""
    import onnx
    from onnx import numpy_helper
    return {i.name: torch.from_numpy(np.array(numpy_helper.to_array(i))) for i in onnx.load(path).graph.initializer}


def restore(models_dir: str, out_dir: str) -> list[Path]:
    """Checkpoints rebuilt from a shipped export folder, so training and evaluation resume on a clone that has the
    graphs but not the (gitignored) checkpoints: `converter.pt` (what `train.load_model` reads: cfg, training voices,
    weights) and `vocoder.pt` (what `vocoder_net` reads; no optimizer state, its training summary from the manifest).
    The verifier is not restored: its export folds batch norms into the convolutions."""
    from .vocoder_net import AperiodicityNet
    d, out = Path(models_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    man = json.loads((d / "manifest.json").read_text())
    model = load_onnx_model(models_dir)
    conv = out / "converter.pt"
    voices = list(man["training"]["voices"])
    sd = model.state_dict()
    sd["spk_w"] = torch.zeros(len(voices), sd["spk_w"].shape[1])  # the training-only speaker classifier: not exported
    torch.save({"cfg": man["training"]["config"], "voices": voices, "model": sd,
                "restoredFrom": str(d / "manifest.json")}, conv)
    entry = man["models"]["vocoder"]
    w = onnx_weights(str(d / entry["file"]))
    net = AperiodicityNet(ch=int(w["inp.weight"].shape[0]))
    net.load_state_dict(w)  # strict: every parameter must come back
    summary = dict(entry.get("training", {}))
    voc = out / "vocoder.pt"
    torch.save({"net": net.state_dict(), "step": int(summary.get("steps", 0)), "summary": summary,
                "restoredFrom": str(d / entry["file"])}, voc)
    return [conv, voc]


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="vc_train.onnx_import", description=restore.__doc__)
    ap.add_argument("--models", default="..", help="the export folder (manifest.json and the graphs)")
    ap.add_argument("--out", default="ckpt/shipped")
    a = ap.parse_args(argv)
    for p in restore(a.models, a.out):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
