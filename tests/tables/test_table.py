"""The one disclosure-aware table object: decided cells, one renderer per format, nothing of a
hidden cell in any channel (HTML attributes, XLSX, CSV, DataFrame)."""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arefie_studies.pipeline.leakscan import ScanRules, scan_html
from arefie_studies.tables import (
    FLAG_NOTE,
    NNBSP,
    NOT_SHOWN_NOTE,
    Cell,
    Table,
    TableError,
    audit_disclosure,
    plain_table_html,
)

SECRET = 0.4321  # the estimate of the hidden cell (n = 7): must appear nowhere


def _estimates() -> pd.DataFrame:
    return pd.DataFrame({
        "row": ["Emploi", "Emploi", "Formation", "Formation"],
        "column": ["F", "H", "F", "H"],
        "estimate": [0.493, 0.512, 0.2, SECRET], "se": [0.021, 0.02, 0.02, 0.1],
        "ci_low": [0.451, 0.47, 0.16, 0.21], "ci_high": [0.534, 0.55, 0.24, 0.69],
        "n": [600, 35768, 400, 7], "df": [40, 40, 40, 40],
    })  # fmt: skip


@pytest.fixture
def table() -> Table:
    return Table.from_estimates(_estimates(), title="Situation", threshold=11,
                                columns=[("F", "Sexe|Femmes"), ("H", "Sexe|Hommes")],
                                source="Source : test.")


def test_hidden_cell_refuses_a_value():
    with pytest.raises(TableError, match="no value"):
        Cell(kind="hidden", n=7)
    with pytest.raises(TableError, match="no value"):
        Cell(kind="nd", estimate=0.4)
    assert Cell.hidden().n is None and Cell.hidden().text == "s"


def test_html_french_formats_and_markers(table):
    html = table.to_html()
    assert f'<td data-n="600">49,3{NNBSP}%<span class="ci">[45,1{NNBSP}; 53,4]</span></td>' in html
    assert 'data-n="35768"' in html
    hidden = re.findall(r"<td[^>]*data-suppressed[^>]*>[^<]*</td>", html)
    assert hidden == ['<td class="suppressed" data-suppressed="1">s</td>']
    assert 'data-n="7"' not in html and "43,2" not in html and "[21,0" not in html
    assert "de 1 à 10 répondants" in html and "Source : test." in html
    assert scan_html(html, ScanRules(threshold=11)) == []


def test_rule_note_only_with_a_hidden_cell():
    shown = _estimates().iloc[:3]
    html = Table.from_estimates(shown, title="t", threshold=11).to_html()
    assert "secret statistique" not in html and f"«{NNBSP}s{NNBSP}»" not in html


