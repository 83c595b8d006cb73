"""Where the pipeline's outputs live: the ``reports/`` tree (the project root is
:func:`arefie_studies.project.find_root`; file hashes and study results are cached in ``<root>/.cache``).

::

    reports/
      index.html, manifest.json          # rebuilt by every run and by `publish`
      <slug>/<variant>/                   # one published report (moved in atomically)
        report.html, report.pdf, meta.json, ...
      _failed/<slug>/<variant>.ipynb      # executed copy of a failing notebook, with the error
      _failed/<slug>/<variant>.quarantine/  # a report the leak scan refused to publish
      _logs/<slug>/<variant>.log          # log of the last run of each variant
      .tmp-<uuid>/                        # a run in progress (never linked from the index)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ReportsLayout"]


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
