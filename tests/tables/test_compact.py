"""Printable pieces shared by the study reports (tables._compact): cells with the leak-scan
markers, compact banners, indicator tables, plain tables, headings, yes/no views and
protected shares."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arefie_studies.pipeline.leakscan import ScanRules, scan_html
from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import (
    ascii_anchor,
    banner,
    compact_html,
    heading_html,
    hidden_cell_html,
    indicator_table_html,
    plain_table_html,
    protect_table,
    protected_shares,
    value_cell_html,
    yes_rows,
)

DATA = Path(__file__).parents[1] / "reference" / "data" / "apistrat.csv"


# ----------------------------------------------------------------------------- cells
def test_value_cell_french_format_and_count():
    html = value_cell_html(0.493, 0.451, 0.534, n=57, mark="▲")
    assert html == ('<td data-n="57">49,3\u202f%\u202f<span class="mark">▲</span>'
                    '<span class="ci">[45,1\u202f; 53,4]</span></td>')
    mean = value_cell_html(12.25, 11.5, 13.0, n=20, kind="mean", digits=2)
    assert "12,25" in mean and "[11,50\u202f; 13,00]" in mean and "%" not in mean


def test_empty_cell_has_no_count_and_hidden_cell_shows_none():
    assert "data-n" not in value_cell_html(0.0, 0.0, 0.1, n=0)
    assert "data-n" not in value_cell_html(0.0, 0.0, 0.1, n=np.nan)
    hidden = value_cell_html(0.5, 0.4, 0.6, n=3, hidden=True)
    assert hidden == '<td class="suppressed" data-suppressed="1">s</td>'
    assert hidden_cell_html("effectif < 11", span=2) == (
        '<td class="suppressed" colspan="2" data-suppressed="1">effectif &lt; 11</td>'
    )


# ----------------------------------------------------------------------------- headings
@pytest.mark.parametrize(
    ("text", "anchor"),
    [("Évolution depuis 2020", "evolution-depuis-2020"),
     ("Les jeunes accompagnés", "les-jeunes-accompagnes"),
     ("Santé : l’essentiel !", "sante-lessentiel")],
)  # fmt: skip
def test_heading_ids_are_plain_ascii(text, anchor):
    assert ascii_anchor(text) == anchor
    assert heading_html(text, 2) == f'<h2 id="{anchor}">{text}</h2>'
    assert heading_html(text, 1, "x").startswith('<h1 id="x">')


@given(st.text(max_size=40))
def test_anchor_property(text):
    a = ascii_anchor(text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*|", a)


def test_heading_level_is_checked():
    with pytest.raises(ValueError, match="level must be an integer 1-6"):
        heading_html("x", 7)


# ----------------------------------------------------------------------------- banner views
@pytest.fixture(scope="module")
def table():
    df = pd.read_csv(DATA)
    d = SurveyDesign(df, weights="pw", strata="stype", fpc="fpc")
    return banner(d, ["awards", "yr_rnd", "stype"], ["sch_wide"], threshold=11, title="t")


def test_yes_rows_keeps_one_row_of_yes_no_questions(table):
    t = table
    yes_no = t.cells.assign(level=t.cells.level.replace({"Yes": "Oui", "No": "Non"}))
    t2 = yes_rows(replace(t, cells=yes_no))
    c = t2.cells
    assert set(c.loc[c.question == "awards", "level"]) == {"Oui"}
    assert set(c.loc[c.question == "stype", "level"]) == {"E", "H", "M"}  # not yes/no: kept
    # nothing is unhidden: the kept rows are the same cells
    kept = yes_no[yes_no.level != "Non"].reset_index(drop=True)
    pd.testing.assert_frame_equal(c, kept)


def test_compact_html_has_leak_markers_and_passes_the_scan(table):
    html = compact_html(yes_rows(table, "Yes", "No"), title="Écoles", stub="Question",
                        notes=["Note d’étude."])
    c = table.cells
    kept = c[(c.question == "stype") | (c.level == "Yes")]
    for n in kept.loc[~kept.suppressed & (kept.n > 0), "n"]:
        assert f'data-n="{int(n)}"' in html
    assert html.count('data-n="0"') == 0  # an empty cell (0 %) carries no count
    assert html.count('data-suppressed="1"') == int(kept.suppressed.sum()) > 0
    assert "Note d’étude." in html and "intervalle de confiance à 95 %" in html
    assert 'data-threshold="11"' in html
    assert scan_html(html, ScanRules(threshold=11)) == []


def test_compact_html_groups_order(table):
    html = compact_html(table, title="t", groups=["Yes", "No"], total_label="Total")
    head = re.search(r"<thead>(.*)</thead>", html).group(1)
    assert re.findall(r"<th>([^<]*)</th>", head) == ["Total", "Yes", "No"]


# ----------------------------------------------------------------------------- indicator tables
def _cells() -> pd.DataFrame:
    return pd.DataFrame({
        "row": ["Tabac", "Tabac", "Alcool", "Alcool"],
        "section": ["Conduites", "Conduites", "Conduites", "Conduites"],
        "column": ["F", "H", "F", "H"],
        "estimate": [0.25, 0.30, 0.1, 0.2], "ci_low": [0.2, 0.25, 0.05, 0.15],
        "ci_high": [0.3, 0.35, 0.15, 0.25], "n": [40, 35, 40, 8],
        "hidden": [False, False, False, True], "p": ["p = 0,2", "", "p = 0,01", ""],
    })  # fmt: skip


def test_indicator_table_spans_sections_and_extra_columns():
    html = indicator_table_html(_cells(), title="Titre", threshold=11,
                                columns=[("F", "Sexe|Femmes"), ("H", "Sexe|Hommes")],
                                extra_columns={"p": "Test"}, source="Source : test.")
    assert '<th colspan="2">Sexe</th>' in html and "<th>Femmes</th><th>Hommes</th>" in html
    assert html.count('<tr class="question">') == 1  # one section heading
    assert '<td class="test">p = 0,2</td>' in html
    assert 'data-n="8"' not in html  # the hidden cell's small count is not in the source
    # the test of the hidden cell's row is left blank: a test or a difference beside a hidden
    # value could narrow it down
    assert html.count('data-suppressed="1"') == 1 and "p = 0,01" not in html
    assert "Source : test." in html and "de 1 à 10 répondants" in html
    assert scan_html(html, ScanRules(threshold=11)) == []


def test_plain_table():
    frame = pd.DataFrame({"Indicateur": ["Poids"], "Valeur": ["1,5"]})
    html = plain_table_html(frame, title="T", align_right=["Valeur"], notes=["N"])
    assert '<td style="text-align:right">1,5</td>' in html
    assert '<td style="text-align:left">Poids</td>' in html
    assert "data-threshold" not in html and "<p>N</p>" in html


# ----------------------------------------------------------------------------- protected shares
def test_protected_shares_by_hand():
    # groups: (5 yes, 20 no) is primary; the second group hides too so 5 is not recovered
    np.testing.assert_array_equal(protected_shares([5, 30], [20, 40], 11), [True, True])
    assert not protected_shares([12, 30, 25], [20, 40, 30], 11).any()
    np.testing.assert_array_equal(protected_shares([0, 30], [0, 40], 11), [True, False])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=5),
       st.integers(2, 15))
def test_protected_shares_hide_every_small_count(groups, threshold):
    yes, no = (np.array(x) for x in zip(*groups, strict=True))
    hidden = protected_shares(yes, no, threshold)
    small = ((yes > 0) & (yes < threshold)) | ((no > 0) & (no < threshold))
    assert not (small & ~hidden).any()
    assert not ((yes + no < threshold) & ~hidden).any()
    _, hid = protect_table(np.vstack([yes, no]).astype(float), threshold)
    assert (hidden >= (hid[0, :-1] | hid[1, :-1])).all()
