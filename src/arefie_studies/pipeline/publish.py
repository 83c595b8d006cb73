"""Atomic publication of reports, the French index and the manifest.

A variant is produced in ``reports/.tmp-<uuid>/`` and moved in only when complete: the old folder is
renamed aside to ``reports/<slug>/.<variant>.old-<uuid>``, the new one renamed in, the old one deleted.
Renames within one file system are atomic; a run killed between the two renames is repaired by
:func:`recover` at the start of the next run (the old report is put back).  ``index.html`` and
``manifest.json`` are rebuilt from the ``meta.json`` each published folder carries, so they always
describe exactly what is on disk.
"""

from __future__ import annotations

import contextlib
import errno
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
    "PublishError",
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


class PublishError(RuntimeError):
    """``reports/`` (or a study folder in it) cannot be written: read-only, full, permissions.
    The message names the path, the reason and a hint; nothing half-written is left behind."""


_REASONS = {
    errno.ENOSPC: ("the disk is full", "free some space on that file system (or point --reports "
                   "to another one) and run again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space or raise the quota, then run again"),
    errno.EROFS: ("the file system is read-only", "remount it read-write or give --reports a "
                  "writable folder"),
    errno.EACCES: ("permission denied", "give this user write access to the folder (chmod/chown) "
                   "or give --reports a writable folder"),
    errno.EPERM: ("operation not permitted", "give this user write access to the folder or give "
                  "--reports a writable folder"),
}


def publish_error(exc: OSError, action: str, path: Path | str) -> PublishError:
    """A clean :class:`PublishError` for an ``OSError`` met while doing ``action`` on ``path``."""
    reason, hint = _REASONS.get(exc.errno or 0, (exc.strerror or type(exc).__name__,
                                                 "check the folder and the disk, then run again"))
    code = errno.errorcode.get(exc.errno or 0, "")
    return PublishError(f"cannot {action} {path}: {reason}{f' ({code})' if code else ''}. "
                        f"Hint: {hint}.")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``; on failure the
    temporary file is removed and :class:`PublishError` raised (``path`` is left as it was)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise publish_error(exc, "write", path) from None


def lock_reports(layout: ReportsLayout):
    """Take an exclusive lock on ``reports/.lock`` (released when the process ends, even on kill -9).
    Returns the open file: keep it alive for the duration of the run.  A folder that cannot be
    created or written raises :class:`PublishError`."""
    lock_path = layout.reports / ".lock"
    try:
        layout.reports.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a")
    except OSError as exc:
        raise publish_error(exc, "lock the reports folder at", lock_path) from None
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
                try:
                    os.rename(old, target)
                except OSError as exc:
                    raise publish_error(exc, "restore the previous report to", target) from None
                done.append(f"restored {target}")
            else:
                shutil.rmtree(old, ignore_errors=True)
    for tmp in [*layout.reports.glob(".tmp-*"), *layout.reports.glob(".*.tmp")]:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        if not tmp.exists():
            done.append(f"removed {tmp.name}")
    return done


def publish_variant(layout: ReportsLayout, slug: str, variant: str, tmp_dir: Path) -> Path:
    """Move a complete ``tmp_dir`` to ``reports/<slug>/<variant>`` (replacing the previous report)."""
    target = layout.variant_dir(slug, variant)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise publish_error(exc, "create the study folder", target.parent) from None
    if target.exists():
        old = target.parent / f".{variant}.old-{uuid.uuid4().hex}"
        try:
            os.rename(target, old)
        except OSError as exc:  # nothing moved: the previous report stays published
            raise publish_error(exc, "replace the report in", target.parent) from None
        try:
            os.rename(tmp_dir, target)
        except OSError as exc:  # put the previous report back
            os.rename(old, target)
            raise publish_error(exc, "move the new report into", target.parent) from None
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.rename(tmp_dir, target)
        except OSError as exc:
            raise publish_error(exc, "move the new report into", target.parent) from None
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
    are not copied.  A destination that is full or read-only raises :class:`PublishError` and
    keeps no half-copied folder or temporary file."""
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise publish_error(exc, "create", dest) from None
    copied = []
    for slug in collect_published(layout):
        incoming = dest / f".incoming-{uuid.uuid4().hex}"
        target = dest / slug
        try:
            shutil.copytree(layout.reports / slug, incoming,
                            ignore=shutil.ignore_patterns(".*"))
            if target.exists():
                old = dest / f".old-{uuid.uuid4().hex}"
                os.rename(target, old)
                try:
                    os.rename(incoming, target)
                except OSError:
                    os.rename(old, target)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(incoming, target)
        except (OSError, shutil.Error) as exc:
            shutil.rmtree(incoming, ignore_errors=True)
            if isinstance(exc, shutil.Error):  # copytree gathers the errors of its files
                exc = next((e for e in _os_errors(exc)), OSError(errno.EIO, str(exc)))
            raise publish_error(exc, "copy the reports of", target) from None
        copied.append(target)
    for name in ("index.html", "manifest.json"):
        src = layout.reports / name
        if src.is_file():
            tmp = dest / f".{name}.{uuid.uuid4().hex}.tmp"
            try:
                shutil.copyfile(src, tmp)
                os.replace(tmp, dest / name)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                raise publish_error(exc, "copy", dest / name) from None
            copied.append(dest / name)
    return copied


def _os_errors(exc: shutil.Error):
    """The OSErrors gathered in a ``shutil.Error`` (its args: a list of (src, dst, why))."""
    for item in exc.args[0] if exc.args and isinstance(exc.args[0], list) else []:
        why = item[2] if len(item) == 3 else None
        if isinstance(why, OSError):
            yield why
        elif isinstance(why, str):
            code = errno.ENOSPC if "No space left" in why else errno.EIO
            yield OSError(code, why)
