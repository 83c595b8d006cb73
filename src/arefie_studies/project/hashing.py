"""Fingerprints: what a variant's report depends on, hashed (sha256).

A variant is re-run only when its fingerprint changes.  It covers the input files (and codebooks), the
notebook, the library source tree (``arefie_studies`` package: ``.py`` and template files), the study
module when it lives outside the package, the run parameters, the disclosure threshold, the title and
subtitle, the outputs and the renderer.  File hashes are cached by (path, size, mtime_ns) in
``reports/_cache/hashes.json`` so an unchanged tree is not re-read.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

__all__ = ["HashCache", "library_tree", "tree_hash", "variant_fingerprint"]

_RACY_NS = 2_000_000_000
_TREE_SUFFIXES = {".py", ".tpl", ".j2", ".css", ".html", ".yaml", ".yml", ".json", ".txt"}


class HashCache:
    """sha256 of files, remembered by (size, mtime_ns) once a file is over 2 s old; ``save()``
    writes the cache back atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, list] = {}
        self._dirty = False
        if path is not None and path.is_file():
            try:
                self._entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._entries = {}

    def file(self, path: Path) -> str:
        """Hex sha256 of ``path`` (FileNotFoundError if absent)."""
        st = os.stat(path)
        key = str(Path(path).resolve())
        hit = self._entries.get(key)
        if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        digest = h.hexdigest()
        # "racy" entries: a file modified within the last seconds could change again without its
        # (coarse-grained) mtime moving, so it is hashed again next time rather than trusted.
        if time.time_ns() - st.st_mtime_ns > _RACY_NS:
            self._entries[key] = [st.st_size, st.st_mtime_ns, digest]
            self._dirty = True
        else:
            self._entries.pop(key, None)
        return digest

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self._entries), encoding="utf-8")
        os.replace(tmp, self.path)
        self._dirty = False


def library_tree() -> Path:
    """Folder of the installed ``arefie_studies`` package (found without importing its sub-packages)."""
    import arefie_studies

    return Path(arefie_studies.__file__).resolve().parent


def tree_hash(folder: Path, cache: HashCache) -> str:
    """sha256 over (relative path, content hash) of every source/template file below ``folder``."""
    h = hashlib.sha256()
    files = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in filenames:
            if Path(name).suffix in _TREE_SUFFIXES:
                files.append(Path(dirpath) / name)
    for f in sorted(files):
        h.update(f.relative_to(folder).as_posix().encode())
        h.update(b"\0")
        h.update(cache.file(f).encode())
    return h.hexdigest()


def variant_fingerprint(parts: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``parts`` (inputs, notebook, library, parameters, ...)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
