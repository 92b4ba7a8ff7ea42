"""An independent speaker verifier for the similarity meters and the evaluation (DESIGN §1, §4 `verifier.onnx`).

Why this file exists: the app graded conversions with the converter's own speaker encoder, which reads 1.00 on white
noise converted to a voice (it measures what the decoder was conditioned on). This network has its own weights, is
trained only to tell real speakers apart, and never conditions the converter.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.verifier train --corpus /work/corpus --ckpt ckpt/verifier --steps 12000 --minutes 60
  /usr/bin/python3 -m vc_train.verifier eval --corpus /work/corpus --ckpt ckpt/verifier/last.pt [--converter ckpt/real/last.pt]
  /usr/bin/python3 -m vc_train.verifier export --ckpt ckpt/verifier/last.pt --out ..   (after vc_train.export)

Model: log-mel [1, 80, T] -> mean-normalized over time inside the graph (removes the channel's fixed colouring) ->
conv 80->C, three dilated residual blocks (dilation 2, 3, 4), attentive-free mean+std pooling, 2C->192, L2 norm.
Training: AM-softmax (scale 30, margin 0.2) over every training voice (real speakers, Cathy, TTS voices as extra
identities), crops of 1-3 s from any position, augmentation that changes the channel but not the voice: coloured
noise (0-30 dB SNR), smooth random EQ, gain, a reverberation tail (first-order recursion in the linear mel domain),
band limiting (codec / telephone cut-off 3.4-7.5 kHz), and frame dropout. No frequency warp: that changes the voice.
Evaluation on the 24 real held-out speakers (real_split.tsv): EER at 3 s and 10 s, against MFCC statistics and the
converter's own speaker encoder, and a logistic calibration score -> P(same speaker) fitted on half the trials
and checked on the other half.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment import LOG_FLOOR, add_noise, random_eq
from .data import Sampler, load_voice, voice_info
from .features import F_MAX, F_MIN, N_MELS, hz_to_mel, mel_to_hz

EMB = 192


class Verifier(nn.Module):
    def __init__(self, ch: int = 256) -> None:
        super().__init__()
        self.inp = nn.Conv1d(N_MELS, ch, 5, padding=2)
        self.blocks = nn.ModuleList()
        for d in (2, 3, 4):
            self.blocks.append(nn.ModuleList([nn.Conv1d(ch, ch, 3, padding=d, dilation=d), nn.BatchNorm1d(ch),
                                              nn.Conv1d(ch, ch, 1), nn.BatchNorm1d(ch)]))
        self.pool_in = nn.Conv1d(ch * 3, ch * 3, 1)
        self.out = nn.Linear(ch * 6, EMB)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = mel - mel.mean(dim=2, keepdim=True)
        h = F.relu(self.inp(x))
        outs = []
        for c1, b1, c2, b2 in self.blocks:
            h = h + b2(c2(F.relu(b1(c1(h)))))
            h = F.relu(h)
            outs.append(h)
        h = F.relu(self.pool_in(torch.cat(outs, dim=1)))
        mu = h.mean(dim=2)
        sd = torch.sqrt(((h - mu.unsqueeze(2)) ** 2).mean(dim=2) + 1e-5)
        e = self.out(torch.cat([mu, sd], dim=1))
        return e / torch.sqrt((e * e).sum(dim=1, keepdim=True) + 1e-12)


_CENTRES = torch.tensor(mel_to_hz(np.linspace(float(hz_to_mel(F_MIN)), float(hz_to_mel(F_MAX)), N_MELS + 2)[1:-1]),
                        dtype=torch.float32)


def augment(mel: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Channel augmentation in the log-mel domain (see the module docstring)."""
    b, n, t = mel.shape
    x = mel + random_eq(b, gen, max_amp=0.3) + (torch.rand(b, 1, 1, generator=gen) * 2 - 1.5)
    # reverberation tail: y[t] = x[t] + r * y[t-1] on the linear mel, r in [0, 0.75] for half the items
    r = torch.where(torch.rand(b, generator=gen) < 0.5, torch.rand(b, generator=gen) * 0.75, torch.zeros(b))
    if (r > 0).any():
        lin = torch.exp(x)
        ys = [lin[:, :, 0]]
        rr = r.view(b, 1)
        for i in range(1, t):
            ys.append(lin[:, :, i] + rr * ys[-1])
        x = torch.log(torch.stack(ys, dim=2) * (1 - rr.unsqueeze(2)) + 1e-9)
    # band limit (codecs, telephone) for a third of the items
    cut = 3400 + torch.rand(b, generator=gen) * 4100
    lim = (torch.rand(b, generator=gen) < 0.33).view(b, 1, 1) & (_CENTRES.view(1, n, 1) > cut.view(b, 1, 1))
    x = torch.where(lim, torch.full_like(x, LOG_FLOOR) + 2.0, x)
    x = torch.clamp(x, min=LOG_FLOOR)
    use = (torch.rand(b, 1, 1, generator=gen) < 0.6).float()
    x = use * add_noise(x, gen, (0.0, 30.0)) + (1 - use) * x
    # frame dropout
    keep = (torch.rand(b, 1, t, generator=gen) > 0.05).float()
    return keep * x + (1 - keep) * LOG_FLOOR


