"""One error family: every public exception is exported from ``arefie_studies.survey`` and is
a ``SurveyError`` (a ``ValueError``); the classes raised by the engine are those exported."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import arefie_studies.survey as survey
from arefie_studies.survey import (
    ArgumentError,
    CalibrationError,
    MarginError,
    ModelFormulaError,
    SurveyDesign,
    SurveyError,
)
from arefie_studies.survey import errors as errors_mod


def test_every_exception_of_the_package_is_exported_and_in_the_family():
    exported = {n for n in survey.__all__ if n.endswith(("Error", "Warning"))}
    defined = {n for n, obj in inspect.getmembers(errors_mod, inspect.isclass)
               if issubclass(obj, Exception) and obj.__module__ == errors_mod.__name__}
    assert defined == exported
    assert {"CalibrationError", "MarginError", "ModelFormulaError", "ArgumentError"} <= exported
    for name in exported - {"GLMConvergenceWarning", "EmptyGroupWarning", "CalibrationWarning", "ReplicateWarning"}:
        cls = getattr(survey, name)
        assert issubclass(cls, SurveyError) and issubclass(cls, ValueError), name
    assert issubclass(MarginError, CalibrationError)
    # no exception class is defined outside errors.py (the private modules re-export them)
    import pkgutil
    from importlib import import_module

    for mod in pkgutil.iter_modules(survey.__path__):
        m = import_module(f"arefie_studies.survey.{mod.name}")
        for n, obj in inspect.getmembers(m, inspect.isclass):
            if issubclass(obj, Exception) and obj.__module__.startswith("arefie_studies.survey"):
                assert obj.__module__ == errors_mod.__name__, f"{n} defined in {obj.__module__}"


@pytest.fixture(scope="module")
def design() -> SurveyDesign:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"sex": rng.choice(["F", "M"], 200), "y": rng.normal(size=200),
                       "w": rng.uniform(1, 2, 200)})
    return SurveyDesign(df, weights="w")


def test_public_classes_are_the_ones_raised(design):
    with pytest.raises(MarginError, match="'X'"):
        design.poststratify("sex", {"F": 100, "X": 100})
    with pytest.raises(ModelFormulaError, match="nope"):
        design.glm("y ~ nope")
    with pytest.raises(ArgumentError, match=r"ci_method='bogus'.*logit"):
        design.proportion("sex", ci_method="bogus")
    with pytest.raises(ArgumentError, match=r"probs must lie in \[0, 1\]"):
        design.quantile("y", 1.5)
    with pytest.raises(ArgumentError, match="200 rows"):
        design.subset(np.ones(3, dtype=bool))
    with pytest.raises(SurveyError):  # one except clause catches the family
        design.rake({"sex": {"F": 0.5, "M": 0.5}}, maxit=0)
