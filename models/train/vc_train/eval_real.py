"""One-shot conversion between real held-out speakers (issue: real voices), per direction and reference length.

Usage (from models/train):
  /usr/bin/python3 -m vc_train.eval_real --ckpt ckpt/real/last.pt [--vq-ckpt ckpt/realvq/last.pt] --corpus /work/corpus

Why this file exists: synthetic held-out voices predicted 67 % speaker identification while real female targets were
reached 6 % of the time. This evaluation uses only the 24 real speakers of `real_split.tsv` that no training step sees.

- Trials: per direction (F->F, F->M, M->F, M->M) `--per-dir` seeded (source speaker, target speaker, source clip)
  triples; the source is one of the source speaker's 'test' clips.
- One-shot reference: the target speaker's 'enrol' clips concatenated and cut to 1, 3, 10 or 30 s (as the app does
  with one reference recording): embedding from the speaker encoder, log-F0 statistics from its voiced frames.
- Speaker identification by an independent classifier (MFCC statistics, nearest centroid, eval.SpeakerID) among all
  24 held-out speakers, enrolled on their 'enrol' clips: % to the target, % still the source.
- Non-parallel distance: Euclidean distance of the output's standardized MFCC statistics to the target speaker's
  centroid ("stat dist"); "no conversion" and "real target" rows bound it.
- MCD (DTW) to the real target saying the same sentence, where such a parallel clip exists (few: reported with n).
- WER with pocketsphinx and a trigram LM over the held-out transcripts (speechocean762 sources; LibriSpeech has none).
- Baselines in the same run: no conversion, a pitch-shift voice changer (sox pitch by the F0 mean difference).
- Speaker-encoder cosine distributions (same / different speaker, per gender, 3 s crops) and the global variance of
  the output log-mel per band against real speech (over-smoothing).
Writes ../eval/results_real.{json,md} and manifest.evaluation.real.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile as sf
import torch

from .data import Utt, load_voice
from .eval import ASR, SpeakerID, convert, convert_streaming, make_vocoder, mcd, mfcc_stats, pitch_shift, word_errors
from .features import log_mel
from .model import VCModel
from .real import read_split
from .train import load_model, load_sharing_speaker

SR = 16000
FPS = SR / 256
DIRS = ("F->F", "F->M", "M->F", "M->M")


def reference(utts: list[Utt], seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The enrol clips concatenated and cut to `seconds` (mel, lf0, vuv)."""
    n = int(round(seconds * FPS))
    mel = np.concatenate([u.mel for u in utts], axis=1)[:, :n]
    lf0 = np.concatenate([u.lf0 for u in utts])[:n]
    vuv = np.concatenate([u.vuv for u in utts])[:n]
    return mel, lf0, vuv


