"""BannerTable from cells: marks, disclosure control, HTML and XLSX exports."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from _fake import LABELS, fake_cells
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from arefie_studies.tables import (
    NNBSP,
    TOTAL,
    BannerError,
    BannerTable,
    exposed_cells,
    fmt_pct,
    source_note,
    write_xlsx,
)

SOURCE = source_note("Enquête santé jeunes", 2024, n=1251, weighting="calage sur marges")


@pytest.fixture(scope="module")
def table() -> BannerTable:
    return BannerTable.from_cells(fake_cells(), labels=LABELS, title="État de santé", source=SOURCE)


def test_source_note_is_french():
    assert SOURCE == (
        f"Source{NNBSP}: AREFIE, Enquête santé jeunes 2024 (n{NNBSP}={NNBSP}1{NNBSP}251 "
        "répondants) ; données pondérées (calage sur marges)."
    )


def test_small_cell_and_its_complements_are_hidden(table):
    c = table.cells
    dep = c[(c.question == "etat") & (c.breakdown == "dep")]
    hidden = dep[dep.suppressed]
    assert set(zip(hidden.level, hidden.group, strict=True)) == {
        ("Mauvaise", "Somme"),  # n = 6: primary
        ("Moyenne", "Somme"),  # 30: smallest complement in the column
        ("Mauvaise", "Aisne"),  # 20: smallest complement in the row
        ("Moyenne", "Aisne"),  # 40: closes the cycle
    }
    assert dep.primary.sum() == 1
    # the table object keeps nothing of hidden cells
    assert hidden[["estimate", "se", "ci_low", "ci_high", "N", "p_value"]].isna().all().all()
    assert hidden["n"].isna().all()
    assert (hidden["mark"] == "").all()


def test_published_pattern_leaves_nothing_recoverable(table):
    c = table.cells
    dep = c[(c.question == "etat") & (c.breakdown == "dep")]
    levels = ["Bonne", "Moyenne", "Mauvaise"]
    groups = ["Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"]
    mask = np.zeros((4, 6), dtype=bool)
    for _, r in dep[dep.suppressed].iterrows():
        mask[levels.index(r.level), groups.index(r.group)] = True
    assert not exposed_cells(mask).any()


def test_no_suppression_when_all_cells_are_large():
    t = BannerTable.from_cells(fake_cells(small_group=15), labels=LABELS)
    assert not t.cells.suppressed.any()


def test_threshold_is_configurable():
    t = BannerTable.from_cells(fake_cells(), labels=LABELS, threshold=5)
    assert not t.cells.suppressed.any()  # the 6-respondent cell passes a threshold of 5
    t = BannerTable.from_cells(fake_cells(), labels=LABELS, threshold=26)  # Oise × Mauvaise = 25
    c = t.cells
    assert c.loc[
        (c.group == "Oise") & (c.level == "Mauvaise") & (c.breakdown == "dep"), "suppressed"
    ].all()


def test_marks_follow_p_value_and_sign():
    cells = fake_cells()
    t = BannerTable.from_cells(cells, labels=LABELS, alpha=0.05)
    merged = t.cells.assign(p_raw=cells["p_value"].to_numpy(), d_raw=cells["diff"].to_numpy())
    shown = merged[~merged.suppressed & (merged.breakdown != "")]
    expect = np.where(shown.p_raw < 0.05, np.where(shown.d_raw > 0, "▲", "▼"), "")
    assert (shown["mark"].to_numpy() == expect).all()
    assert (merged.loc[merged.breakdown == "", "mark"] == "").all()


def test_labels_and_order(table):
    assert table.questions == ["etat", "age"]
    assert table.breakdowns == ["sexe", "dep"]
    assert set(table.cells.loc[table.cells.question == "etat", "question_label"]) == {
        "État de santé perçu"
    }
    assert set(table.cells.loc[table.cells.breakdown == "", "breakdown_label"]) == {TOTAL}


def test_html_shows_marks_rule_and_no_hidden_value(table):
    html = table.to_html(split=False)
    assert html.count('class="suppressed"') == 4
    assert "de 1 à 10 répondants" in html and SOURCE in html
    assert f"52,6{NNBSP}%" in html  # Somme × Bonne is published
    raw = fake_cells()
    hidden_raw = raw[(raw.question == "etat") & (raw.group == "Somme") & (raw.level == "Mauvaise")]
    assert fmt_pct(hidden_raw.estimate.iloc[0]) not in html
    assert "<script" not in html
    assert re.search(r"<th[^>]*>Département</th>", html)
    assert html.count("<thead>") == 1


def test_html_splits_wide_banners(table):
    html = table.to_html(max_columns=4)
    assert html.count("<thead>") == 2
    assert "État de santé, selon sexe" in html and "État de santé, selon département" in html
    # the rule (« s ») is stated under exactly the parts that hide a value
    parts = html.split('<div class="arefie-table')[1:]
    assert len(parts) == 2
    for part in parts:
        assert ('data-suppressed="1"' in part) == ("de 1 à 10 répondants" in part)
    assert any('data-suppressed="1"' in part for part in parts)


def test_xlsx_numbers_are_numbers(table, tmp_path):
    path = write_xlsx({"Santé": table, "Santé bis": table}, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Santé", "Santé bis"]
    ws = wb["Santé"]
    values = [c for row in ws.iter_rows() for c in row if c.value is not None]
    pct = [c for c in values if c.number_format == "0.0%"]
    assert pct and all(isinstance(c.value, float) and 0 <= c.value <= 1 for c in pct)
    ns = [c for c in values if c.number_format == "#,##0"]
    assert any(c.value == 1251 for c in ns)
    assert sum(1 for c in values if c.value == "s") == 4
    assert any(isinstance(c.value, str) and "de 1 à 10 répondants" in c.value for c in values)
    # the whole-population estimate of "Bonne" is stored exactly
    target = (
        fake_cells()
        .query("question == 'etat' and breakdown == '' and level == 'Bonne'")
        .estimate.iloc[0]
    )
    assert any(c.value == pytest.approx(target, abs=1e-12) for c in pct)


def test_missing_column_is_named():
    with pytest.raises(BannerError, match=r"missing column\(s\) \['p_value'\]"):
        BannerTable.from_cells(fake_cells().drop(columns="p_value"))


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_bad_threshold(bad):
    with pytest.raises(BannerError, match="threshold"):
        BannerTable.from_cells(fake_cells(), threshold=bad)


def test_negative_counts_named_by_row():
    cells = fake_cells()
    cells.loc[4, "n"] = -1
    with pytest.raises(BannerError, match=r"bad rows \[4\]"):
        BannerTable.from_cells(cells)


def test_bad_kind():
    cells = fake_cells()
    cells.loc[0, "kind"] = "total"
    with pytest.raises(BannerError, match="unknown value"):
        BannerTable.from_cells(cells)


def test_mean_question_hides_pairs():
    cells = fake_cells()
    m = (cells.question == "age") & (cells.breakdown == "dep") & (cells.group == "Somme")
    cells.loc[m, "n"] = 8
    t = BannerTable.from_cells(cells)
    c = t.cells[(t.cells.question == "age") & (t.cells.breakdown == "dep")]
    assert c.suppressed.sum() == 2
    assert set(c.loc[c.suppressed, "group"]) == {"Somme", "Aisne"}  # Aisne: smallest other group
    tot = t.totals[(t.totals.question == "age") & (t.totals.breakdown == "dep")]
    assert set(tot.loc[tot.suppressed, "group"]) == {"Somme", "Aisne"}
    assert pd.isna(tot.loc[tot.suppressed, "n"]).all()


def test_publish_leak_scan_passes_and_catches(table):
    """The pipeline's leak scan reads data-n / data-suppressed and the n rows of our tables."""
    from arefie_studies.pipeline.leakscan import ScanRules, scan_html

    html = table.to_html(split=False)
    assert 'data-n="' in html and 'data-suppressed="1"' in html
    assert scan_html(html, ScanRules(threshold=11)) == []
    # a table built with a lower threshold than the study's is caught
    loose = BannerTable.from_cells(fake_cells(), labels=LABELS, threshold=5)
    findings = scan_html(loose.to_html(split=False), ScanRules(threshold=11))
    assert findings and findings[0].kind == "small_cell"


