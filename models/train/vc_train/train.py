"""Train the autoencoder (continuous or VQ variant), seeded and resumable.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.train --corpus /work/corpus --ckpt ckpt/cont --steps 4000 --minutes 45
  /usr/bin/python3 -m vc_train.train --corpus /work/corpus --ckpt ckpt/vq --variant vq --init ckpt/cont/last.pt \
      --steps 1500 --minutes 15
Re-running the same command resumes from <ckpt>/last.pt. Loss log: <ckpt>/log.tsv.
The VQ variant shares (and freezes) the continuous model's speaker encoder, so one speaker_encoder.onnx
and one voices.json serve both decoders.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from .adversary import SpeakerAdversary
from .augment import LOG_FLOOR, add_noise, perturb_content_input, random_eq, warp
from .data import Sampler, load_stats, load_voice, voice_info
from .model import ModelConfig, VCModel, count_params, f0_input


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lr_at(step: int, total: int, base: float, warmup: int = 200) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def am_softmax_loss(e: torch.Tensor, w: torch.Tensor, y: torch.Tensor, mask: torch.Tensor,
                    s: float = 20.0, m: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    wn = w / w.norm(dim=1, keepdim=True)
    cos = e @ wn.t()
    logits = s * (cos - m * F.one_hot(y, w.shape[0]).float())
    ce = F.cross_entropy(logits, y, reduction="none")
    acc = (cos.argmax(1) == y).float()
    denom = mask.sum().clamp(min=1.0)
    return (ce * mask).sum() / denom, (acc * mask).sum() / denom


def save_ckpt(path: Path, obj: dict) -> None:
    tmp = str(path) + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_model(path: str, map_location: str = "cpu") -> tuple[VCModel, dict]:
    ck = torch.load(path, map_location=map_location)
    cfg = ModelConfig(**ck["cfg"])
    m = VCModel(cfg, len(ck["voices"]))
    m.load_state_dict(ck["model"])
    m.eval()
    return m, ck


def load_sharing_speaker(path: str, continuous: VCModel) -> tuple[VCModel, dict]:
    """A VQ or streaming checkpoint with the continuous model's speaker encoder (they share it: one
    speaker_encoder.onnx and one voices.json serve every decoder)."""
    vqm, ck = load_model(path)
    vqm.speaker.load_state_dict(continuous.speaker.state_dict())
    return vqm, ck


def conversion_inputs(e: torch.Tensor, lf0: torch.Tensor, vuv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The target of each item in a conversion pass: the NEXT item's embedding, and the item's log-F0 mapped to that
    item's voiced mean/std, as the engine maps pitch. Returns (target embeddings, decoder F0 input)."""
    et = torch.roll(e, 1, 0)
    v = (vuv > 0.5).float()
    n = v.sum(1, keepdim=True).clamp(min=1.0)
    mu = (lf0 * v).sum(1, keepdim=True) / n
    sd = torch.sqrt((((lf0 - mu) * v) ** 2).sum(1, keepdim=True) / n + 1e-4)
    lt = torch.where(v > 0, (lf0 - mu) / sd * torch.roll(sd, 1, 0) + torch.roll(mu, 1, 0), lf0)
    return et, f0_input(lt, vuv)


