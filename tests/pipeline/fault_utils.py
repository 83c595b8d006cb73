"""Fault injection for the pipeline tests: process trees, read-only folders, a full disk.

Read-only: ``chattr +i`` when root (root ignores permission bits), ``chmod`` otherwise.
Full disk: a small tmpfs mounted on the reports folder (root only; the tests say so when they
cannot mount).  Both are undone whatever happens."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (whatever its session), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pids: set[int]) -> set[int]:
    """The pids of ``pids`` still running (zombies count as ended)."""
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


def wait_gone(pids: set[int], timeout: float = 20.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive(pids)


def wait_for(pattern: str, folder: Path, timeout: float = 90.0) -> Path | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(folder.glob(pattern))
        if found:
            return found[0]
        time.sleep(0.1)
    return None


def stray_temporaries(reports: Path) -> list[str]:
    """Temporary files or folders of a run left in reports/ (anything named .tmp)."""
    return sorted(str(p.relative_to(reports)) for p in reports.rglob("*")
                  if p.name.startswith(".tmp-") or p.name.endswith(".tmp")
                  or ".old-" in p.name or ".incoming-" in p.name)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make the folder ``path`` unwritable (its entries cannot be added, removed or renamed)."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            raise RuntimeError("chattr is needed to make a folder read-only for root")
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            yield
        finally:
            path.chmod(mode)


def can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/arefie-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                            capture_output=True).returncode == 0
        if ok:
            subprocess.run(["umount", str(probe)], check=True)
        return ok
    finally:
        probe.rmdir()


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on the (empty, created) folder ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(folder: Path, keep_free: int = 0) -> None:
    """Fill the file system of ``folder`` (leaving about ``keep_free`` bytes)."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize - keep_free
    with open(folder / "filler.bin", "wb") as fh:
        with contextlib.suppress(OSError):
            while free > 0:
                chunk = min(free, 1 << 16)
                fh.write(b"\0" * chunk)
                fh.flush()
                free -= chunk
