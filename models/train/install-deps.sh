#!/usr/bin/env bash
# Installs the Debian packages the training pipeline needs: PyTorch, numpy/scipy/soundfile, sox,
# the TTS voices used to synthesize the parallel corpus (DESIGN §6), and pocketsphinx for evaluation.
# RHVoice and svox pico live in Debian's contrib/non-free sections, which this script enables.
# Usage: bash models/train/install-deps.sh [--minimal]   (--minimal: only what the CI smoke test needs)
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

minimal=0; [ "${1:-}" = "--minimal" ] && minimal=1

if [ "$minimal" -eq 0 ]; then
  # Enable contrib and non-free on deb822 sources (bookworm style) or classic sources.list.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -q 'non-free' "$f" || $SUDO sed -i -E 's/^Components: main$/Components: main contrib non-free/' "$f"
  done
  if [ -f /etc/apt/sources.list ] && grep -qE '^deb .* main$' /etc/apt/sources.list; then
    $SUDO sed -i -E 's/^(deb .* main)$/\1 contrib non-free/' /etc/apt/sources.list
  fi
fi

$SUDO apt-get update -qq
base=(python3-torch python3-numpy python3-scipy python3-soundfile sox espeak-ng)
full=(flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts rhvoice rhvoice-english libttspico-utils
      python3-pocketsphinx pocketsphinx-en-us python3-onnx)
if [ "$minimal" -eq 1 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${base[@]}"
else
  $SUDO apt-get install -y -qq --no-install-recommends "${base[@]}" "${full[@]}"
fi