@st.composite
def banner_counts(draw):
    """Counts of one categorical question by two breakdowns sharing the same level totals."""
    n_levels = draw(st.integers(2, 3))
    g1 = draw(st.integers(2, 3))
    cells = st.one_of(st.integers(0, 5), st.integers(6, 40))
    a = np.array(draw(st.lists(cells, min_size=n_levels * g1, max_size=n_levels * g1)))
    a = a.reshape(n_levels, g1)
    # second breakdown: a random regrouping of the same respondents (same level totals)
    split = np.array(draw(st.lists(st.integers(0, 40), min_size=n_levels, max_size=n_levels)))
    b = np.column_stack([np.minimum(split, a.sum(1)), a.sum(1) - np.minimum(split, a.sum(1))])
    return a, b


def _cells_from_counts(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    levels = [f"L{i}" for i in range(a.shape[0])]
    rows = []
    tot = a.sum(1)
    for i, lv in enumerate(levels):
        rows.append(
            dict(
                question="q",
                kind="proportion",
                level=lv,
                breakdown="",
                group=TOTAL,
                estimate=tot[i] / max(tot.sum(), 1),
                se=0.01,
                ci_low=0.0,
                ci_high=1.0,
                n=int(tot[i]),
                N=float(tot[i]),
                diff=np.nan,
                diff_se=np.nan,
                p_value=np.nan,
            )
        )
    for name, m in (("b1", a), ("b2", b)):
        for j in range(m.shape[1]):
            for i, lv in enumerate(levels):
                rows.append(
                    dict(
                        question="q",
                        kind="proportion",
                        level=lv,
                        breakdown=name,
                        group=f"{name}g{j}",
                        estimate=0.5,
                        se=0.01,
                        ci_low=0.4,
                        ci_high=0.6,
                        n=int(m[i, j]),
                        N=float(m[i, j]),
                        diff=0.0,
                        diff_se=0.01,
                        p_value=0.5,
                    )
                )
    return pd.DataFrame(rows)


@settings(max_examples=80, deadline=None)
@given(banner_counts(), st.integers(3, 11))
def test_banner_tables_leave_nothing_recoverable(counts, threshold):
    """For every breakdown, the published pattern (cells, group totals, level totals in the
    whole-population column, shared by both breakdowns) has no hidden cell recoverable by
    difference, and every cell under the threshold is hidden."""
    a, b = counts
    assume(a.sum() > 0)
    t = BannerTable.from_cells(_cells_from_counts(a, b), threshold=threshold)
    c = t.cells
    ens = c[c.breakdown == ""].set_index("level")
    levels = list(ens.index)
    for name, m in (("b1", a), ("b2", b)):
        sub = c[c.breakdown == name]
        groups = list(dict.fromkeys(sub.group))
        mask = np.zeros((len(levels) + 1, len(groups) + 1), dtype=bool)
        for _, r in sub.iterrows():
            mask[levels.index(r.level), groups.index(r.group)] = r.suppressed
        mask[:-1, -1] = ens.loc[levels, "suppressed"].to_numpy()
        tot = t.totals[(t.totals.question == "q") & (t.totals.breakdown == name)].set_index("group")
        mask[-1, :-1] = tot.loc[groups, "suppressed"].to_numpy()
        mask[-1, -1] = bool(t.totals[(t.totals.breakdown == "")].suppressed.iloc[0])
        assert not exposed_cells(mask).any(), (name, m, mask)
        ext = np.zeros_like(mask, dtype=int)
        ext[:-1, :-1] = m
        ext[:-1, -1] = m.sum(1)
        ext[-1, :-1] = m.sum(0)
        ext[-1, -1] = m.sum()
        small = (ext > 0) & (ext < threshold)
        assert (mask | ~small).all(), (name, ext, mask)


def test_rare_level_is_hidden_in_every_breakdown_with_a_complement_level():
    a = np.array([[40, 50, 60], [3, 5, 0], [20, 25, 30]])  # level L1: 8 respondents in all
    b = np.array([[80, 70], [8, 0], [45, 30]])
    t = BannerTable.from_cells(_cells_from_counts(a, b), threshold=11)
    c = t.cells
    ens = c[c.breakdown == ""].set_index("level")
    assert ens.loc["L1", "suppressed"] and ens.loc["L2", "suppressed"]  # L2: smallest other total
    assert not ens.loc["L0", "suppressed"]
    for name in ("b1", "b2"):
        sub = c[c.breakdown == name]
        assert sub[sub.level.isin(["L1", "L2"])].suppressed.all()
        assert not sub[sub.level == "L0"].suppressed.any()


def test_repr_is_short(table):
    assert (
        repr(table)
        == "BannerTable('État de santé': 2 question(s) × 2 breakdown(s), threshold 11, 4 hidden cell(s))"
    )
    assert f"52,63{NNBSP}%" in table.to_html(digits=2)
