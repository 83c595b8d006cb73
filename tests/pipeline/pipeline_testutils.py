"""Helpers of the pipeline tests: the fixture study's path, a CLI runner, config edits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixture_study"
SRC = Path(__file__).resolve().parents[2] / "src"


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_cli(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``arefie-studies ARGS`` in a subprocess, from ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "arefie_studies.cli", *args, *(["--no-progress"] if args[:1] == ("run",) else [])],
        cwd=root, env=cli_env(), capture_output=True, text=True, timeout=timeout,
    )


def set_parameter(root: Path, slug: str, line_before: str, line_after: str) -> None:
    path = root / "studies" / f"{slug}.yaml"
    text = path.read_text(encoding="utf-8")
    assert line_before in text, f"{line_before!r} not in {path}"
    path.write_text(text.replace(line_before, line_after, 1), encoding="utf-8")
