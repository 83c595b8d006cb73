"""The study pipeline: configs, papermill runs, rendering, incremental and atomic publication.

Modules (each imported on demand, so ``arefie-studies`` starts fast):

- :mod:`.layout` — the ``reports/`` tree (configs, inputs, the project root and the results cache
  live one level down, in :mod:`arefie_studies.project`);
- :mod:`.execute` — one variant in a worker: papermill then the renderer, into a temporary folder;
- :mod:`._kernels` — each notebook's fresh kernel, forked from a warm per-worker template;
- :mod:`.runner` — :func:`run_studies`: plan, fan out (processes or Dask), scan, publish;
- :mod:`.leakscan` — identifiers, row-level data and small counts in everything a variant outputs
  (executed notebook, HTML, PDF, downloads);
- :mod:`.publish` — atomic moves, recovery, ``index.html``, ``manifest.json``, copies;
- :mod:`.validate` — ``arefie-studies validate``;
- :mod:`.render` — HTML/PDF from an executed notebook (nbconvert template + WeasyPrint).
"""

from __future__ import annotations

import importlib

_LAZY = {"run_studies": "runner", "scan_files": "leakscan", "render_report": "render"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
