"""What may leave the machine: ``arefie-studies publish --to DIR`` checks, then copies.

A report computed on synthetic data (``meta.json`` ``"synthetic": true``) or from a code tree with
unrecorded changes (its code version ends in ``-dirty``) is not something a partner should
receive by mistake: the copy is refused, naming every such report, unless ``allow_synthetic`` /
``allow_dirty`` say it is deliberate.  The copy itself is :func:`publish.copy_reports` (study
folders, ``index.html``, ``manifest.json``; never ``_logs``, ``_failed`` or ``.tmp-*``) plus the
portal's territory pages.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arefie_studies.french import accord
from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.portal import PORTAL_DIR

__all__ = ["ReleaseRefused", "copy_release", "release_problems"]


class ReleaseRefused(RuntimeError):
    """``publish --to`` would copy synthetic reports or reports made from uncommitted code."""


def release_problems(published: Mapping[str, Mapping[str, Mapping[str, Any]]], *,
                     allow_synthetic: bool = False, allow_dirty: bool = False) -> list[str]:
    """One message per kind of report that must not be copied (empty list: go)."""
    synthetic = [f"{s}/{v}" for s, vs in published.items() for v, m in vs.items()
                 if m.get("synthetic")]
    dirty = [f"{s}/{v}" for s, vs in published.items() for v, m in vs.items()
             if "-dirty" in str(m.get("code_version", ""))]
    out = []
    if synthetic and not allow_synthetic:
        out.append(f"{accord(len(synthetic), 'rapport est calculé', 'rapports sont calculés')} "
                   f"sur des données de synthèse ({_some(synthetic)}) ; copiez-les malgré tout avec "
                   "--allow-synthetic (chaque page porte la mention « Données de synthèse »).")
    if dirty and not allow_dirty:
        out.append(f"{accord(len(dirty), 'rapport a été produit', 'rapports ont été produits')} "
                   "depuis un dépôt git aux modifications non enregistrées (version du code "
                   f"« -dirty » : {_some(dirty)}) ; enregistrez-les (git commit) puis relancez "
                   "(arefie-studies run --force), ou copiez-les malgré tout avec --allow-dirty.")
    return out


def _some(items: list[str], n: int = 5) -> str:
    return ", ".join(items[:n]) + (f" et {len(items) - n} autres" if len(items) > n else "")


def copy_release(layout: ReportsLayout, dest: Path, published: Mapping[str, Mapping[str, Any]],
                 *, allow_synthetic: bool = False, allow_dirty: bool = False) -> list[Path]:
    """Check :func:`release_problems` (raise :class:`ReleaseRefused`), then copy the reports and
    the portal to ``dest``. Returns the copied top-level items."""
    from arefie_studies.pipeline.publish import copy_reports

    problems = release_problems(published, allow_synthetic=allow_synthetic,
                                allow_dirty=allow_dirty)
    if problems:
        raise ReleaseRefused("nothing was copied: " + " ".join(problems))
    dest = Path(dest)
    copied = copy_reports(layout, dest)
    pages = layout.reports / PORTAL_DIR
    if pages.is_dir():
        incoming = dest / f".incoming-{uuid.uuid4().hex}"
        shutil.copytree(pages, incoming, ignore=shutil.ignore_patterns(".*"))
        target = dest / PORTAL_DIR
        if target.exists():
            old = dest / f".old-{uuid.uuid4().hex}"
            os.rename(target, old)
            os.rename(incoming, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(incoming, target)
        copied.append(target)
    return copied
