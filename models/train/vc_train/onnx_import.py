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
    weights), `vocoder.pt` (what `vocoder_net` reads; no optimizer state, its training summary from the manifest) and
    `verifier.pt` (what `verifier.load_verifier` reads; see `restore_verifier`)."""
    from .vocoder_net import net_for_state
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
    net = net_for_state(w)
    net.load_state_dict(w)  # strict: every parameter must come back
    summary = dict(entry.get("training", {}))
    voc = out / "vocoder.pt"
    torch.save({"net": net.state_dict(), "step": int(summary.get("steps", 0)), "summary": summary,
                "restoredFrom": str(d / entry["file"])}, voc)
    paths = [conv, voc]
    if "verifier" in man["models"]:
        paths.append(restore_verifier(d / man["models"]["verifier"]["file"], out / "verifier.pt"))
    return paths


def restore_verifier(onnx_path: Path, out: Path) -> Path:
    """The speaker verifier from its graph. The export folded each block's batch norms into the convolution before it
    (the initializers lost their names: the block convolutions come back in graph order); the restored batch norms
    are identities (mean 0, variance 1 - eps, scale 1, shift 0), so the network computes what the graph computes.
    Only for evaluation (eval_real --verifier): training it further would start from folded statistics."""
    import onnx
    from .verifier import Verifier
    w = onnx_weights(str(onnx_path))
    g = onnx.load(str(onnx_path)).graph
    convs = [n.input[1:] for n in g.node if n.op_type == "Conv" and n.input[1] not in ("inp.weight", "pool_in.weight")]
    ch = int(w["inp.weight"].shape[0])
    m = Verifier(ch)
    sd = m.state_dict()
    for k in ("inp.weight", "inp.bias", "pool_in.weight", "pool_in.bias", "out.weight", "out.bias"):
        sd[k] = w[k]
    assert len(convs) == 2 * len(m.blocks), len(convs)
    for i in range(len(m.blocks)):
        for j, (weight, bias) in ((0, convs[2 * i]), (2, convs[2 * i + 1])):
            sd[f"blocks.{i}.{j}.weight"], sd[f"blocks.{i}.{j}.bias"] = w[weight], w[bias]
        for j in (1, 3):
            bn = m.blocks[i][j]
            sd[f"blocks.{i}.{j}.running_mean"] = torch.zeros(ch)
            sd[f"blocks.{i}.{j}.running_var"] = torch.full((ch,), 1.0 - bn.eps)
            sd[f"blocks.{i}.{j}.weight"], sd[f"blocks.{i}.{j}.bias"] = torch.ones(ch), torch.zeros(ch)
    m.load_state_dict(sd)
    torch.save({"channels": ch, "model": m.state_dict(), "restoredFrom": str(onnx_path)}, out)
    return out


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