def lr_at(step: int, total: int, base: float, warmup: int = 300) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def train(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    corpus, ckdir = Path(args.corpus), Path(args.ckpt)
    ckdir.mkdir(parents=True, exist_ok=True)
    info = voice_info(corpus)
    voices = sorted(v for v, i in info.items() if i["role"] == "train" and (corpus / "feats" / f"{v}.npz").exists())
    utts = {v: load_voice(corpus, v, {"train"}) for v in voices}
    utts = {v: u for v, u in utts.items() if u}
    voices = sorted(utts)
    print(f"verifier: {len(voices)} training voices", flush=True)
    model = Verifier(args.channels)
    w = nn.Parameter(torch.randn(len(voices), EMB) * 0.1)
    opt = torch.optim.Adam(list(model.parameters()) + [w], lr=args.lr)
    sampler = Sampler(utts, 192, args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    step, elapsed = 0, 0.0
    last = ckdir / "last.pt"
    if last.exists():
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        w.data.copy_(ck["w"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        sampler.rng.bit_generator.state = ck["sampler_rng"]
        gen.set_state(ck["torch_gen"])
        print(f"resumed at step {step}", flush=True)
    print(f"params: {sum(p.numel() for p in model.parameters())}", flush=True)
    logf = open(ckdir / "log.tsv", "a")

    def save() -> None:
        tmp = str(last) + ".tmp"
        torch.save(dict(model=model.state_dict(), w=w.data, opt=opt.state_dict(), step=step, elapsed=elapsed,
                        voices=voices, channels=args.channels, sampler_rng=sampler.rng.bit_generator.state,
                        torch_gen=gen.get_state(), args=vars(args)), tmp)
        Path(tmp).replace(last)

    t_ck = time.time()
    hist: list[tuple[float, float]] = []
    model.train()
    while step < args.steps and elapsed < args.minutes * 60:
        t0 = time.time()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr)
        sampler.crop = int(64 + (step * 7919) % 129)  # 1-3 s crops, varying per step
        bt = sampler.batch(args.batch)
        mel = augment(torch.from_numpy(bt["mel"]), gen)
        y = torch.from_numpy(bt["label"])
        e = model(mel)
        cos = e @ (w / w.norm(dim=1, keepdim=True)).t()
        logits = 30.0 * (cos - 0.2 * F.one_hot(y, len(voices)).float())
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        elapsed += time.time() - t0
        hist.append((float(loss), float((cos.argmax(1) == y).float().mean())))
        if step % 50 == 0:
            a = np.mean(hist, axis=0)
            hist = []
            line = f"{step}\t{elapsed / 60:.2f}\t{a[0]:.3f}\t{a[1]:.3f}"
            logf.write(line + "\n")
            logf.flush()
            print(line, flush=True)
        if time.time() - t_ck > 180:
            save()
            t_ck = time.time()
    save()
    print(f"done: step {step}, {elapsed / 60:.1f} min", flush=True)
    return 0


def load_verifier(path: str) -> Verifier:
    ck = torch.load(path, map_location="cpu")
    m = Verifier(ck["channels"])
    m.load_state_dict(ck["model"])
    m.eval()
    return m


def eer(same: np.ndarray, diff: np.ndarray) -> tuple[float, float]:
    """Equal error rate and its threshold: where false accepts (diff >= t) and false rejects (same < t) cross."""
    ts = np.unique(np.concatenate([same, diff]))
    far = np.array([(diff >= t).mean() for t in ts])
    frr = np.array([(same < t).mean() for t in ts])
    i = int(np.argmin(np.abs(far - frr)))
    return float((far[i] + frr[i]) / 2), float(ts[i])


def fit_logistic(scores: np.ndarray, labels: np.ndarray, iters: int = 2000) -> tuple[float, float]:
    """P(same) = 1 / (1 + exp(-(a * score + b))), by Newton's method on the log-likelihood."""
    a, b = 10.0, -5.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(a * scores + b)))
        g = np.array([((p - labels) * scores).sum(), (p - labels).sum()])
        wgt = p * (1 - p) + 1e-9
        h = np.array([[(wgt * scores * scores).sum(), (wgt * scores).sum()], [(wgt * scores).sum(), wgt.sum()]])
        step = np.linalg.solve(h + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def crops(utts: list, seconds: float, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """n crops of `seconds` from random positions of the concatenated clips."""
    mel = np.concatenate([u.mel for u in utts], axis=1)
    L = int(round(seconds * 62.5))
    if mel.shape[1] <= L:
        return [mel]
    return [mel[:, s:s + L] for s in rng.integers(0, mel.shape[1] - L, size=n)]


def evaluate(args: argparse.Namespace) -> int:
    from .eval import mfcc_stats
    from .real import read_split
    torch.set_num_threads(1)
    corpus = Path(args.corpus)
    model = load_verifier(args.ckpt)
    conv = None
    if args.converter:
        from .train import load_model
        conv, _ = load_model(args.converter)
    held = [s for s in read_split() if s.role == "heldout"]
    import csv
    import soundfile as sf
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        path_of = {(r["voice"], Path(r["path"]).stem): r["path"] for r in csv.DictReader(f, delimiter="\t")}
    rng = np.random.default_rng(3)
    res: dict = {"speakers": len(held), "lengths": {}}
    for secs in (3.0, 10.0):
        enr, tst = {}, {}
        for s in held:
            enr[s.voice] = crops(load_voice(corpus, s.voice, {"enrol"}), secs, 4, rng)
            tst[s.voice] = crops(load_voice(corpus, s.voice, {"test"}), secs, 4, rng)
        systems: dict[str, dict] = {}
        with torch.no_grad():
            emb = lambda f, m: f(torch.from_numpy(np.ascontiguousarray(m)).unsqueeze(0))[0].numpy()  # noqa: E731
            systems["verifier"] = {k: {v: [emb(model, m) for m in ms] for v, ms in d.items()} for k, d in
                                   (("e", enr), ("t", tst))}
            if conv is not None:
                systems["converter speaker encoder"] = {k: {v: [emb(conv.speaker, m) for m in ms] for v, ms in d.items()}
                                                        for k, d in (("e", enr), ("t", tst))}
        # MFCC statistics need audio: take the same lengths from the clips' audio
        def audio_crops(split: str) -> dict[str, list[np.ndarray]]:
            out = {}
            for s in held:
                x = np.concatenate([sf.read(path_of[(s.voice, u.uid)], dtype="float32")[0]
                                    for u in load_voice(corpus, s.voice, {split})])
                L = int(secs * 16000)
                starts = rng.integers(0, max(1, len(x) - L), size=4)
                out[s.voice] = [x[a:a + L] for a in starts]
            return out
        ea, ta = audio_crops("enrol"), audio_crops("test")
        stats = {k: {v: [mfcc_stats(a) for a in xs] for v, xs in d.items()} for k, d in (("e", ea), ("t", ta))}
        allv = np.stack([x for d in stats.values() for xs in d.values() for x in xs])
        mu, sd = allv.mean(0), allv.std(0) + 1e-8
        unit = lambda x: (x - mu) / sd / np.linalg.norm((x - mu) / sd)  # noqa: E731
        systems["MFCC statistics"] = {k: {v: [unit(x) for x in xs] for v, xs in d.items()} for k, d in stats.items()}
        row: dict = {}
        for name, sysd in systems.items():
            same, diff = [], []
            for a in sysd["e"]:
                for b in sysd["t"]:
                    for x in sysd["e"][a]:
                        for y in sysd["t"][b]:
                            (same if a == b else diff).append(float(x @ y))
            s_, d_ = np.asarray(same), np.asarray(diff)
            e, t = eer(s_, d_)
            row[name] = {"eerPct": round(100 * e, 1), "threshold": round(t, 4), "trials": [len(s_), len(d_)],
                         "sameMean": round(float(s_.mean()), 3), "diffMean": round(float(d_.mean()), 3)}
            if name == "verifier":
                # calibration: fit on even trials, report on odd ones (balanced by weighting the classes equally)
                sc = np.concatenate([s_, d_])
                lab = np.concatenate([np.ones(len(s_)), np.zeros(len(d_))])
                idx = np.arange(len(sc))
                rep = np.concatenate([np.repeat(idx[lab == 1], max(1, len(d_) // max(1, len(s_)))), idx[lab == 0]])
                fit_i, chk_i = rep[rep % 2 == 0], rep[rep % 2 == 1]
                a, b = fit_logistic(sc[fit_i], lab[fit_i])
                p = 1 / (1 + np.exp(-(a * sc[chk_i] + b)))
                row[name]["calibration"] = {"a": round(a, 4), "b": round(b, 4),
                                            "checkAccuracyPct": round(100 * float(((p > 0.5) == (lab[chk_i] > 0.5)).mean()), 1),
                                            "checkBrier": round(float(((p - lab[chk_i]) ** 2).mean()), 4)}
        res["lengths"][f"{secs:g}s"] = row
        print(f"{secs:g} s: " + json.dumps(row), flush=True)
    out = Path(args.ckpt).parent / "eval.json"
    out.write_text(json.dumps(res, indent=1))
    print(f"-> {out}")
    return 0


def export(args: argparse.Namespace) -> int:
    """verifier.onnx + its manifest entry + test vectors (added to the converter's onnx_vectors.json)."""
    from .export import export_graph, sha256, tensor_list
    torch.set_num_threads(1)
    out = Path(args.out)
    model = load_verifier(args.ckpt)
    vec_path = out / "testdata" / "onnx_vectors.json"
    vectors = json.loads(vec_path.read_text())
    m_in = vectors["inputs"]["mel"]
    mel = torch.tensor(m_in["data"], dtype=torch.float32).view(*m_in["dims"])
    path = out / "verifier.onnx"
    export_graph(model, (mel,), path, ["mel"], ["embedding"])
    with torch.no_grad():
        e = model(mel)
    vectors["verifier"] = {"inputs": ["mel"], "outputs": {"embedding": {"dims": list(e.shape), "dtype": "float32",
                                                                         "data": tensor_list(e)}}}
    vec_path.write_text(json.dumps(vectors, separators=(",", ":")))
    man_path = out / "manifest.json"
    man = json.loads(man_path.read_text())
    ev_path = Path(args.ckpt).parent / "eval.json"
    ev = json.loads(ev_path.read_text()) if ev_path.exists() else {}
    cal = ev.get("lengths", {}).get("3s", {}).get("verifier", {})
    ck = torch.load(args.ckpt, map_location="cpu")
    man["models"]["verifier"] = {
        "file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size, "inputs": ["mel"],
        "outputs": ["embedding"], "embeddingDim": EMB,
        "calibration": {"probability": "1 / (1 + exp(-(a * cosine + b)))", "a": cal.get("calibration", {}).get("a"),
                        "b": cal.get("calibration", {}).get("b"), "eerThreshold3s": cal.get("threshold"),
                        "eerPct3s": cal.get("eerPct")},
        "training": {"steps": int(ck["step"]), "wallMinutes": round(ck["elapsed"] / 60, 1), "voices": len(ck["voices"])},
        "evaluation": ev,
    }
    man_path.write_text(json.dumps(man, indent=1))
    # built-in voices: the verifier's mean embedding over the voice's own clips (what "sounds like the target" means)
    vpath = out / "voices.json"
    voices = json.loads(vpath.read_text())
    corpus = Path(args.corpus)
    for v in voices["voices"]:
        src = v.get("trainingVoice", v["id"])
        utts = load_voice(corpus, src)[:40] if (corpus / "feats" / f"{src}.npz").exists() else []
        if not utts:
            print(f"voices.json: no clips of {src}; {v['id']} gets no verifier embedding", flush=True)
            continue
        with torch.no_grad():
            es = torch.cat([model(torch.from_numpy(u.mel).unsqueeze(0)) for u in utts])
        m = es.mean(0)
        v["verifierEmbedding"] = [round(float(x), 6) for x in m / m.norm()]
    voices["verifierEmbeddingDim"] = EMB
    vpath.write_text(json.dumps(voices, indent=1))
    print(f"exported {path} ({path.stat().st_size / 1e6:.1f} MB), calibration {man['models']['verifier']['calibration']}")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["train", "eval", "export"])
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--ckpt", default="ckpt/verifier")
    ap.add_argument("--converter", default="")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--steps", type=int, default=12000)
    ap.add_argument("--minutes", type=float, default=1e9)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)
    return {"train": train, "eval": evaluate, "export": export}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
