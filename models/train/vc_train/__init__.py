"""vc_train: training pipeline for the voice-conversion autoencoder (DESIGN §3, §4, §6, §7).

Steps, each a CLI run from models/train with Debian's python:
  /usr/bin/python3 -m vc_train.corpus    synthesize the parallel TTS corpus + metadata
  /usr/bin/python3 -m vc_train.featurize precompute log-mel + F0 features
  /usr/bin/python3 -m vc_train.train     train (resumable)
  /usr/bin/python3 -m vc_train.export    export ONNX graphs, manifest.json, voices.json
  /usr/bin/python3 -m vc_train.eval      held-out evaluation (MCD, speaker ID, WER, anomaly AUROC)
"""
