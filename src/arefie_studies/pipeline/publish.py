"""Atomic publication of reports, the French index and the manifest.

A variant is produced in ``reports/.tmp-<uuid>/`` and moved in only when complete: the old folder is
renamed aside to ``reports/<slug>/.<variant>.old-<uuid>``, the new one renamed in, the old one deleted.
Renames within one file system are atomic; a run killed between the two renames is repaired by
:func:`recover` at the start of the next run (the old report is put back).  ``index.html`` and
``manifest.json`` are rebuilt from the ``meta.json`` each published folder carries, so they always
describe exactly what is on disk.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from arefie_studies.pipeline.layout import ReportsLayout

__all__ = [
    "ReportsLockedError",
    "build_index",
    "build_manifest",
    "collect_published",
    "copy_reports",
    "lock_reports",
    "publish_variant",
    "recover",
    "write_atomic",
]

_OLD_RE = re.compile(r"^\.(?P<variant>.+)\.old-[0-9a-f]{32}$")


class ReportsLockedError(RuntimeError):
    """Another ``arefie-studies run``/``publish`` holds the reports folder."""


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def lock_reports(layout: ReportsLayout):
    """Take an exclusive lock on ``reports/.lock`` (released when the process ends, even on kill -9).
    Returns the open file: keep it alive for the duration of the run."""
    layout.reports.mkdir(parents=True, exist_ok=True)
    fh = open(layout.reports / ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ReportsLockedError(
            f"{layout.reports} is in use by another arefie-studies run or publish; "
            "wait for it to finish (the lock is released when that process ends)."
        ) from None
    return fh


def recover(layout: ReportsLayout) -> list[str]:
    """Repair what an interrupted run left (call under the lock): restore a report renamed aside
    whose replacement never arrived, delete stale ``.tmp-*`` folders.  Returns what was done."""
    done: list[str] = []
    if not layout.reports.is_dir():
        return done
    for study in layout.reports.iterdir():
        if not study.is_dir() or study.name.startswith((".", "_")):
            continue
        for old in study.iterdir():
            m = _OLD_RE.match(old.name)
            if not m:
                continue
            target = study / m.group("variant")
            if not target.exists():
                os.rename(old, target)
                done.append(f"restored {target}")
            else:
                shutil.rmtree(old, ignore_errors=True)
    for tmp in layout.reports.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
        done.append(f"removed {tmp.name}")
    return done


def publish_variant(layout: ReportsLayout, slug: str, variant: str, tmp_dir: Path) -> Path:
    """Move a complete ``tmp_dir`` to ``reports/<slug>/<variant>`` (replacing the previous report)."""
    target = layout.variant_dir(slug, variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        old = target.parent / f".{variant}.old-{uuid.uuid4().hex}"
        os.rename(target, old)
        os.rename(tmp_dir, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp_dir, target)
    return target


def collect_published(layout: ReportsLayout) -> dict[str, dict[str, dict[str, Any]]]:
    """``{slug: {variant: meta}}`` of every published folder (one with a readable meta.json)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if not layout.reports.is_dir():
        return out
    for study in sorted(layout.reports.iterdir()):
        if not study.is_dir() or study.name.startswith((".", "_")):
            continue
        for vdir in sorted(study.iterdir()):
            meta_path = vdir / "meta.json"
            if vdir.name.startswith(".") or not meta_path.is_file():
                continue
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            out.setdefault(study.name, {})[vdir.name] = meta
    return out


def _variant_order(name: str) -> tuple[int, str]:
    return (0 if name == "regional" else 1, name)


def build_manifest(layout: ReportsLayout, published: dict | None = None) -> dict[str, Any]:
    """Write ``reports/manifest.json`` (fingerprints, dates, parameters, input hashes, versions)."""
    from arefie_studies import __version__

    published = collect_published(layout) if published is None else published
    manifest = {
        "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
        "arefie_studies": __version__,
        "studies": {
            slug: {
                "title": next(iter(variants.values())).get("title", slug),
                "variants": {v: variants[v] for v in sorted(variants, key=_variant_order)},
            }
            for slug, variants in published.items()
        },
    }
    write_atomic(layout.manifest, json.dumps(manifest, indent=2, ensure_ascii=False, default=str))
    return manifest


def build_index(layout: ReportsLayout, published: dict | None = None,
                root: Path | None = None) -> Path:
    """Write the partners' portal: ``reports/index.html`` and the territory pages
    (see :mod:`arefie_studies.pipeline.portal`)."""
    from arefie_studies.pipeline.portal import build_portal

    published = collect_published(layout) if published is None else published
    return build_portal(layout, published, root)


def copy_reports(layout: ReportsLayout, dest: Path) -> list[Path]:
    """Copy the published reports, index and manifest to ``dest`` (e.g. a web or shared folder),
    each study folder swapped in atomically; private folders (``_failed``, ``_logs``, ``.tmp-*``)
    are not copied."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for slug in collect_published(layout):
        incoming = dest / f".incoming-{uuid.uuid4().hex}"
        shutil.copytree(layout.reports / slug, incoming,
                        ignore=shutil.ignore_patterns(".*"))
        target = dest / slug
        if target.exists():
            old = dest / f".old-{uuid.uuid4().hex}"
            os.rename(target, old)
            os.rename(incoming, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(incoming, target)
        copied.append(target)
    for name in ("index.html", "manifest.json"):
        src = layout.reports / name
        if src.is_file():
            tmp = dest / f".{name}.{uuid.uuid4().hex}.tmp"
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest / name)
            copied.append(dest / name)
    return copied
