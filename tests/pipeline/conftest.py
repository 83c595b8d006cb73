"""Fixture of the pipeline tests: a fresh copy of the small test study."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_testutils import FIXTURE


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh copy of tests/pipeline/fixture_study (studies tiny and tiny_b)."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "reports"))
    return root