@torch.no_grad()
def one_shot(model: VCModel, ref: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[torch.Tensor, tuple[float, float]]:
    mel, lf0, vuv = ref
    e = model.speaker(torch.from_numpy(np.ascontiguousarray(mel)).unsqueeze(0))
    v = lf0[vuv > 0.5]
    st = (float(v.mean()), float(v.std())) if len(v) > 2 else (5.0, 0.15)
    return e, st


def draw_trials(gender: dict[str, str], test: dict[str, list[Utt]], per_dir: int,
                seed: int) -> list[tuple[str, str, str, Utt]]:
    """The seeded (direction, source speaker, target speaker, source clip) trials, `per_dir` per direction: the same
    draw for every run with the same seed, so runs that differ only in the vocoder pair clip by clip."""
    voices = sorted(gender)
    rng = np.random.default_rng(seed)
    trials = []
    for dn in DIRS:
        gs, gt = ("female" if dn[0] == "F" else "male"), ("female" if dn[-1] == "F" else "male")
        srcs = [v for v in voices if gender[v] == gs]
        tgts = [v for v in voices if gender[v] == gt]
        for _ in range(per_dir):
            s = srcs[int(rng.integers(len(srcs)))]
            t = s
            while t == s:
                t = tgts[int(rng.integers(len(tgts)))]
            trials.append((dn, s, t, test[s][int(rng.integers(len(test[s])))]))
    return trials


def summarise(recs: list[dict]) -> dict:
    d: dict = {"n": len(recs)}
    if not recs:
        return d
    d["spkId_target_pct"] = round(100 * float(np.mean([r["to_target"] for r in recs])), 1)
    d["spkId_source_pct"] = round(100 * float(np.mean([r["still_source"] for r in recs])), 1)
    d["stat_dist"] = round(float(np.mean([r["stat_dist"] for r in recs])), 2)
    if "ver_cos" in recs[0]:
        d["ver_cos"] = round(float(np.mean([r["ver_cos"] for r in recs])), 3)
        d["verId_target_pct"] = round(100 * float(np.mean([r["ver_to_target"] for r in recs])), 1)
        d["verId_source_pct"] = round(100 * float(np.mean([r["ver_still_source"] for r in recs])), 1)
        d["ver_accept_pct"] = round(100 * float(np.mean([r["ver_accept"] for r in recs])), 1)
        d["ver_src_accept_pct"] = round(100 * float(np.mean([r["ver_src_accept"] for r in recs])), 1)
    m = [r["mcd"] for r in recs if r.get("mcd") is not None]
    if m:
        d["mcd"] = round(float(np.mean(m)), 2)
        d["mcd_n"] = len(m)
    w = [r for r in recs if "err" in r]
    if w:
        d["wer_pct"] = round(100 * sum(r["err"] for r in w) / max(1, sum(r["words"] for r in w)), 1)
        d["wer_n"] = len(w)
    return d


@torch.no_grad()
def encoder_cosines(model: VCModel, enrol: dict[str, list[Utt]], test: dict[str, list[Utt]], gender: dict[str, str],
                    seconds: float = 3.0) -> dict:
    """Same-speaker (enrol crop vs test crop) and different-speaker (same gender) cosines of the speaker encoder."""
    emb_e = {v: one_shot(model, reference(enrol[v], seconds))[0][0] for v in enrol}
    emb_t = {v: one_shot(model, reference(test[v], seconds))[0][0] for v in test}
    out: dict = {}
    for g in ("female", "male"):
        vs = [v for v in enrol if gender[v] == g]
        same = [float(emb_e[v] @ emb_t[v]) for v in vs]
        diff = [float(emb_e[a] @ emb_t[b]) for a in vs for b in vs if a != b]
        out[g] = {"same_mean": round(float(np.mean(same)), 3), "same_min": round(float(np.min(same)), 3),
                  "diff_mean": round(float(np.mean(diff)), 3), "diff_max": round(float(np.max(diff)), 3),
                  # identification among the same-gender speakers: the test crop nearest to its own enrol crop
                  "id_pct": round(100 * float(np.mean([max(vs, key=lambda b: float(emb_e[b] @ emb_t[v])) == v
                                                       for v in vs])), 1), "speakers": len(vs)}
    return out


def global_variance(conv_mels: list[np.ndarray], real_mels: list[np.ndarray]) -> dict:
    """Per-band variance over time of the log-mel, converted / real, averaged over clips; in three band groups."""
    def gv(ms: list[np.ndarray]) -> np.ndarray:
        return np.mean([m.var(axis=1) for m in ms], axis=0)
    r = gv(conv_mels) / np.maximum(gv(real_mels), 1e-6)
    return {"bands_0_19": round(float(r[:20].mean()), 3), "bands_20_49": round(float(r[20:50].mean()), 3),
            "bands_50_79": round(float(r[50:].mean()), 3), "all": round(float(r.mean()), 3)}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="ckpt/real/last.pt")
    ap.add_argument("--vq-ckpt", default="")
    ap.add_argument("--stream-ckpt", default="", help="live mode's streaming graphs: adds their block-wise conversion "
                    "(windows as the app streams them) beside the offline model, same references and vocoder")
    ap.add_argument("--stream-context", type=int, default=16, help="left context of each streaming window, frames "
                    "(the app's default: 0.25 s)")
    ap.add_argument("--stream-block", type=int, default=2, help="frames per streaming block (the app's default: 32 ms)")
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--per-dir", type=int, default=24)
    ap.add_argument("--ref-seconds", default="1,3,10,30")
    ap.add_argument("--gl-iters", type=int, default=32)
    ap.add_argument("--vocoder", default="", help="the neural vocoder's aperiodicity network (checkpoint or vocoder.onnx): "
                                                   "converted rows are vocoded by it (source-filter, 4 passes) instead of "
                                                   "Griffin-Lim")
    ap.add_argument("--vocoder-passes", type=int, default=4, help="neural vocoder: consistency passes")
    ap.add_argument("--detail-floor", type=float, default=0.0, help="neural vocoder: lowest envelope detail")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-wer", action="store_true")
    ap.add_argument("--verifier", default="", help="verifier checkpoint (vc_train.verifier): adds its similarity to the "
                                                    "target and the accept rate at its 3 s EER threshold per row")
    ap.add_argument("--baseline-onnx", default="", help="an earlier export folder (e.g. the previously shipped models) "
                                                         "evaluated as a baseline row (needs python3-onnx)")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "eval"))
    ap.add_argument("--name", default="results_real", help="output file stem; only the default updates manifest.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    corpus, out = Path(args.corpus), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, ck = load_model(args.ckpt)
    vqm = load_sharing_speaker(args.vq_ckpt, model)[0] if args.vq_ckpt else None
    stm = load_sharing_speaker(args.stream_ckpt, model)[0] if args.stream_ckpt else None
    base = None
    if args.baseline_onnx:
        from .onnx_import import load_onnx_model
        base = load_onnx_model(args.baseline_onnx)
    ver, ver_thr = None, 0.0
    if args.verifier:
        from .verifier import load_verifier
        ver = load_verifier(args.verifier)
    held = [s for s in read_split() if s.role == "heldout"]
    gender = {s.voice: s.gender for s in held}
    voices = sorted(gender)
    assert not set(voices) & set(ck["voices"]), "a held-out real speaker was in training"
    with open(corpus / "metadata.tsv", encoding="utf-8") as f:
        meta = list(csv.DictReader(f, delimiter="\t"))
    path_of = {(r["voice"], Path(r["path"]).stem): r["path"] for r in meta}
    text_of = {(r["voice"], Path(r["path"]).stem): r["text"] for r in meta}
    enrol = {v: load_voice(corpus, v, {"enrol"}) for v in voices}
    test = {v: load_voice(corpus, v, {"test"}) for v in voices}
    audio = lambda v, uid: sf.read(path_of[(v, uid)], dtype="float32")[0]  # noqa: E731
    sid = SpeakerID({v: [audio(v, u.uid) for u in enrol[v]] for v in voices})
    ref_secs = [float(x) for x in args.ref_seconds.split(",")]
    refs = {(v, L): one_shot(model, reference(enrol[v], L)) for v in voices for L in ref_secs}
    if ver is not None:
        with torch.no_grad():
            ver_tgt = {v: ver(torch.from_numpy(np.ascontiguousarray(reference(enrol[v], 30.0)[0])).unsqueeze(0))[0]
                       for v in voices}
    # parallel clips: same transcript read by another held-out speaker
    by_text: dict[str, list[tuple[str, Utt]]] = {}
    for v in voices:
        for u in enrol[v] + test[v]:
            t = text_of[(v, u.uid)].strip().upper()
            if t:
                by_text.setdefault(t, []).append((v, u))

    vocode = make_vocoder(args.vocoder, args.gl_iters, args.vocoder_passes, args.detail_floor)

    trials = draw_trials(gender, test, args.per_dir, args.seed)
    texts = sorted({text_of[(v, u.uid)] for v in voices for u in enrol[v] + test[v] if text_of[(v, u.uid)].strip()})
    asr = None if args.no_wer else ASR(out, texts, "real_heldout")
    main_L = 3.0 if 3.0 in ref_secs else ref_secs[0]
    rows = ["source (no conversion)", "pitch-shift baseline", f"ours (continuous, {main_L:g} s ref)"]
    if vqm is not None:
        rows.append(f"ours (VQ, {main_L:g} s ref)")
    if stm is not None:
        rows.append(f"ours (streaming graphs, {main_L:g} s ref)")
    if base is not None:
        rows.append(f"previous shipped model ({main_L:g} s ref)")
        base_refs = {v: one_shot(base, reference(enrol[v], main_L)) for v in voices}
    rows += [f"ours (continuous, {L:g} s ref)" for L in ref_secs if L != main_L]
    rows.append("real target (oracle)")
    per: dict[str, list[dict]] = {r: [] for r in rows}
    conv_mels: list[np.ndarray] = []
    real_mels: list[np.ndarray] = []
    samples = out / "samples_real"
    samples.mkdir(exist_ok=True)
    for ti, (dn, s, t, su) in enumerate(trials):
        src = audio(s, su.uid)
        text = text_of[(s, su.uid)].strip()
        par = [u for (v, u) in by_text.get(text.upper(), []) if v == t]
        par_audio = audio(t, par[0].uid) if par else None
        oracle_u = test[t][ti % len(test[t])]
        outs: dict[str, np.ndarray] = {"source (no conversion)": src}
        tgt_f0 = refs[(t, main_L)][1]
        src_v = su.lf0[su.vuv > 0.5]
        cents = 1200 * (tgt_f0[0] - float(src_v.mean() if len(src_v) else tgt_f0[0])) / math.log(2)
        outs["pitch-shift baseline"] = pitch_shift(src, cents)
        for L in ref_secs:
            e, f0s = refs[(t, L)]
            y = convert(model, su.mel, su.lf0, su.vuv, e, f0s)
            if L == main_L:
                conv_mels.append(y)
            outs[f"ours (continuous, {L:g} s ref)"] = vocode(y, su.lf0, su.vuv, f0s)
        if vqm is not None:
            e, f0s = refs[(t, main_L)]
            outs[f"ours (VQ, {main_L:g} s ref)"] = vocode(convert(vqm, su.mel, su.lf0, su.vuv, e, f0s, vq=True),
                                                          su.lf0, su.vuv, f0s)
        if stm is not None:
            e, f0s = refs[(t, main_L)]
            outs[f"ours (streaming graphs, {main_L:g} s ref)"] = vocode(
                convert_streaming(stm, su.mel, su.lf0, su.vuv, e, f0s, block=args.stream_block,
                                  context=args.stream_context), su.lf0, su.vuv, f0s)
        if base is not None:
            e, f0s = base_refs[t]
            outs[f"previous shipped model ({main_L:g} s ref)"] = vocode(convert(base, su.mel, su.lf0, su.vuv, e, f0s),
                                                                        su.lf0, su.vuv, f0s)
        outs["real target (oracle)"] = audio(t, oracle_u.uid)
        real_mels.append(oracle_u.mel)
        for r in rows:
            y = outs[r]
            pred = sid.predict(y)
            stats = (mfcc_stats(y) - sid.mu) / sid.sd
            rec = {"dir": dn, "src": s, "tgt": t, "uid": su.uid, "pred": pred, "to_target": pred == t,
                   "still_source": pred == s,
                   "stat_dist": float(np.sqrt(((stats - sid.cent[sid.names.index(t)]) ** 2).sum())),
                   "mcd": mcd(y, par_audio) if par_audio is not None and r != "real target (oracle)" else None}
            if ver is not None:
                with torch.no_grad():
                    ve = ver(torch.from_numpy(log_mel(np.asarray(y, np.float32))).unsqueeze(0))[0]
                rec["ver_cos"] = float(ve @ ver_tgt[t])
                rec["ver_src_cos"] = float(ve @ ver_tgt[s])
                vp = max(voices, key=lambda v: float(ve @ ver_tgt[v]))  # identification among all held-out speakers
                rec["ver_to_target"], rec["ver_still_source"] = vp == t, vp == s
            if asr is not None and text and r != "real target (oracle)" and ("ref" not in r or f"{main_L:g} s" in r):
                e_, n_ = word_errors(text, asr.recognise(y))
                rec.update(err=e_, words=n_)
            per[r].append(rec)
        if ti % args.per_dir < 2 and args.name == "results_real":  # the listening samples of the main run only
            for r in ("source (no conversion)", f"ours (continuous, {main_L:g} s ref)"):
                y = outs[r]
                sf.write(str(samples / f"{dn.replace('->', '2')}_{s}_to_{t}_{r.split()[0]}.wav"),
                         y / max(1e-4, float(np.abs(y).max())) * 0.9, SR, subtype="PCM_16")
        if (ti + 1) % 16 == 0:
            print(f"  {ti + 1}/{len(trials)} trials, {time.time() - t0:.0f}s", flush=True)

    if ver is not None:
        # accept threshold: the EER point between real clips of the target (oracle row) and real clips of other
        # speakers (the unconverted sources), in this run's own conditions (clip vs 30 s of the target)
        from .verifier import eer
        ver_thr = eer(np.asarray([r["ver_cos"] for r in per["real target (oracle)"]]),
                      np.asarray([r["ver_cos"] for r in per["source (no conversion)"]]))[1]
        for recs in per.values():
            for r in recs:
                r["ver_accept"] = r["ver_cos"] >= ver_thr
                r["ver_src_accept"] = r["ver_src_cos"] >= ver_thr
    table = {r: {"all": summarise(per[r]), **{dn: summarise([x for x in per[r] if x["dir"] == dn]) for dn in DIRS},
                 "to female": summarise([x for x in per[r] if x["dir"].endswith("F")]),
                 "to male": summarise([x for x in per[r] if x["dir"].endswith("M")])} for r in rows}
    res = {"set": "real held-out speakers (models/train/real_split.tsv)", "speakers": voices,
           "speakersByGender": {g: sum(1 for v in voices if gender[v] == g) for g in ("female", "male")},
           "chancePct": round(100 / len(voices), 1), "trials": len(trials), "perDirection": args.per_dir,
           "referenceSeconds": ref_secs, "mainReferenceSeconds": main_L, "griffinLimIters": args.gl_iters,
           "vocoder": (f"neural source-filter ({args.vocoder_passes} passes"
                       + (f", detail >= {args.detail_floor:g})" if args.detail_floor > 0 else ")")
                       if args.vocoder else f"Griffin-Lim {args.gl_iters}"),
           "table": table, "speakerEncoderCosines3s": encoder_cosines(model, enrol, test, gender),
           "globalVarianceRatio": global_variance(conv_mels, real_mels),
           "checkpoint": {"steps": ck.get("step"), "minutes": round(ck["elapsed"] / 60, 1) if "elapsed" in ck else None,
                          "restoredFrom": ck.get("restoredFrom")},  # onnx_import's checkpoints carry no training state
           "verifierThreshold": ver_thr if ver is not None else None,
           **({"streaming": {"blockFrames": args.stream_block, "contextFrames": args.stream_context,
                             "lookaheadFrames": stm.cfg.lookahead, "norm": stm.cfg.stream}} if stm is not None else {}),
           "seconds": round(time.time() - t0)}
    (out / f"{args.name}.json").write_text(json.dumps(res, indent=1))
    clips_name = args.name.replace("results", "clips") if "results" in args.name else f"clips_{args.name}"
    (out / f"{clips_name}.json").write_text(json.dumps(per, indent=0, default=str))
    md = to_markdown(res)
    (out / f"{args.name}.md").write_text(md)
    print(md, flush=True)
    man_path = out.parent / "manifest.json"
    if man_path.exists() and args.name == "results_real":
        man = json.loads(man_path.read_text())
        ev = man.get("evaluation", {})
        ev = ev if isinstance(ev, dict) and "status" not in ev else {}
        ev["real"] = {k: v for k, v in res.items() if k != "speakers"}
        man["evaluation"] = ev
        man_path.write_text(json.dumps(man, indent=1))
    return 0


def to_markdown(res: dict) -> str:
    lines = [f"{res['set']}: {res['speakersByGender']['female']} female + {res['speakersByGender']['male']} male, "
             f"{res['trials']} trials ({res['perDirection']} per direction), speaker-ID chance {res['chancePct']} %; "
             f"vocoder: {res.get('vocoder', 'Griffin-Lim')}.", "",
             "| row | dir | n | verifier ID → target % | verifier ID still source % | MFCC ID → target % | MFCC ID still source % | "
             "stat dist | MCD dB (n) | WER % (n) | verifier cos → target | verifier accepts target % | verifier accepts source % |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r, d in res["table"].items():
        for dn in ("all",) + DIRS:
            x = d.get(dn, {})
            if not x.get("n"):
                continue
            m = f"{x['mcd']} ({x['mcd_n']})" if "mcd" in x else "-"
            w = f"{x['wer_pct']} ({x['wer_n']})" if "wer_pct" in x else "-"
            vv = (f"{x['ver_cos']} | {x['ver_accept_pct']} | {x['ver_src_accept_pct']}" if "ver_cos" in x else "- | - | -")
            vi = f"{x['verId_target_pct']} | {x['verId_source_pct']}" if "ver_cos" in x else "- | -"
            lines.append(f"| {r} | {dn} | {x['n']} | {vi} | {x['spkId_target_pct']} | {x['spkId_source_pct']} | "
                         f"{x['stat_dist']} | {m} | {w} | {vv} |")
    lines += ["", "Speaker encoder, 3 s crops of held-out speakers (enrol vs test clips):", "",
              "| gender | same-speaker cos (mean / min) | different-speaker cos (mean / max) | ID among same gender % |",
              "|---|---|---|---|"]
    for g, c in res["speakerEncoderCosines3s"].items():
        lines.append(f"| {g} ({c['speakers']}) | {c['same_mean']} / {c['same_min']} | {c['diff_mean']} / {c['diff_max']} | "
                     f"{c['id_pct']} |")
    gv = res["globalVarianceRatio"]
    lines += ["", f"Global variance of the converted log-mel / real speech, per band group: 0-19 {gv['bands_0_19']}, "
              f"20-49 {gv['bands_20_49']}, 50-79 {gv['bands_50_79']} (all {gv['all']}; 1.0 = as dynamic as real speech)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
