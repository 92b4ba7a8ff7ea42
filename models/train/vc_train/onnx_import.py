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
