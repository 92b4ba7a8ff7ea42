#!/usr/bin/env bash
# CI smoke test of the training pipeline (DESIGN §6): a tiny espeak-ng-only corpus (3 voices x 8 sentences),
# features, a few training steps of a narrow model, and the ONNX export into <outdir> (never over models/).
# Needs only: bash models/train/install-deps.sh --minimal. Takes well under 3 minutes on 2 cores.
# Usage: bash models/train/smoke.sh <outdir>
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: bash models/train/smoke.sh <outdir>" >&2; exit 2; fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
case "$out" in "$(cd "$here/.." && pwd)") echo "refusing to export over the committed models/" >&2; exit 2;; esac
PY="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
export PYTHONHASHSEED=0
"$PY" -m vc_train.corpus --out "$tmp/corpus" --espeak-only --n-train 8 --n-test 2 --n-enrol 2 --jobs 2
"$PY" -m vc_train.featurize --corpus "$tmp/corpus" --jobs 2
"$PY" -m vc_train.train --corpus "$tmp/corpus" --ckpt "$tmp/ckpt" --steps 4 --batch 4 --crop 64 --channels 32 --log-every 1
"$PY" -m vc_train.export --ckpt "$tmp/ckpt/last.pt" --corpus "$tmp/corpus" --out "$out" --assets "$tmp/voices" \
  --no-previews --note "CI smoke export: 4 steps on a tiny espeak-ng corpus, not a usable model"
ort="$here/../../node_modules/onnxruntime-node"
if command -v node >/dev/null 2>&1 && [ -d "$ort" ]; then
  node "$here/check_onnx.cjs" "$out" "$ort"
fi
echo "smoke OK: $out"
