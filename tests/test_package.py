"""The package installs, exposes its version and its console script."""

import subprocess
import sys

import arefie_studies
from arefie_studies.cli import main


def test_version_is_semver():
    parts = arefie_studies.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_cli_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:  # argparse's version action exits 0
        assert exc.code == 0
    assert arefie_studies.__version__ in capsys.readouterr().out


def test_module_runs():
    out = subprocess.run([sys.executable, "-m", "arefie_studies.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert "arefie-studies" in out.stdout
