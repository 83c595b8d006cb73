"""Crossed breakdowns in ``tables.banner`` and codebook labels carried automatically.

The crossed cells are checked against ``design.proportion(q, by=[a, b])`` (the survey engine's
``svyby(~q, ~a + b, design, svymean)``), the counts against a plain pandas crosstab of the file,
and the labels against the codebook of the SPSS file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies import io, survey, tables

ROOT = Path(__file__).resolve().parents[2]
SAV = ROOT / "data" / "synthetic" / "sante_jeunes_2024.sav"


@pytest.fixture(scope="module")
def labelled():
    df, book = io.read_data(SAV)
    # unequal weights so that the estimates are not plain shares
    df = df.assign(w=1.0 + (np.arange(len(df)) % 3))
    d = survey.SurveyDesign(df, weights="w", strata="departement", psu="ml")
    return d, book


def test_cross_levels_and_missing():
    frame = pd.DataFrame({
        "a": pd.Categorical(["x", "y", "x", None, "y"], categories=["y", "x"]),
        "b": ["f", "h", "h", "f", None],
    })
    c = survey.cross(frame, ["a", "b"])
    # first variable slowest, in its level order (y before x); absent combination y·f dropped
    assert list(c.cat.categories) == ["y · h", "x · f", "x · h"]
    assert c.tolist()[:3] == ["x · f", "y · h", "x · h"]
    assert c.isna().tolist() == [False, False, False, True, True]
    assert c.name == "a × b"
    with pytest.raises(survey.MissingVariableError, match=r"'sex'.*Did you mean"):
        survey.cross(frame.rename(columns={"b": "sexe"}), ["a", "sex"])
    with pytest.raises(survey.ArgumentError, match="two or more"):
        survey.cross(frame, ["a"])


def test_update_adds_columns_like_r_update(labelled):
    d, _ = labelled
    c = survey.cross(d.data, ["departement", "sexe"])
    d2 = d.update(dep_sexe=c, un=1)
    assert "dep_sexe" not in d.data.columns  # the original design is unchanged
    assert (d2.data["un"] == 1).all()
    np.testing.assert_array_equal(d2.weights, d.weights)
    a = d2.proportion("qpv", by="dep_sexe")
    b = d.proportion("qpv", by=["departement", "sexe"])
    key = b["departement"].astype(str) + " · " + b["sexe"].astype(str)
    assert a["dep_sexe"].astype(str).tolist() == key.tolist()
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-12)
    with pytest.raises(survey.ArgumentError, match="'w' is a column the design was built on"):
        d.update(w=2.0)
    with pytest.raises(survey.ArgumentError, match="3 values for"):
        d.update(x=[1, 2, 3])


def test_banner_crossed_breakdown_equals_proportion_by_two(labelled):
    d, _ = labelled
    b = tables.banner(d, ["qpv"], ["sexe", ("departement", "sexe")], threshold=20)
    cells = b.cells[b.cells["breakdown"] == "departement × sexe"]
    assert set(cells["breakdown_label"]) == {"Département × Sexe"}
    ref = d.proportion("qpv", by=["departement", "sexe"])
    ref = ref.assign(group=ref["departement"].astype(str) + " · " + ref["sexe"].astype(str),
                     level=ref["level"].astype(str))
    m = cells.merge(ref, on=["group", "level"], suffixes=("", "_ref"))
    assert len(m) == len(ref)  # every group × level of proportion(by=[a, b]) is in the banner
    shown = ~m["suppressed"]
    assert shown.sum() > 0
    np.testing.assert_allclose(m.loc[shown, "estimate"], m.loc[shown, "estimate_ref"], rtol=1e-9)
    np.testing.assert_allclose(m.loc[shown, "ci_low"], m.loc[shown, "ci_low_ref"], rtol=1e-9)
    # disclosure per cell: every crossed cell under the threshold is hidden and holds nothing
    raw = d.data
    counts = pd.crosstab([raw["departement"].astype(str) + " · " + raw["sexe"].astype(str)],
                         raw["qpv"].astype(str)).stack()
    n = np.array([counts.get((g, lv), 0) for g, lv in zip(cells["group"], cells["level"],
                                                        strict=True)])
    small = (n > 0) & (n < 20)
    assert small.any()  # some crossed cells fall under 20 respondents (QPV residents)
    assert cells["suppressed"].to_numpy()[small].all()
    assert cells.loc[cells["suppressed"], ["estimate", "ci_low", "N"]].isna().all().all()
    assert cells.loc[cells["suppressed"], "n"].isna().all()
    np.testing.assert_array_equal(cells.loc[~cells["suppressed"], "n"].to_numpy(int),
                                  n[~cells["suppressed"].to_numpy()])
    html = b.to_html()
    assert "Département × Sexe" in html and "Nord · Femme" in html


def test_banner_rejects_bad_crossing(labelled):
    d, _ = labelled
    with pytest.raises(tables.BannerError, match=r"\['sex'\] not in the design data"):
        tables.banner(d, ["qpv"], [("departement", "sex")])
    with pytest.raises(tables.BannerError, match="neither a variable name"):
        tables.banner(d, ["qpv"], [("departement", 3)])


def test_banner_from_sav_carries_codebook_labels(labelled):
    """A table built in a new cell from a design on an SPSS file shows the variable and value
    labels of the codebook, not the names and codes, without the user passing them."""
    d, book = labelled
    b = tables.banner(d, ["qpv", "sante_percue"], ["sexe"])
    html = b.to_html()
    for var in ("qpv", "sante_percue", "sexe"):
        assert book.variables[var].label in html
        assert f">{var}<" not in html
    for var in ("sexe", "sante_percue"):
        for code, label in book.variables[var].value_labels.items():
            if (d.data[var].astype(str) == label).sum() >= 11:
                assert label in html, (var, code, label)