def conversion_losses(model: VCModel, z: torch.Tensor, e: torch.Tensor, lf0: torch.Tensor,
                      vuv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction never shows the decoder a content from one speaker with another's embedding, which is what
    conversion asks of it (and what fails toward female targets). Each item's content is decoded with the next item's
    embedding and pitch (`conversion_inputs`). Returns (1 - cosine between the frozen speaker encoder's embedding of
    the output and the target embedding, L1 between the output's content and the source content)."""
    et, f0 = conversion_inputs(e, lf0, vuv)
    y = model.decoder(z, et, f0, normalized_out=True)
    eo = model.speaker(y, normalized=True)
    cs = (1 - (eo * et).sum(1)).mean()
    cc = F.l1_loss(model.content.pre(y, normalized=True), z.detach())
    return cs, cc


def distillation_loss(model: VCModel, teacher: VCModel, mel: torch.Tensor, z: torch.Tensor, e: torch.Tensor,
                      lf0: torch.Tensor, vuv: torch.Tensor) -> torch.Tensor:
    """The streaming pair sees at most a few frames ahead and converts worse than the offline model that sees the
    whole utterance. Reconstruction cannot teach it what a good CONVERSION looks like (no ground truth exists), but
    the offline model's conversion of the same crop is one: L1 (normalized log-mel) between the student's and the
    frozen teacher's output for each item's content with the next item's embedding and pitch. Student and teacher
    share the speaker encoder, so `e` serves both."""
    et, f0 = conversion_inputs(e, lf0, vuv)
    with torch.no_grad():
        yt = teacher.decoder(teacher.content.pre(mel), et, f0, normalized_out=True)
    ys = model.decoder(z, et, f0, normalized_out=True)
    return F.l1_loss(ys, yt)


def freeze_speaker(model: VCModel) -> None:
    """Keeps the speaker encoder and its classifier fixed (their embeddings stay valid for other decoders)."""
    for p in list(model.speaker.parameters()) + [model.spk_w]:
        p.requires_grad_(False)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--ckpt", default="ckpt/cont")
    ap.add_argument("--variant", choices=["cont", "vq"], default="cont")
    ap.add_argument("--init", default="", help="VQ: continuous checkpoint to take the speaker encoder from")
    ap.add_argument("--steps", type=int, default=4000, help="total steps (LR schedule length)")
    ap.add_argument("--minutes", type=float, default=1e9, help="stop after this much training wall time")
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--ref-crop", type=int, default=0, help="speaker-reference crop in frames (0: same as --crop)")
    ap.add_argument("--delta-loss", type=float, default=0.0,
                    help="weight of an L1 loss on the output's time and frequency differences (against over-smoothing)")
    ap.add_argument("--ref-eq", type=float, default=0.0,
                    help="max amplitude (nepers) of a random microphone-colouring EQ on the speaker reference")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--channels", type=int, default=192)
    ap.add_argument("--content-dim", type=int, default=16)
    ap.add_argument("--ckpt-every-s", type=float, default=180.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--warp-reg", type=float, default=0.0,
                    help="weight of an auxiliary loss that regresses the pseudo-speaker warp factor from the embedding "
                         "(keeps the speaker encoder sensitive to formant scale)")
    ap.add_argument("--init-full", default="", help="fine-tune: start from all weights of this checkpoint")
    ap.add_argument("--init-speaker", default="",
                    help="train content encoder + decoder from scratch against this checkpoint's speaker encoder (frozen)")
    ap.add_argument("--freeze-speaker", action="store_true",
                    help="fine-tune: keep the speaker encoder fixed (embeddings of built-in voices and the VQ decoder stay valid)")
    ap.add_argument("--stream", choices=["", "channel", "window"], default="",
                    help="streaming variant (live mode): causal graphs with per-frame channel norm or a running window norm")
    ap.add_argument("--norm-window", type=int, default=32, help="streaming 'window' norm: frames")
    ap.add_argument("--content-norm", choices=["channel", "running"], default="channel",
                    help="streaming: the content bottleneck's norm (see ModelConfig.content_norm)")
    ap.add_argument("--enc-lookahead", type=int, default=2, help="streaming: content-encoder lookahead, frames")
    ap.add_argument("--dec-lookahead", type=int, default=1, help="streaming: decoder lookahead, frames")
    ap.add_argument("--init-vq", default="", help="VQ: also take content encoder/decoder/codebooks from this VQ checkpoint")
    ap.add_argument("--adv-speaker", type=float, default=0.0,
                    help="weight of a speaker adversary on the content code (gradient reversal; see adversary.py)")
    ap.add_argument("--adv-lr-mult", type=float, default=10.0, help="the adversary's learning rate over --lr")
    ap.add_argument("--conv-speaker", type=float, default=0.0,
                    help="weight of a conversion loss: each item's content decoded with the NEXT item's embedding and "
                         "pitch must carry that embedding (1 - cosine by the frozen speaker encoder; needs --freeze-speaker)")
    ap.add_argument("--conv-content", type=float, default=0.0,
                    help="with --conv-speaker: weight of the converted output's content staying the source's (L1)")
    ap.add_argument("--teacher", default="", help="distil conversions from this (offline) checkpoint; see distillation_loss")
    ap.add_argument("--distill", type=float, default=0.0, help="with --teacher: weight of the distillation loss")
    args = ap.parse_args(argv)
    if args.conv_speaker > 0 and not args.freeze_speaker:
        ap.error("--conv-speaker needs --freeze-speaker (the speaker encoder is the critic and must stay fixed)")
    if args.distill > 0 and not (args.teacher and args.freeze_speaker):
        ap.error("--distill needs --teacher and --freeze-speaker (student and teacher share the speaker encoder)")

    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    corpus = Path(args.corpus)
    ckdir = Path(args.ckpt)
    ckdir.mkdir(parents=True, exist_ok=True)
    last = ckdir / "last.pt"

    info = voice_info(corpus)
    train_voices = sorted(v for v, i in info.items() if i["role"] == "train"
                          and (corpus / "feats" / f"{v}.npz").exists())
    utts = {v: load_voice(corpus, v, {"train"}) for v in train_voices}
    utts = {v: u for v, u in utts.items() if u}
    train_voices = sorted(utts)
    mean, std = load_stats(corpus)
    print(f"voices: {len(train_voices)}, utterances: {sum(len(u) for u in utts.values())}, frames: "
          f"{sum(x.mel.shape[1] for u in utts.values() for x in u)}", flush=True)

    cfg = ModelConfig(channels=args.channels, content_dim=args.content_dim, vq=args.variant == "vq",
                      stream=args.stream, content_norm=args.content_norm, norm_window=args.norm_window, enc_lookahead=args.enc_lookahead, dec_lookahead=args.dec_lookahead)
    model = VCModel(cfg, len(train_voices))
    model.set_mel_stats(torch.from_numpy(mean), torch.from_numpy(std))
    step = 0
    elapsed = 0.0
    sampler = Sampler(utts, args.crop, args.seed, args.ref_crop or None)
    gen = torch.Generator().manual_seed(args.seed)

    if args.variant == "vq":
        if not args.init:
            print("--variant vq needs --init <continuous checkpoint>", file=sys.stderr)
            return 2
        ck0 = torch.load(args.init, map_location="cpu")
        src = ck0["model"]
        own = model.state_dict()
        # copy everything whose shape matches (speaker encoder, most of content encoder and decoder)
        copied = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
        model.load_state_dict(copied, strict=False)
        assert ck0["voices"] == train_voices, "VQ must use the continuous model's training voices"
        freeze_speaker(model)
        print(f"vq: initialised {len(copied)}/{len(own)} tensors from {args.init}; speaker encoder frozen", flush=True)

    if args.init_full:
        model.load_state_dict(torch.load(args.init_full, map_location="cpu")["model"])
        print(f"fine-tuning from {args.init_full}", flush=True)
    if args.init_speaker:
        sd = torch.load(args.init_speaker, map_location="cpu")["model"]
        model.load_state_dict({k: v for k, v in sd.items() if k.startswith("speaker.") or k == "spk_w"}, strict=False)
        freeze_speaker(model)
        print(f"speaker encoder from {args.init_speaker} (frozen); content encoder and decoder from scratch", flush=True)
    if args.init_vq:
        vsd = {k: v for k, v in torch.load(args.init_vq, map_location="cpu")["model"].items()
               if not k.startswith("speaker.") and k != "spk_w"}
        model.load_state_dict(vsd, strict=False)
        print(f"vq: content encoder, codebooks and decoder from {args.init_vq}", flush=True)
    if args.freeze_speaker:
        freeze_speaker(model)
    teacher: Optional[VCModel] = None
    if args.distill > 0:
        teacher, tck = load_model(args.teacher)
        assert tck["voices"] == train_voices, "the teacher must share the training voices (and speaker encoder)"
        for p in teacher.parameters():
            p.requires_grad_(False)
        if not all(torch.equal(a, b) for a, b in zip(teacher.speaker.state_dict().values(),
                                                     model.speaker.state_dict().values())):
            print("warning: teacher and student speaker encoders differ", flush=True)
        print(f"distilling conversions from {args.teacher} (weight {args.distill})", flush=True)
    aux = torch.nn.Linear(cfg.emb_dim, 1)
    adv = SpeakerAdversary(model.content.out_dim, len(train_voices))
    params = [p for p in model.parameters() if p.requires_grad] + (list(aux.parameters()) if args.warp_reg > 0 else [])
    groups = [{"params": params, "mult": 1.0}]
    if args.adv_speaker > 0:
        # the adversary learns faster than the encoder it reverses, or the encoder wins before it finds anything
        groups.append({"params": list(adv.parameters()), "mult": args.adv_lr_mult})
        params = params + groups[-1]["params"]
    opt = torch.optim.Adam(groups, lr=args.lr, betas=(0.9, 0.99))
    if last.exists():
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        if "aux" in ck:
            aux.load_state_dict(ck["aux"])
        if "adv" in ck:
            adv.load_state_dict(ck["adv"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        sampler.rng.bit_generator.state = ck["sampler_rng"]
        gen.set_state(ck["torch_gen"])
        print(f"resumed from {last} at step {step} ({elapsed / 60:.1f} min)", flush=True)
    elif args.variant == "vq" and not args.init_vq:
        # initialise the codebooks from encoder outputs
        with torch.no_grad():
            b = sampler.batch(32)
            z = model.content.pre(torch.from_numpy(b["mel"]))
            g, d = cfg.vq_groups, cfg.vq_dim
            zz = z.view(32, g, d, -1).permute(1, 0, 3, 2).reshape(g, -1, d)
            for gi in range(g):
                idx = torch.randperm(zz.shape[1], generator=gen)[:cfg.vq_codes]
                model.content.codebook.data[gi] = zz[gi, idx]

    n_par = {"content_encoder": count_params(model.content), "speaker_encoder": count_params(model.speaker),
             "decoder": count_params(model.decoder)}
    print("params:", n_par, "total", sum(n_par.values()), flush=True)
    logf = open(ckdir / "log.tsv", "a")
    if step == 0:
        logf.write("step\tminutes\tlr\trec\tspk\tspk_acc\tvq\tperplexity\n")

    def checkpoint() -> None:
        save_ckpt(last, dict(model=model.state_dict(), aux=aux.state_dict(), adv=adv.state_dict(), opt=opt.state_dict(), step=step, elapsed=elapsed,
                             cfg=cfg.to_dict(), voices=train_voices, variant=args.variant,
                             sampler_rng=sampler.rng.bit_generator.state, torch_gen=gen.get_state(),
                             mel_mean=mean, mel_std=std, params=n_par, args=vars(args)))

    model.train()
    t_last_ck = time.time()
    acc_hist: list[list[float]] = []
    while step < args.steps and elapsed < args.minutes * 60:
        t0 = time.time()
        for gparam in opt.param_groups:
            gparam["lr"] = lr_at(step, args.steps, args.lr) * gparam.get("mult", 1.0)
        b = sampler.batch(args.batch)
        mel = torch.from_numpy(b["mel"])
        ref = torch.from_numpy(b["ref"])
        lf0 = torch.from_numpy(b["lf0"])
        vuv = torch.from_numpy(b["vuv"])
        label = torch.from_numpy(b["label"])
        B = mel.shape[0]
        # pseudo-speakers: a global warp of target + reference (+ matching F0 shift) for 30% of items
        pw = (torch.rand(B, generator=gen) < 0.3)
        alpha = torch.where(pw, torch.exp((torch.rand(B, generator=gen) * 2 - 1) * math.log(1.14)), torch.ones(B))
        if pw.any():
            mel = warp(mel, alpha)
            ref = warp(ref, alpha)
            lf0 = torch.where(vuv > 0.5, lf0 + torch.log(alpha).unsqueeze(1), lf0)
        spk_mask = (~pw).float()
        # speaker encoder input: mild gain + occasional noise (robust enrolment from real microphones)
        ref_in = torch.clamp(ref + (torch.rand(B, 1, 1, generator=gen) - 0.5), min=LOG_FLOOR)
        use_n = (torch.rand(B, 1, 1, generator=gen) < 0.2).float()
        ref_in = use_n * add_noise(ref_in, gen, (15.0, 40.0)) + (1 - use_n) * ref_in
        if args.ref_eq > 0:
            ref_in = torch.clamp(ref_in + random_eq(B, gen, max_amp=args.ref_eq), min=LOG_FLOOR)
        c_in = perturb_content_input(mel, gen)

        e = model.speaker(ref_in)
        z = model.content.pre(c_in)
        vq_loss = torch.zeros(())
        perplex = 0.0
        if cfg.vq:
            z, idx, vq_loss = model.content.quantize(z)
            with torch.no_grad():
                counts = F.one_hot(idx[:, 0].reshape(-1), cfg.vq_codes).float().mean(0)
                perplex = float(torch.exp(-(counts * torch.log(counts + 1e-10)).sum()))
        y = model.decoder(z, e, f0_input(lf0, vuv), normalized_out=True)
        target = model.decoder.mel.norm(mel)
        rec = F.l1_loss(y, target)
        if args.delta_loss > 0:
            rec_d = (F.l1_loss(y[:, :, 1:] - y[:, :, :-1], target[:, :, 1:] - target[:, :, :-1]) +
                     F.l1_loss(y[:, 1:] - y[:, :-1], target[:, 1:] - target[:, :-1]))
            rec_total = rec + args.delta_loss * rec_d
        else:
            rec_total = rec
        if cfg.vq:
            spk = torch.zeros(())
            acc = torch.zeros(())
            loss = rec_total + vq_loss
        else:
            spk, acc = am_softmax_loss(e, model.spk_w, label, spk_mask)
            loss = rec_total + 0.2 * spk
            if args.warp_reg > 0:
                wr = F.mse_loss(aux(e).squeeze(1), torch.log(alpha) / math.log(1.14))
                loss = loss + args.warp_reg * wr
                vq_loss = wr.detach()  # logged in the 'vq' column
            if args.adv_speaker > 0:
                adv_ce, adv_acc = adv.loss(z, label, spk_mask)
                loss = loss + args.adv_speaker * adv_ce
                vq_loss = adv_ce.detach()  # logged in the 'vq' column,
                perplex = float(adv_acc)  # and the adversary's accuracy in 'perplexity'
            if args.conv_speaker > 0:
                cs, cc = conversion_losses(model, z, e, lf0, vuv)
                loss = loss + args.conv_speaker * cs + args.conv_content * cc
                spk = cs.detach()  # the conversion loss replaces the frozen classifier's in the 'spk' column
            if teacher is not None:
                dl = distillation_loss(model, teacher, mel, z, e, lf0, vuv)
                loss = loss + args.distill * dl
                acc = dl.detach()  # logged in the 'spk_acc' column (the frozen classifier's accuracy says nothing here)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        step += 1
        elapsed += time.time() - t0
        acc_hist.append([float(rec), float(spk), float(acc), float(vq_loss), perplex])
        if step % args.log_every == 0:
            a = np.mean(np.asarray(acc_hist), axis=0)
            acc_hist = []
            line = f"{step}\t{elapsed / 60:.2f}\t{lr_at(step, args.steps, args.lr):.2e}\t{a[0]:.4f}\t{a[1]:.3f}\t{a[2]:.3f}\t{a[3]:.4f}\t{a[4]:.1f}"
            logf.write(line + "\n")
            logf.flush()
            print(line, flush=True)
        if time.time() - t_last_ck > args.ckpt_every_s:
            checkpoint()
            t_last_ck = time.time()
    checkpoint()
    print(f"done: step {step}, {elapsed / 60:.1f} min -> {last}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
