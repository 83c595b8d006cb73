"""End to end: a study whose notebook plants a leak is quarantined, the run exits 1, and the report
published before stays byte-identical (papermill kernels, the fixture study's stand-in renderer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pipeline_testutils import FIXTURE, run_cli, set_parameter

pytestmark = pytest.mark.slow

SETUP = """\
import pathlib
import sys

import pandas as pd
from IPython.display import HTML, display

df = pd.read_csv("data/tiny.csv", dtype=str)
display(HTML('<table><thead><tr><th>Sexe</th><th>n</th></tr></thead><tbody>'
             + "".join(f'<tr><th>{s}</th><td data-n="{n}">{n}</td></tr>'
                       for s, n in df["sexe"].value_counts().items())
             + '</tbody></table>'))
print(f"Vague 2024 : {len(df)} répondants")"""

PLANT = """\
if plant == "hidden_count":
    display(HTML('<table><tr><th>X</th><td data-n="7" data-suppressed="1">s</td></tr></table>'))
elif plant == "microdata":
    display(df.drop(columns=["id", "nom", "date_naissance"]).head())
elif plant == "prose":
    print("Dans l’Aisne, 3 jeunes ont répondu.")
elif plant == "crosstab":
    display(pd.crosstab(df["sexe"].head(12), df["emploi"].head(12)))
elif plant == "stderr_id":
    print("ligne ignorée :", df["id"][0], file=sys.stderr)
elif plant == "csv_download":
    df.head(8).drop(columns=["nom"]).to_csv(pathlib.Path(output_dir, "extrait.csv"), index=False)
elif plant == "french":
    print("Pour Hauts-de-France, le cej progresse.")"""

#: plant -> (kind, where it shows: file and channel in the finding)
LEAKS = {
    "hidden_count": ("hidden_count", "[display_data text/html]"),
    "microdata": ("row_level", "[display_data text/plain]"),
    "prose": ("small_count", "[stream stdout]"),
    "crosstab": ("small_cell", "[display_data text/html]"),
    "stderr_id": ("identifier", "[stream stderr]"),
    "csv_download": ("row_level", "extrait.csv: row_level"),
}


def _notebook(path: Path) -> None:
    params = new_code_cell('plant = ""\nvariant = "regional"\ndisclosure_threshold = 11\n'
                           'output_dir = "."')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# Étude plantée"), params, new_code_cell(SETUP),
                             new_code_cell(PLANT)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A project whose study 'planted' has a clean report published (plant = "")."""
    root = tmp_path_factory.mktemp("leak_e2e") / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "reports"))
    _notebook(root / "notebooks" / "planted.ipynb")
    (root / "studies" / "planted.yaml").write_text(
        "title: Étude plantée\nnotebook: notebooks/planted.ipynb\nmodule: tiny_study\n"
        "renderer: tiny_study:render_report\n"
        "inputs: {enquete: {path: data/tiny.csv, identifiers: [id, nom, date_naissance]}}\n"
        'parameters:\n  plant: ""\n', encoding="utf-8")
    first = run_cli(root, "run", "planted")
    assert first.returncode == 0, first.stderr
    assert "1 rapport publié" in first.stdout
    report = root / "reports" / "planted" / "regional"
    # the executed notebook was scanned, then dropped (not an output of the study)
    assert sorted(_files(report)) == ["meta.json", "report.html", "report.pdf"]
    return root


@pytest.mark.parametrize("plant", list(LEAKS))
def test_a_planted_leak_is_quarantined_and_the_published_report_kept(published, tmp_path, plant):
    root = tmp_path / "project"
    shutil.copytree(published, root)
    report = root / "reports" / "planted" / "regional"
    before = _files(report)
    set_parameter(root, "planted", '  plant: ""', f"  plant: {plant}")

    run = run_cli(root, "run", "planted")

    kind, where = LEAKS[plant]
    assert run.returncode == 1, run.stdout + run.stderr
    assert "0 rapport publié, 0 à jour, 1 en échec" in run.stderr
    assert "planted / regional : analyse des fuites, publication refusée" in run.stderr
    assert f"{kind} ×" in run.stderr
    assert "Traceback" not in run.stderr
    quarantine = root / "reports" / "_failed" / "planted" / "regional.quarantine"
    assert (quarantine / "report.html").is_file() and (quarantine / "planted.ipynb").is_file()
    assert _files(report) == before  # the good report is untouched, byte for byte
    log = (root / "reports" / "_logs" / "planted" / "regional.log").read_text(encoding="utf-8")
    assert any(kind in line and where in line for line in log.splitlines()), log
    if "[" in where:  # a notebook output: named by its cell in the original notebook
        assert "planted.ipynb: " + kind + ' in cell 3 «if plant == "hidden_count":» ' + where in log


def test_a_report_in_poor_french_is_quarantined_by_the_quality_gate(published, tmp_path):
    """No leak, but the audit's French patterns: the quality gate refuses it the same way."""
    root = tmp_path / "project"
    shutil.copytree(published, root)
    report = root / "reports" / "planted" / "regional"
    before = _files(report)
    set_parameter(root, "planted", '  plant: ""', "  plant: french")
    run = run_cli(root, "run", "planted")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "planted / regional : contrôle qualité, publication refusée : 2 problèmes" in run.stderr
    assert "region-sans-article" in run.stderr and "sigle-minuscule" in run.stderr
    assert (root / "reports" / "_failed" / "planted" / "regional.quarantine" / "report.html").is_file()
    assert _files(report) == before
