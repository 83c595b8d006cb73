"""Where things live: the project root and the ``reports/`` tree.

::

    reports/
      index.html, manifest.json          # rebuilt by every run and by `publish`
      <slug>/<variant>/                   # one published report (moved in atomically)
        report.html, report.pdf, meta.json, ...
      _failed/<slug>/<variant>.ipynb      # executed copy of a failing notebook, with the error
      _failed/<slug>/<variant>.quarantine/  # a report the leak scan refused to publish
      _logs/<slug>/<variant>.log          # log of the last run of each variant
      _cache/hashes.json                  # file-hash cache keyed by (size, mtime)
      .tmp-<uuid>/                        # a run in progress (never linked from the index)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProjectNotFoundError", "ReportsLayout", "find_root"]


class ProjectNotFoundError(ValueError):
    """No project root (a folder holding ``studies/``) was found."""


def find_root(start: str | Path | None = None) -> Path:
    """The project root: the first of ``start`` (default: the working directory) and its parents that
    holds a ``studies/`` folder.  Notebooks opened in JupyterLab from ``notebooks/`` use it to find
    ``data/``: ``ROOT = find_root()``."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    for cand in (here, *here.parents):
        if (cand / "studies").is_dir():
            return cand
    raise ProjectNotFoundError(
        f"no project root above {here}: no folder with a 'studies/' sub-folder. "
        "Run the command from the repository (or pass --root DIR)."
    )


@dataclass(frozen=True)
class ReportsLayout:
    """Paths of the reports tree below ``reports`` (default ``<root>/reports``)."""

    reports: Path

    def variant_dir(self, slug: str, variant: str) -> Path:
        return self.reports / slug / variant

    def meta(self, slug: str, variant: str) -> Path:
        return self.variant_dir(slug, variant) / "meta.json"

    def failed_notebook(self, slug: str, variant: str) -> Path:
        return self.reports / "_failed" / slug / f"{variant}.ipynb"

    def quarantine(self, slug: str, variant: str) -> Path:
        return self.reports / "_failed" / slug / f"{variant}.quarantine"

    def log(self, slug: str, variant: str) -> Path:
        return self.reports / "_logs" / slug / f"{variant}.log"

    @property
    def hash_cache(self) -> Path:
        return self.reports / "_cache" / "hashes.json"

    @property
    def index(self) -> Path:
        return self.reports / "index.html"

    @property
    def manifest(self) -> Path:
        return self.reports / "manifest.json"

    def new_tmp(self) -> Path:
        """A fresh ``reports/.tmp-<uuid>/`` folder (created)."""
        import uuid

        tmp = self.reports / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        return tmp


#: Top-level entries of reports/ that are not studies.
PRIVATE_PREFIXES = ("_", ".")
