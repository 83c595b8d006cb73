"""The exploration template runs from a folder outside the repository, on the project kernel."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_exploration_template_runs_from_another_folder(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    assert "arefie-studies" in KernelSpecManager().find_kernel_specs()   # installed by the set-up
    copy = tmp_path / "ailleurs" / "mon_carnet.ipynb"
    copy.parent.mkdir()
    shutil.copy(ROOT / "notebooks" / "explore" / "modele.ipynb", copy)
    nb = nbformat.read(copy, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "arefie-studies"
    NotebookClient(nb, timeout=600, kernel_name="arefie-studies",
                   resources={"metadata": {"path": str(copy.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    table = outputs[0]["data"]["text/plain"]   # design.proportion(..., by="departement")
    assert "Aisne" in table and "Somme" in table and "ci_low" in table
    assert "Hauts-de-France" in outputs[-1]["data"]["text/plain"]   # barometre results
