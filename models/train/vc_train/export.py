"""Export the trained model per the contract (DESIGN §4): ONNX graphs, manifest.json, voices.json,
voice previews and ONNX/PyTorch test vectors.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.export --ckpt ckpt/cont/last.pt [--vq-ckpt ckpt/vq/last.pt] \
      --corpus /work/corpus --out ../ --assets ../../assets/voices
  (--out is the models/ folder; smoke.sh passes a temp dir and --no-previews)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import soundfile as sf
import torch
import torch.nn as nn

from .builtins import Candidate, choose, display_names, snr_estimate
from .data import load_f0_stats, load_voice, voice_info
from .model import F0_CENTER, F0_SCALE, ContentEncoderExport, VCModel, count_params, f0_input
from .stream_step import ContentEncoderStep, DecoderStep, state_channels, state_frames
from .train import load_model, load_sharing_speaker

OPSET = 17
FEATURES = {"sampleRate": 16000, "nFft": 1024, "winLength": 1024, "hop": 256, "nMels": 80, "fMin": 0,
            "fMax": 8000, "melScale": "slaney", "melNorm": "slaney", "magnitude": "linear", "logFloor": 1e-5,
            "window": "hann-periodic", "center": True, "padMode": "reflect", "log": "natural"}
ANOMALY_METRIC = ("mean over 80 bands of |log-mel reconstruction - input| per frame, reconstruction = "
                  "decoder(content_encoder(mel), speaker_encoder(mel), own f0)")
QS = [0.5, 0.9, 0.95, 0.99, 0.999]


def add_stream_steps(stm: VCModel, mel: torch.Tensor, emb: torch.Tensor, vectors: dict, add) -> None:
    """The live-mode pair as stateful step graphs (vc_train.stream_step): test vectors with a non-zero state,
    part of the frames provisional and a start past 0, so the parity check exercises every input."""
    scfg = stm.cfg
    running = scfg.content_norm == "running"
    enc, dec = ContentEncoderStep(stm.content), DecoderStep(stm.decoder, scfg)
    T = mel.shape[2]
    g = torch.Generator().manual_seed(11)
    commit, start = torch.tensor([float(T - 4)]), torch.tensor([7.0])
    es = 0.5 * torch.randn(1, state_channels(stm.content), state_frames(stm.content), generator=g)
    ds = 0.5 * torch.randn(1, state_channels(stm.decoder), state_frames(stm.decoder), generator=g)
    with torch.no_grad():
        z, _ = enc(mel, es, commit, start)
    z = torch.nn.functional.instance_norm(z) if running else z  # what the engine hands the decoder
    m = z.shape[2]
    f0 = torch.randn(1, 2, m, generator=g).clamp(-1, 1)
    f0[:, 1] = (f0[:, 1] > 0).float()
    for key, t in (("content_encoder_stream.state", es), ("content_encoder_stream.commit", commit),
                   ("content_encoder_stream.start", start), ("decoder_stream.content", z), ("decoder_stream.f0", f0),
                   ("decoder_stream.state", ds), ("decoder_stream.commit", commit),
                   ("decoder_stream.start", start - enc.right)):
        vectors["inputs"][key] = {"dims": list(t.shape), "data": tensor_list(t)}
    step = {"inputs": "new frames [1, C, n] at absolute frames start..start+n-1 (start >= 0), the first `commit` final; "
                      "state = each convolution's last k-1 final input frames; commit, start as float [1]",
            "outputs": "the frames max(0, start - lookaheadFrames)..start+n-1, the first commit - skip final "
                       "(skip = the lookaheadFrames - start frames before 0, if any); next_state [1, S, d], "
                       "d = min(commit, k-1): the last d frames of each convolution's new state (shift the state "
                       "left by d, append)"}
    add("content_encoder_stream", enc, (mel, es, commit, start), ["mel", "state", "commit", "start"],
        ["content", "next_state"],
        {"contentChannels": scfg.content_dim, "lookaheadFrames": enc.right,
         "state": {"channels": es.shape[1], "frames": es.shape[2]}, "step": step,
         **({"contentNorm": "running"} if running else {})},
        {"mel": {2: "n"}, "content": {2: "n_out"}, "next_state": {2: "d"}})
    add("decoder_stream", dec, (z, emb, f0, ds, commit, start - enc.right),
        ["content", "embedding", "f0", "state", "commit", "start"], ["mel", "next_state"],
        {"contentChannels": scfg.content_dim, "lookaheadFrames": dec.right,
         "state": {"channels": ds.shape[1], "frames": ds.shape[2]}, "step": step},
        {"content": {2: "m"}, "f0": {2: "m"}, "mel": {2: "m_out"}, "next_state": {2: "d"}})


class DecoderExport(nn.Module):
    def __init__(self, dec: nn.Module) -> None:
        super().__init__()
        self.dec = dec

    def forward(self, content: torch.Tensor, embedding: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.dec(content, embedding, f0)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_graph(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
                 dynamic: Optional[dict[str, dict[int, str]]] = None) -> None:
    """Exports with the time axis of every [1, C, T] tensor dynamic (or the axes given in `dynamic`)."""
    dyn: dict[str, dict[int, str]] = {}
    for n, a in zip(inputs, args):
        if a.dim() == 3 and n != "embedding":
            dyn[n] = {2: "T"}
    for n in outputs:
        dyn[n] = {1: "T"} if n == "codes" else ({2: "T"} if n != "embedding" else {})
    dyn = dynamic if dynamic is not None else {k: v for k, v in dyn.items() if v}
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, opset_version=OPSET,
                          dynamic_axes=dyn, do_constant_folding=True)


def own_f0(lf0: np.ndarray, vuv: np.ndarray) -> torch.Tensor:
    return f0_input(torch.from_numpy(lf0).unsqueeze(0), torch.from_numpy(vuv).unsqueeze(0))


@torch.no_grad()
def recon_error(model: VCModel, mel: np.ndarray, lf0: np.ndarray, vuv: np.ndarray, vq: bool = False) -> np.ndarray:
    """Per-frame anomaly metric (see ANOMALY_METRIC) for one utterance, [T]."""
    x = torch.from_numpy(mel).unsqueeze(0)
    z = model.content.pre(x)
    if vq:
        z, _, _ = model.content.quantize(z)
    e = model.speaker(x)
    y = model.decoder(z, e, own_f0(lf0, vuv))
    return (y - x).abs().mean(1)[0].numpy()


def tensor_list(t: torch.Tensor) -> list:
    return [float(v) for v in t.detach().reshape(-1).numpy().astype(np.float32)]


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="ckpt/cont/last.pt")
    ap.add_argument("--vq-ckpt", default="")
    ap.add_argument("--stream-ckpt", default="", help="streaming (live-mode) checkpoint: causal graphs, running norm")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--assets", default=str(Path(__file__).resolve().parents[3] / "assets" / "voices"))
    ap.add_argument("--no-previews", action="store_true")
    ap.add_argument("--max-utts", type=int, default=40, help="utterances per voice for mean embeddings")
    ap.add_argument("--note", default="")
    ap.add_argument("--dup-cos", type=float, default=0.95, help="skip pseudo-speakers this similar to a listed voice")
    ap.add_argument("--vq-note", default="", help="why the VQ variant is (not) recommended, from the evaluation")
    ap.add_argument("--real-per-gender", type=int, default=7,
                    help="built-in voices chosen from the real training speakers per gender (builtins.py); 0: all voices")
    ap.add_argument("--keep-tts", default="cathy,rhvoice-slt,rhvoice-alan",
                    help="other training voices kept as built-ins beside the real ones")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = Path(args.corpus)
    model, ck = load_model(args.ckpt)
    cfg = model.cfg
    vqm: Optional[VCModel] = None
    vck: dict = {}
    if args.vq_ckpt:
        vqm, vck = load_sharing_speaker(args.vq_ckpt, model)
    stm: Optional[VCModel] = None
    sck: dict = {}
    if args.stream_ckpt:
        stm, sck = load_sharing_speaker(args.stream_ckpt, model)
        assert stm.cfg.streaming, f"{args.stream_ckpt} is not a streaming checkpoint"

    # ---- graphs ----
    T = 40
    g = torch.Generator().manual_seed(7)
    info = voice_info(corpus)
    tv_voice = next(v for v in sorted(info) if (corpus / "feats" / f"{v}.npz").exists())
    u = load_voice(corpus, tv_voice)[0]
    mel = torch.from_numpy(np.ascontiguousarray(u.mel[:, :T])).unsqueeze(0)
    if mel.shape[2] < T:
        mel = torch.nn.functional.pad(mel, (0, T - mel.shape[2]), value=math.log(1e-5))
    f0 = own_f0(np.pad(u.lf0[:T], (0, T - len(u.lf0[:T]))), np.pad(u.vuv[:T], (0, T - len(u.vuv[:T]))))
    files: dict[str, dict[str, Any]] = {}
    vectors: dict[str, Any] = {"T": T, "note": "row-major float32 values; inputs and PyTorch outputs", "inputs": {
        "mel": {"dims": [1, 80, T], "data": tensor_list(mel)}, "f0": {"dims": [1, 2, T], "data": tensor_list(f0)}}}

    def add(name: str, module: nn.Module, inp: tuple, inames: list[str], onames: list[str], extra: dict,
            dynamic: Optional[dict[str, dict[int, str]]] = None) -> None:
        path = out / f"{name}.onnx"
        export_graph(module, inp, path, inames, onames, dynamic)
        with torch.no_grad():
            res = module(*inp)
        res = res if isinstance(res, tuple) else (res,)
        vectors[name] = {"inputs": inames, "outputs": {
            n: {"dims": list(r.shape), "dtype": "int64" if r.dtype == torch.int64 else "float32",
                "data": [int(v) for v in r.reshape(-1)] if r.dtype == torch.int64 else tensor_list(r)}
            for n, r in zip(onames, res)}}
        files[name] = {"file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size,
                       "inputs": inames, "outputs": onames, **extra}

    with torch.no_grad():
        emb = model.speaker(mel)
        content = model.content(mel)
    vectors["inputs"]["embedding"] = {"dims": [1, cfg.emb_dim], "data": tensor_list(emb)}
    vectors["inputs"]["content"] = {"dims": [1, cfg.content_dim, T], "data": tensor_list(content)}
    add("content_encoder", ContentEncoderExport(model.content), (mel,), ["mel"], ["content"],
        {"contentChannels": cfg.content_dim})
    add("speaker_encoder", model.speaker, (mel,), ["mel"], ["embedding"], {"embeddingDim": cfg.emb_dim})
    add("decoder", DecoderExport(model.decoder), (content, emb, f0), ["content", "embedding", "f0"], ["mel"],
        {"contentChannels": cfg.content_dim})
    if vqm is not None:
        vcfg = vqm.cfg
        with torch.no_grad():
            vcontent, _ = ContentEncoderExport(vqm.content)(mel)
        vectors["inputs"]["content_vq"] = {"dims": [1, vqm.content.out_dim, T], "data": tensor_list(vcontent)}
        add("content_encoder_vq", ContentEncoderExport(vqm.content), (mel,), ["mel"], ["content", "codes"],
            {"contentChannels": vqm.content.out_dim, "codebooks": vcfg.vq_groups, "codesPerBook": vcfg.vq_codes,
             "codes": f"sum over codebooks g of index_g * {vcfg.vq_codes}^g"})
        add("decoder_vq", DecoderExport(vqm.decoder), (vcontent, emb, f0), ["content", "embedding", "f0"], ["mel"],
            {"contentChannels": vqm.content.out_dim})
    if stm is not None:
        add_stream_steps(stm, mel, emb, vectors, add)
    tdir = out / "testdata"
    tdir.mkdir(exist_ok=True)
    with open(tdir / "onnx_vectors.json", "w") as f:
        json.dump(vectors, f, separators=(",", ":"))

    # ---- anomaly calibration on clean held-out speech (held-out sentences of every voice) ----
    frame_err: list[np.ndarray] = []
    utt_err: list[float] = []
    # calibrate on voices the model never saw (held-out identities) + the real voice's held-out sentences:
    # the app's users are unseen speakers, whose reconstruction error is higher than the training voices'
    calib = [v for v in sorted(info) if info[v]["role"] == "heldout" or v == "cathy"]
    if not any((corpus / "feats" / f"{v}.npz").exists() for v in calib):
        calib = sorted(info)
    for v in calib:
        if not (corpus / "feats" / f"{v}.npz").exists():
            continue
        for x in load_voice(corpus, v, {"test"})[:40]:
            e = recon_error(model, x.mel, x.lf0, x.vuv)
            frame_err.append(e)
            utt_err.append(float(e.mean()))
    fe = np.concatenate(frame_err) if frame_err else np.zeros(1)
    anomaly = {"metric": ANOMALY_METRIC,
               "quantiles": {str(q): float(np.quantile(fe, q)) for q in QS},
               "utteranceQuantiles": {str(q): float(np.quantile(np.asarray(utt_err or [0.0]), q)) for q in QS},
               "calibration": f"{len(utt_err)} clean utterances of held-out sentences by {', '.join(calib)}, {len(fe)} frames"}

    # ---- voices.json ----
    f0s = load_f0_stats(corpus)
    voices = []
    assets = Path(args.assets)
    from .corpus import voice_table
    vt = voice_table()

    embeddings: dict[str, torch.Tensor] = {}

    def mean_embedding(v: str, utts: Optional[list] = None) -> torch.Tensor:
        """The voice's mean speaker embedding over up to --max-utts clips (computed once per voice)."""
        if v not in embeddings:
            utts = (utts if utts is not None else load_voice(corpus, v))[: args.max_utts]
            with torch.no_grad():
                es = torch.cat([model.speaker(torch.from_numpy(x.mel).unsqueeze(0)) for x in utts])
            embeddings[v] = es.mean(0) / es.mean(0).norm()
        return embeddings[v]

    real_train = [v for v in ck["voices"] if info[v]["licence"] == "CC-BY-4.0"]
    names: dict[str, str] = {}
    listed = sorted(ck["voices"], key=lambda x: (info[x]["pseudo"], x))
    if args.real_per_gender > 0 and real_train:
        cands = []
        for v in real_train:
            hz = math.exp(f0s[v]["mean"])
            # a built-in's label must match what users hear: a pitch typical of its gender (LibriSpeech genders are
            # estimated from F0, so those need an unambiguous one; YIN octave errors also show up here)
            lo_f, hi_m = (180, 145) if v.startswith("ls-") else (165, 155)
            if not (hz >= lo_f if info[v]["gender"] == "female" else hz <= hi_m):
                continue
            utts = load_voice(corpus, v)
            mel = np.concatenate([x.mel for x in utts], axis=1)
            cands.append(Candidate(v, info[v]["gender"], f0s[v]["mean"], snr_estimate(mel), mean_embedding(v, utts).numpy()))
        picked = choose(cands, args.real_per_gender)
        names = display_names(picked)
        keep = [v for v in args.keep_tts.split(",") if v in ck["voices"]]
        listed = sorted(names, key=lambda v: (info[v]["gender"], f0s[v]["mean"])) + keep
        print("built-in real voices: " + ", ".join(f"{names[v]}={v} ({info[v]['gender'][0]}, "
                                                   f"{math.exp(f0s[v]['mean']):.0f} Hz)" for v in listed if v in names))
    for v in listed:
        i = info[v]
        if not i["shippable"]:
            continue
        m = mean_embedding(v)
        # a pseudo-speaker whose embedding duplicates another voice (e.g. a pure tempo change) is not a new voice
        dup = [x["id"] for x in voices if float(torch.tensor(x["embedding"]) @ m) > args.dup_cos]
        if i["pseudo"] and dup:
            print(f"voices.json: skipping {v}, embedding duplicates {dup[0]}", flush=True)
            continue
        vid = names[v].lower() if v in names else v
        entry = {"id": vid, "name": names.get(v) or (vt[v].name if v in vt else v), "licence": i["licence"],
                 "source": vt[v].source if v in vt else i["source"],
                 "gender": i["gender"], "pseudo": i["pseudo"],
                 "embedding": [round(float(a), 6) for a in m],
                 "f0": {"mean": round(f0s[v]["mean"], 5), "std": round(f0s[v]["std"], 5)},
                 "preview": f"assets/voices/{vid}.wav"}
        if v in names:
            entry["trainingVoice"] = v
        if not args.no_previews:
            assets.mkdir(parents=True, exist_ok=True)
            write_preview(corpus, v, assets / f"{vid}.wav")
        voices.append(entry)
    with open(out / "voices.json", "w") as f:
        json.dump({"version": 1, "embeddingDim": cfg.emb_dim, "voices": voices}, f, indent=1)

    # ---- manifest ----
    mean = np.asarray(ck["mel_mean"], np.float32)
    std = np.asarray(ck["mel_std"], np.float32)
    old: dict = {}
    if (out / "manifest.json").exists():
        try:
            old = json.loads((out / "manifest.json").read_text())
        except Exception:  # noqa: BLE001
            old = {}
    n_utts = {v: len(load_voice(corpus, v, {"train"})) for v in ck["voices"]}
    training = {
        "voices": ck["voices"], "utterancesPerVoice": n_utts, "utterances": int(sum(n_utts.values())),
        "heldOutVoices": sorted(v for v, i in info.items() if i["role"] == "heldout"),
        "steps": int(ck["step"]), "wallMinutes": round(ck["elapsed"] / 60, 1), "threads": 1,
        "batch": ck["args"]["batch"], "cropFrames": ck["args"]["crop"], "seed": ck["args"]["seed"],
        "params": {**ck["params"], "total": int(sum(ck["params"].values()))}, "config": ck["cfg"],
        "torch": torch.__version__, "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # a fine-tuned checkpoint: report every phase, following --init-full back to the first run
    phases = [{"checkpoint": args.ckpt, "steps": int(ck["step"]), "wallMinutes": round(ck["elapsed"] / 60, 1),
               "warpReg": ck["args"].get("warp_reg", 0.0), "lr": ck["args"].get("lr")}]
    base = ck["args"].get("init_full") if isinstance(ck.get("args"), dict) else None
    while base and Path(base).exists() and len(phases) < 10:
        b = torch.load(base, map_location="cpu")
        phases.insert(0, {"checkpoint": base, "steps": int(b["step"]), "wallMinutes": round(b["elapsed"] / 60, 1)})
        base = b["args"].get("init_full") if isinstance(b.get("args"), dict) else None
    if len(phases) > 1:
        training["phases"] = phases
        training["steps"] = sum(ph["steps"] for ph in phases)
        training["wallMinutes"] = round(sum(ph["wallMinutes"] for ph in phases), 1)
    if vck:
        training["vq"] = {"steps": int(vck["step"]), "wallMinutes": round(vck["elapsed"] / 60, 1),
                          "params": {**vck["params"], "total": int(sum(vck["params"].values()))}, "config": vck["cfg"],
                          "note": args.vq_note}
    if sck:
        training["streaming"] = {"steps": int(sck["step"]), "wallMinutes": round(sck["elapsed"] / 60, 1),
                                 "initFrom": sck["args"].get("init_full"), "config": sck["cfg"],
                                 "lookaheadFrames": sck["cfg"]["enc_lookahead"] + sck["cfg"]["dec_lookahead"],
                                 "norm": sck["cfg"]["stream"], "contentNorm": sck["cfg"]["content_norm"],
                                 "graphs": "stateful step graphs (vc_train/stream_step.py)"}
    if args.note:
        training["note"] = args.note
    manifest = {
        "version": 1, "features": FEATURES,
        "f0Input": {"center": F0_CENTER, "scale": F0_SCALE,
                    "channels": ["voiced ? (ln(F0 Hz) - center) / scale : 0", "voiced flag 0/1"]},
        "embeddingDim": cfg.emb_dim, "contentChannels": cfg.content_dim, "models": files,
        "defaultVariant": "continuous",
        "melStats": {"mean": [float(a) for a in mean], "std": [float(a) for a in std],
                     "note": "normalization is baked into the graphs; informational"},
        "anomaly": anomaly, "training": training,
        "evaluation": old.get("evaluation", {"status": "not yet evaluated"}),
        "testVectors": "testdata/onnx_vectors.json",
    }
    with open(out / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(x["bytes"] for x in files.values())
    print(f"exported {len(files)} graphs ({total / 1e6:.1f} MB), {len(voices)} voices -> {out}", flush=True)
    return 0


def write_preview(corpus: Path, voice: str, path: Path, seconds: float = 3.0) -> None:
    import csv
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["voice"] == voice and r["split"] == "train"]
    best = None
    for r in rows[:30]:
        x, sr = sf.read(r["path"], dtype="float32")
        d = len(x) / sr
        if best is None or abs(d - seconds) < abs(best[1] - seconds):
            best = (x, d)
    assert best is not None
    x = best[0][: int(seconds * 16000)]
    fade = 800
    if len(x) > 2 * fade:
        x[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    x = x / max(1e-6, float(np.abs(x).max())) * 0.89
    sf.write(str(path), x, 16000, subtype="PCM_16")


if __name__ == "__main__":
    sys.exit(main())
