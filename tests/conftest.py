"""Session set-up shared by every test folder.

On a fresh clone ``data/synthetic/`` is empty (generated files are not committed). The study tests
read those files, so they are generated once, before any test runs: in the controller process when
pytest-xdist is used (its workers start afterwards), under a file lock so that two pytest runs on
one checkout never write them at the same time. ``generate_all`` renames each file into place, so
a reader never sees a half-written file.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"


def _synthetic_files_missing() -> bool:
    from arefie_studies.synth import FORMATS

    return any(not (SYNTHETIC / f"{name}{ext}").is_file() for name, ext in FORMATS.items())


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has done it
        return
    SYNTHETIC.mkdir(parents=True, exist_ok=True)
    with open(SYNTHETIC / ".generate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _synthetic_files_missing():
            from arefie_studies.synth import generate_all

            generate_all(SYNTHETIC)
