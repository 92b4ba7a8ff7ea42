"""Where the training data lives, so a fresh clone can run the CI smoke test.

The full corpora (1,132 CMU ARCTIC prompts, 1,620 Cathy clips, real speakers) live outside the
repository: in $VOICESHIFT_SHARED_DATA when set, else ../shared/data next to the checkout. When a file
is not there, the small in-repo copy under fixtures/ (same layout; fixtures/README.md) is used instead,
with one note on stderr, so `bash models/train/smoke.sh` works with nothing but the checkout.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
FIXTURES = REPO_ROOT / "fixtures"
_noted: set[str] = set()


def shared_root() -> Path:
    """The configured shared data folder ($VOICESHIFT_SHARED_DATA, else ../shared/data); it may not exist."""
    env = os.environ.get("VOICESHIFT_SHARED_DATA")
    return Path(env).resolve() if env else REPO_ROOT.parent / "shared" / "data"


def data_path(relative: str) -> Path:
    """`relative` (e.g. "prompts/arctic.tsv") under the shared data, else under fixtures/ when only that has it."""
    shared = shared_root() / relative
    if shared.exists():
        return shared
    fallback = FIXTURES / relative
    if fallback.exists():
        if relative not in _noted:
            _noted.add(relative)
            print(f"note: {shared} not found; using the in-repo subset {fallback}", file=sys.stderr, flush=True)
        return fallback
    return shared
