"""What a researcher sees in a terminal: a codebook, a model summary and a banner print whole
and readable (R-like), not as one huge line, a truncated frame or an object's repr."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from arefie_studies import tables
from arefie_studies.io import Codebook, Variable
from arefie_studies.survey import SurveyDesign

API = Path(__file__).parent / "reference" / "data" / "apistrat.csv"


def design() -> SurveyDesign:
    return SurveyDesign(pd.read_csv(API), weights="pw", strata="stype", fpc="fpc")


def test_codebook_prints_one_line_per_variable():
    book = Codebook({f"q{i}": Variable(f"q{i}", label=f"Question {i}", value_labels={1: "Oui", 2: "Non"})
                     for i in range(40)}, dataset="enquete")
    text = repr(book)
    lines = text.splitlines()
    assert lines[0] == "Codebook enquete: 40 variable(s)"
    assert "Question 0" in lines[2] and "1 = Oui; 2 = Non" in lines[2]
    assert len(lines) == 1 + 1 + 30 + 1 and lines[-1].startswith("… 10 more")
    assert str(book) == text


def test_model_summary_prints_every_column_with_the_model_header():
    with pd.option_context("display.width", 60, "display.max_columns", 4):
        text = repr(design().glm("api00 ~ ell + meals + mobility").summary())
    assert text.splitlines()[0] == "Survey GLM (gaussian): api00 ~ ell + meals + mobility"
    assert "..." not in text
    for col in ("estimate", "se", "p_value", "ci_low", "ci_high", "df"):
        assert col in text.splitlines()[2]
    s = design().glm("api00 ~ ell").summary()
    assert type(s[["term", "estimate"]]) is pd.DataFrame   # operations give plain frames


def test_banner_prints_the_table_itself():
    b = tables.banner(design(), ["awards"], ["stype"], title="Prix")
    assert repr(b).startswith("BannerTable('Prix'")   # short, for logs and lists
    text = str(b)                                       # print(b): the table
    assert text.startswith("Prix — 1 question(s) × 1 croisement(s), seuil 11")
    header = text.splitlines()[1]
    assert "Ensemble" in header and "stype – E" in header and "Ensemble – Ensemble" not in header
    est = b.cells[(b.cells["breakdown"] == "") & (b.cells["level"] == "Yes")]["estimate"].iloc[0]
    assert tables.fmt_pct(est) in text
    assert "intervalle de confiance" in text
