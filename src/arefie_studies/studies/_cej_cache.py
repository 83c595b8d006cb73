"""A small per-run cache of the CEJ computations every variant shares (``reports/_cache/cej``).

Entries are keyed by a hash of the inputs they derive from and of the settings, written
atomically, and hold only arrays aligned on the rows of ``cej_jeunes`` — never an identifier — so
the 42 light per-ML reports read the regional sequences, weekly-hours totals and times to first
employment instead of recomputing them. Parallel variants compute an entry once (file lock).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["cached_arrays", "file_digest"]


def file_digest(path: Path) -> str:
    """sha256 of a file (inputs are a few hundred kB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_arrays(cache_dir: Path | None, name: str, key: dict, compute: Callable[[], dict[str, np.ndarray]]
                  ) -> dict[str, np.ndarray]:
    """``compute()`` (a dict of numeric arrays), or its cached copy under ``cache_dir``."""
    if cache_dir is None:
        return compute()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"{name}-{digest}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        out = compute()
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, **out)
        tmp.replace(path)
        return out
