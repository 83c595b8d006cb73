"""Analyses that used to pass silently: a numeric variable given to proportion(), weights
written as text (with or without decimal commas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arefie_studies.survey import SurveyDesign
from arefie_studies.survey.errors import ArgumentError, WeightsError


def frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({"age": rng.integers(16, 26, n) + rng.integers(0, 12, n) / 12,
                         "note": rng.integers(1, 5, n), "sexe": rng.choice(["F", "H"], n),
                         "w": rng.uniform(0.5, 2.0, n)})


def test_proportion_of_a_numeric_measure_is_an_error_with_the_hint():
    d = SurveyDesign(frame(), weights="w")
    with pytest.raises(ArgumentError, match=r"proportion\('age'\): 'age' is numeric with \d\d+ distinct "
                                            r"values.*Hint: use mean\('age'\).*pd.cut"):
        d.proportion("age")
    # a numeric code with a few values (a 4-point scale) is still a set of categories
    assert d.proportion("note")["level"].tolist() == [1, 2, 3, 4]
    # so is a measure the researcher declared categorical
    df = frame()
    df["age"] = df["age"].round().astype("category")
    assert len(SurveyDesign(df, weights="w").proportion("age")) == df["age"].nunique()


def test_weights_written_as_text_are_counted_right():
    df = frame()
    df["w"] = df["w"].round(3).astype(str)            # every value reads as a number
    with pytest.raises(WeightsError, match=r"holds text .* although every value reads as a number"):
        SurveyDesign(df, weights="w")
    df.loc[[2, 7], "w"] = "n/a"
    with pytest.raises(WeightsError, match=r"2 value\(s\) are not numbers \(first rows: 2, 7, e.g. 'n/a'\)"):
        SurveyDesign(df, weights="w")


def test_decimal_commas_get_a_hint_that_works():
    df = frame()
    df["w"] = df["w"].round(3).astype(str).str.replace(".", ",", regex=False)
    with pytest.raises(WeightsError, match=r"60 value\(s\) are written with a decimal comma") as err:
        SurveyDesign(df, weights="w")
    assert "str.replace(',', '.')" in str(err.value)
    df["w"] = pd.to_numeric(df["w"].str.replace(",", "."))   # the hint, applied
    assert SurveyDesign(df, weights="w").mean("age")["estimate"].iloc[0] > 16
