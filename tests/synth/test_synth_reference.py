"""Committed reference margins and codebooks equal what the code produces, and hold the 2024 figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from arefie_studies.io import Codebook
from arefie_studies.synth import _registry as reg
from arefie_studies.synth import codebooks, reference_tables

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", list(reference_tables()))
def test_committed_reference_is_up_to_date(name):
    committed = pd.read_csv(ROOT / "data" / "reference" / name)
    fresh = reference_tables()[name]
    pd.testing.assert_frame_equal(committed, fresh.reset_index(drop=True), check_dtype=False)


def test_committed_codebooks_are_up_to_date():
    for name, cb in codebooks().items():
        path = ROOT / "data" / "codebooks" / f"{name}.yaml"
        assert path.read_text(encoding="utf-8") == cb.to_yaml(), f"rerun python -m arefie_studies.synth --codebooks ({name})"
        assert Codebook.from_yaml(path).to_dict() == cb.to_dict()


def test_population_margins_match_2024_figures():
    pop = reg.population_table()
    total = pop.effectif.sum()
    assert len(pop) == 160 and total == 115_109 and (pop.effectif >= 0).all()
    share = {v: pop.groupby(v).effectif.sum() / total for v in ("sexe", "tranche_age", "qualification")}
    assert share["sexe"][2] == pytest.approx(0.48, abs=1e-4)
    assert share["tranche_age"].tolist() == pytest.approx([0.06, 0.48, 0.40, 0.06], abs=1e-4)
    assert share["qualification"][1] == pytest.approx(0.49, abs=1e-4)          # 49 % no qualification
    assert pop.loc[(pop.tranche_age == 1) & (pop.qualification == 4), "effectif"].sum() == 0  # no minor graduate
    dep = pop.groupby("departement").effectif.sum()
    assert dep.to_dict() == reg.dept_counts() and dep.idxmax() == 59


def test_ml_frame():
    ml = reg.ml_frame()
    assert len(ml) == 42 and ml.ml_code.is_unique and ml.accompagnes_2024.sum() == 115_109
    assert ml.groupby("departement").size().to_dict() == {2: 4, 59: 18, 60: 6, 62: 10, 80: 4}
    assert (ml.ml_code // 100 == ml.departement).all()
    prof = reg.ml_profile_table()
    sums = prof.groupby(["ml_code", "variable"]).effectif.sum().unstack()
    assert (sums.sub(ml.set_index("ml_code").accompagnes_2024, axis=0) == 0).all().all()
    rqth = prof.loc[(prof.variable == "rqth") & (prof.modalite == "Oui"), "effectif"].sum() / 115_109
    assert rqth > 0.05  # "over 5 % RQTH"
