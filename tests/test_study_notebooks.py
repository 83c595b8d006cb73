"""Every study notebook runs as a researcher runs it in JupyterLab: opened from ``notebooks/``,
on the project kernel, with the default parameters of its parameters cell (nbclient, not
papermill: no parameter injection, no pipeline). No cell may end in an error, every code cell
runs, the report's French chapter headings are shown, and the folder is left as it was.

The exploration template's run from a folder outside the repository is tested in
tests/test_explore_notebook.py. The study results are read from the project's results cache
when present (as in JupyterLab), computed otherwise.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from arefie_studies.project import load_configs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "arefie-studies"

#: chapter headings each report shows (the studies' report plans), compared after HTML
#: unescaping with typographic apostrophes made straight
HEADINGS = {
    "sante_jeunes": {"Principaux résultats", "Résultats par thème", "Comparaisons"},
    "barometre": {"Synthèse", "Les jeunes accompagnés", "Les entreprises partenaires"},
    "parcours_residentiel": {"Les jeunes interrogés", "Logement et insertion",
                             "Typologie des jeunes en précarité résidentielle"},
    "cej": {"Synthèse", "Les entrées en CEJ", "Les 42 Missions Locales comparées",
            "L'accès au premier emploi"},
}

CONFIGS = {c.slug: c for c in load_configs(ROOT)}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project_kernel(tmp_path_factory):
    """The kernel named ``arefie-studies`` running this very interpreter: the one the set-up
    installed, or else one registered for the test in a temporary Jupyter path."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
        if Path(spec.argv[0]).absolute() == Path(sys.executable).absolute():
            yield KERNEL
            return
    except NoSuchKernel:
        pass
    data = tmp_path_factory.mktemp("jupyter")
    (data / "kernels" / KERNEL).mkdir(parents=True)
    (data / "kernels" / KERNEL / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (arefie-studies)", "language": "python"}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(data))
        yield KERNEL


def _folder_state() -> set[str]:
    return {str(p.relative_to(NOTEBOOKS)) for p in NOTEBOOKS.rglob("*")
            if ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts}


def _headings(nb) -> set[str]:
    """Headings of the markdown cells and of the HTML outputs, as plain text."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found |= {m.strip() for m in re.findall(r"^#{1,3}\s+(.+)$", cell.source, re.M)}
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/html", "")
            for _, inner in re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", text, re.S):
                found.add(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
    return {h.replace("’", "'") for h in found}


def test_every_study_has_its_notebook_in_the_notebooks_folder():
    top = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert top == {Path(c.notebook).name for c in CONFIGS.values()}
    assert set(HEADINGS) == set(CONFIGS)   # a new study adds its expected headings here


def _html_of(output) -> str:
    text = output.get("data", {}).get("text/html", "")
    return text if isinstance(text, str) else "".join(text)


@pytest.mark.parametrize("slug", sorted(CONFIGS))
def test_study_notebook_runs_in_jupyter_from_the_notebooks_folder(slug, project_kernel):
    path = ROOT / CONFIGS[slug].notebook
    assert path.parent == NOTEBOOKS
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == KERNEL   # JupyterLab opens it on the project kernel
    before = _folder_state()
    client = NotebookClient(nb, timeout=900, kernel_name=project_kernel,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [(i, o["ename"], o["evalue"]) for i, c in enumerate(nb.cells)
              for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    missing = HEADINGS[slug] - _headings(nb)
    assert not missing, f"{slug}: headings not shown: {sorted(missing)}"
    assert _folder_state() == before   # nothing written beside the notebooks
    # the key-figures box travels with its strings (meta.json, the portal's territory pages)
    from arefie_studies.pipeline.render import collect_key_figures

    figures = collect_key_figures(nb)
    shown = " ".join(_html_of(o) for c in code for o in c.get("outputs", []))
    assert len(figures) >= 3 and all(k["label"] and k["value"] for k in figures)
    for k in figures:
        assert html.escape(k["value"]) in shown and html.escape(k["label"]) in shown
