"""Where the project is: the root folder (the first folder, from the working directory up, that holds
``studies/``), found the same way from the command line, a study notebook or an exploration notebook."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ProjectNotFoundError", "find_root"]


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