def test_no_channel_carries_the_hidden_cell(table, tmp_path):
    frame = table.to_frame()
    assert frame.loc["Formation", "Sexe|Hommes"] == "s"
    assert frame.loc["Emploi", "Sexe|Femmes"] == pytest.approx(0.493)
    assert not (frame.to_numpy() == SECRET).any()
    csv = table.to_csv(tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "0.4321" not in csv and ",7" not in csv and ",s" in csv
    path = table.to_xlsx(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert SECRET not in values and 0.21 not in values and 0.69 not in values and 7 not in values
    assert "s" in values and 0.493 in values and 0.451 in values
    assert not any(c.comment for row in ws.iter_rows() for c in row)
    assert not any(d.hidden for d in ws.column_dimensions.values())
    assert not any(d.hidden for d in ws.row_dimensions.values())


def test_presentation_rule_in_the_builder():
    est = _estimates()
    est.loc[2, ["estimate", "se", "ci_low", "ci_high"]] = [0.04, 0.02, 0.005, 0.10]  # 238 %
    est.loc[0, "df"] = 3  # few PSUs: flagged
    t = Table.from_estimates(est, title="t", threshold=11, presentation=True)
    html = t.to_html()
    assert '<td class="suppressed not-shown" data-not-shown="1">nd</td>' in html
    assert "4,0" not in html and "[0,5" not in html  # the nd estimate is not shown either
    assert f'49,3{NNBSP}%{NNBSP}<span class="flag">†</span>' in html
    notes = t.notes_text()
    assert NOT_SHOWN_NOTE in notes and FLAG_NOTE in notes
    assert t.to_frame().loc["Formation", "F"] == "nd"


def test_presentation_needs_se_and_df():
    with pytest.raises(TableError, match="se and df"):
        Table.from_estimates(_estimates().drop(columns=["df"]), title="t", presentation=True)


def test_counts_of_missions_locales_follow_the_threshold():
    # an organisational survey: 5 départements × 3 answers, counting Missions Locales
    counts = pd.DataFrame({"Oui": [4, 9, 12, 15, 3], "Non": [8, 3, 6, 10, 1],
                           "NSP": [0, 1, 2, 1, 0]},
                          index=["Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"])
    t = Table.from_counts(counts, title="Partenariats", threshold=11, unit="Missions Locales")
    html = t.to_html()
    # every shown count (cells and totals) is at least 11 MLs
    shown = [int(x) for x in re.findall(r'data-n="(\d+)"', html)]
    assert shown and min(shown) >= 11
    assert "de 1 à 10 Missions Locales" in html
    frame = t.to_frame()
    hidden = np.zeros((6, 4), dtype=bool)
    hidden[:, :] = (frame.to_numpy() == "s")
    audit = audit_disclosure(counts.to_numpy(), hidden, 11, lower=np.minimum(counts.to_numpy(), 1))
    assert audit.ok


def test_counts_table_bad_input():
    with pytest.raises(TableError, match="non-negative"):
        Table.from_counts(pd.DataFrame({"a": [1.5, 2]}), title="t")


def test_plain_table_hidden_row_keeps_no_count():
    frame = pd.DataFrame({"Motif": ["Emploi", "Autre"], "Part": ["60 %", "40 %"], "n": [40, 7]})
    html = plain_table_html(frame, title="T", counts="n", threshold=11)
    assert 'data-n="7"' not in html and "40 %" not in html
    assert 'data-n="40"' in html and html.count('data-suppressed="1"') == 1
    assert scan_html(html, ScanRules(threshold=11)) == []


def test_shares_of_missions_locales_hide_small_bases():
    # an organisational survey: each share rests on n Missions Locales, not on youths
    est = pd.DataFrame({"row": ["Convention signée", "Convention signée"],
                        "column": ["Rural", "Urbain"], "estimate": [0.6, 0.55],
                        "ci_low": [0.3, 0.4], "ci_high": [0.85, 0.7], "n": [9, 31]})
    t = Table.from_estimates(est, title="t", threshold=11, unit="Missions Locales")
    html = t.to_html()
    assert 'data-n="9"' not in html and "60,0" not in html and 'data-n="31"' in html
    assert "de 1 à 10 Missions Locales" in html
    assert scan_html(html, ScanRules(threshold=11)) == []


def test_duplicate_cells_are_an_error():
    est = pd.concat([_estimates(), _estimates().iloc[:1]])
    with pytest.raises(TableError, match="share a"):
        Table.from_estimates(est, title="t")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.floats(0.01, 0.99), st.booleans()),
                min_size=1, max_size=12), st.integers(2, 15))
def test_no_small_or_hidden_count_in_any_attribute(cells, threshold):
    est = pd.DataFrame({
        "row": [f"r{i // 3}" for i in range(len(cells))],
        "column": [f"c{i % 3}" for i in range(len(cells))],
        "n": [n for n, _, _ in cells], "estimate": [p for _, p, _ in cells],
        "ci_low": [p / 2 for _, p, _ in cells], "ci_high": [(1 + p) / 2 for _, p, _ in cells],
        "hidden": [h for _, _, h in cells],
    })  # fmt: skip
    html = Table.from_estimates(est, title="t", threshold=threshold).to_html()
    shown = [int(x) for x in re.findall(r'data-n="(\d+)"', html)]
    assert all(n >= threshold for n in shown)
    assert len(shown) == int(((est.n >= threshold) & ~est.hidden).sum())
    for td in re.findall(r"<td[^>]*data-suppressed[^>]*>[^<]*</td>", html):
        assert td == '<td class="suppressed" data-suppressed="1">s</td>'
    assert scan_html(html, ScanRules(threshold=threshold)) == []
