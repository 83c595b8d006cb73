"""docs/r_survey_parity.md is generated from the R reference cases and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("parity_table", ROOT / "scripts" / "parity_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parity_page_is_up_to_date():
    gen = _generator()
    assert (ROOT / "docs" / "r_survey_parity.md").read_text() == gen.render(), (
        "run: python scripts/parity_table.py"
    )


def test_every_reference_function_is_on_the_page():
    gen = _generator()
    counts, files = gen.case_counts()
    assert files["survey_r_public.json"] == 102 and files["survey_r_parity2.json"] >= 90
    page = gen.render()
    for r_fun in counts:
        assert f"`{r_fun}`" in page
    assert "svycoxph" not in page or "svycoxph_r.json" in files
