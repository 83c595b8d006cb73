"""Where the project is: the root folder (the first folder, from the working directory up, that holds
``studies/``), found the same way from the command line, a study notebook or an exploration notebook."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ProjectNotFoundError", "find_root"]


class ProjectNotFoundError(ValueError):
    """No project root (a folder holding ``studies/``) was found."""


def _is_root(folder: Path) -> bool:
    return (folder / "studies").is_dir()


def find_root(start: str | Path | None = None) -> Path:
    """The project root: the first of ``start`` (default: the working directory) and its parents
    that holds ``studies/``. When ``start`` was not given and none does
    (a notebook copied outside the repository), the checkout the library is installed from
    (``pip install -e .``): so an exploration notebook finds the project wherever it is opened.
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for cand in (here, *here.parents):
        if _is_root(cand):
            return cand
    if start is None:
        package = Path(__file__).resolve().parent.parent   # src/arefie_studies
        for cand in package.parents:
            if _is_root(cand) and (cand / "pyproject.toml").is_file():
                return cand
    raise ProjectNotFoundError(
        f"no project root above {here}: no folder with a 'studies/' sub-folder, and the "
        "library is not installed from a checkout. Hint: open the notebook from the repository "
        "(or pass --root DIR on the command line, root= in Python)."
    )
