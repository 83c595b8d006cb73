"""banner() on the survey engine: estimates, counts and marks agree with the design's own
estimators (apistrat from R survey: stratified by school type, weights pw, fpc)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import TOTAL, BannerError, banner

DATA = Path(__file__).parents[1] / "reference" / "data" / "apistrat.csv"
QUESTIONS = ["awards", "yr_rnd", "api00"]
BREAKDOWNS = ["stype", "sch_wide"]


@pytest.fixture(scope="module")
def design() -> SurveyDesign:
    df = pd.read_csv(DATA)
    df.attrs["variable_labels"] = {
        "awards": "Éligible aux récompenses",
        "yr_rnd": "École ouverte toute l’année",
        "api00": "Score API 2000",
        "stype": "Type d’école",
        "sch_wide": "Objectif atteint",
    }
    return SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def table(design):
    return banner(design, QUESTIONS, BREAKDOWNS, threshold=11, title="Écoles")


def test_proportions_match_the_engine(design, table):
    c = table.cells
    compared = 0
    for q in ["awards", "yr_rnd"]:
        for b in BREAKDOWNS:
            ref = design.proportion(q, by=b)
            got = c[(c.question == q) & (c.breakdown == b) & ~c.suppressed]
            merged = got.merge(
                ref.assign(group=ref[b].astype(str), level=ref["level"].astype(str)),
                on=["group", "level"],
                suffixes=("", "_ref"),
            )
            assert len(merged) == len(got)
            compared += len(merged)
            for col in ("estimate", "se", "ci_low", "ci_high"):
                np.testing.assert_allclose(
                    merged[col], merged[f"{col}_ref"], rtol=1e-10, atol=1e-12
                )
    # awards: 6 + 4 cells published (no small cell); yr_rnd: its 1, 2 and 3 (stype, sch_wide)
    # need cycles wide enough to leave each hidden value 11 values of doubt: with only 21
    # "Yes" schools, both yr_rnd tables are hidden whole (their margins stay published).
    assert compared == 10


def test_whole_population_column(design, table):
    c = table.cells
    ref = design.proportion("awards")
    got = c[(c.question == "awards") & (c.breakdown == "")]
    assert (got.group == TOTAL).all()
    np.testing.assert_allclose(got.estimate.to_numpy(), ref.estimate.to_numpy(), rtol=1e-12)
    df = design.data
    assert got.n.tolist() == df["awards"].value_counts().reindex(["No", "Yes"]).tolist()
    np.testing.assert_allclose(
        got.N.to_numpy(), df.groupby("awards")["pw"].sum().reindex(["No", "Yes"]).to_numpy()
    )


def test_cell_counts_are_respondents_per_cell(design, table):
    c = table.cells
    df = design.data
    xt = pd.crosstab(df["yr_rnd"], df["stype"])
    got = c[(c.question == "yr_rnd") & (c.breakdown == "stype") & ~c.suppressed]
    for _, r in got.iterrows():
        assert r.n == xt.loc[r.level, r.group]
    wt = df.pivot_table(index="yr_rnd", columns="stype", values="pw", aggfunc="sum")
    for _, r in got.iterrows():
        assert r.N == pytest.approx(wt.loc[r.level, r.group], rel=1e-12)


def test_small_cells_are_hidden_with_complements(design, table):
    df = design.data
    xt = pd.crosstab(df["yr_rnd"], df["stype"])
    small = [(lv, g) for lv in xt.index for g in xt.columns if 0 < xt.loc[lv, g] < 11]
    assert small, "apistrat has year-round schools in small numbers: the test needs them"
    c = table.cells
    t = c[(c.question == "yr_rnd") & (c.breakdown == "stype")]
    hidden = set(zip(t.loc[t.suppressed, "level"], t.loc[t.suppressed, "group"], strict=True))
    assert set(small) <= hidden
    # [[82, 49, 48], [18, 1, 2]]: hiding H and M only (the old cycle) leaves 1 and 2 sharing
    # 3 schools (row total 21 - 18): each in [0, 3], narrower than 11. The cycle through E
    # (18, 82) gives room: the whole table is hidden, Yes × H then lies anywhere in [1, 19].
    assert hidden == {(lv, g) for lv in ["No", "Yes"] for g in ["E", "H", "M"]}
    # yr_rnd × sch_wide is a 2 × 2 table with a small cell: all four cells go
    t2 = c[(c.question == "yr_rnd") & (c.breakdown == "sch_wide")]
    assert t2.suppressed.all()


def test_marks_agree_with_the_engine_test(design, table):
    ref = design.banner_cells(["awards", "yr_rnd"], BREAKDOWNS)
    ref = ref.assign(group=ref.group.astype(str), level=ref.level.astype(str))
    c = table.cells
    got = c[c.question.isin(["awards", "yr_rnd"]) & (c.breakdown != "") & ~c.suppressed]
    merged = got.merge(ref, on=["question", "level", "breakdown", "group"], suffixes=("", "_ref"))
    assert len(merged) == len(got)
    expect = np.where(merged.p_value_ref < 0.05, np.where(merged.diff_ref > 0, "▲", "▼"), "")
    assert (merged["mark"].to_numpy() == expect).all()
    assert (merged["mark"] != "").any(), "some school types differ: marks expected"
    np.testing.assert_allclose(merged.p_value, merged.p_value_ref, rtol=1e-12)


def test_means_match_the_engine(design, table):
    c = table.cells
    got = c[(c.question == "api00") & (c.breakdown == "stype")]
    ref = design.mean("api00", by="stype")
    np.testing.assert_allclose(got.estimate.to_numpy(), ref.estimate.to_numpy(), rtol=1e-12)
    assert (got.kind == "mean").all() and (got.level == "").all()
    whole = c[(c.question == "api00") & (c.breakdown == "")]
    assert whole.estimate.iloc[0] == pytest.approx(design.mean("api00").estimate.iloc[0], rel=1e-12)


def test_labels_come_from_the_codebook(table):
    html = table.to_html(split=False)
    assert "Éligible aux récompenses" in html and "Type d’école" in html
    assert "Score API 2000 (moyenne)" in html


def test_unknown_variable_is_named(design):
    with pytest.raises(
        BannerError, match=r"questions: variable\(s\) \['nope'\] not in the design data; available"
    ):
        banner(design, ["nope"], ["stype"])
    with pytest.raises(BannerError, match=r"breakdowns: variable\(s\) \['zz'\]"):
        banner(design, ["awards"], ["zz"])
    with pytest.raises(BannerError, match="expected lists of variable names"):
        banner(design, "awards", ["stype"])


def test_table_tests_are_shown(design, table):
    tests = table.tests.set_index(["question", "breakdown"])
    ref = design.chisq("awards", "stype")
    assert tests.loc[("awards", "stype"), "p_value"] == pytest.approx(ref.p_value, rel=1e-9)
    assert np.isnan(tests.loc[("api00", "stype"), "p_value"])  # no chi-square for a mean
    html = table.to_html(split=False)
    assert "Test d’indépendance" in html and "Rao–Scott" in html
    assert "p\u202f&lt;\u202f0,001" in html  # awards × stype: p = 2e-6 (escaped « < »)


@pytest.mark.parametrize(
    ("data", "spec"),
    [
        ("apistrat.csv", {"weights": "pw", "strata": "stype", "fpc": "fpc"}),
        ("apiclus1.csv", {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
    ],
)
def test_mean_vs_rest_equals_the_engine_for_a_binary_variable(data, spec):
    """The mean of a 0/1 variable is the share of 1: its group-vs-rest difference, SE and
    p-value must equal banner_cells' for the categorical version (same linearisation)."""
    df = pd.read_csv(DATA.parent / data)
    df["award01"] = (df["awards"] == "Yes").astype(float)
    d = SurveyDesign(df, **spec)
    t = banner(d, ["award01", "awards"], ["stype", "sch_wide"], threshold=1, tests=False)
    c = t.cells[t.cells.breakdown != ""]
    mean = c[c.question == "award01"].set_index(["breakdown", "group"])
    prop = c[(c.question == "awards") & (c.level == "Yes")].set_index(["breakdown", "group"])
    for col in ("estimate", "diff", "diff_se", "p_value"):
        np.testing.assert_allclose(mean[col], prop.loc[mean.index, col], rtol=1e-10, atol=1e-14)
    assert (mean["mark"] != "").any()


def test_boolean_question_reads_oui_non():
    df = pd.read_csv(DATA)
    df["ecole_annee"] = df["yr_rnd"] == "Yes"
    d = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    t = banner(d, ["ecole_annee"], ["sch_wide"], tests=False)
    assert set(t.cells.level) == {"Non", "Oui"}
