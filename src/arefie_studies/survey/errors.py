"""Exceptions of the survey engine: each states the problem, names the column and gives a hint.

One family: every input error raised by :mod:`arefie_studies.survey` is a :class:`SurveyError`,
itself a :class:`ValueError`, so callers may catch either::

    SurveyError(ValueError)
    ├── MissingVariableError (also KeyError)  a column named in an argument is not in the data
    ├── VariableTypeError     a column of the wrong type (text for a mean, ...)
    ├── WeightsError          weights non-numeric, negative, missing or infinite
    ├── NestingError          PSU ids repeated across strata without nest=True
    ├── LonelyPSUError        a stratum with one PSU under lonely_psu="fail"
    ├── FpcError              fpc inconsistent with the sample
    ├── DesignSpecError       an inconsistent design specification or an unsupported operation
    ├── EmptyDomainError      an estimate on a domain without observation
    ├── ReplicateWeightsError replicate weights missing, non-numeric or inconsistent
    ├── ArgumentError         an option value that is not allowed (ci_method, probs, mask, level)
    ├── ModelFormulaError     a model/test specification that does not fit the data
    └── CalibrationError      a weighting problem that cannot be solved (infeasible, no convergence)
        └── MarginError       a margin that does not fit the data (unknown level, disagreement)

Warnings: :class:`GLMConvergenceWarning` (a ``RuntimeWarning``) when a GLM fit stops before
convergence; :class:`EmptyGroupWarning` (a ``UserWarning``) when a ``by=`` group of the domain has
no non-missing value of the variable (the group is left out of the table unless
``keep_empty_groups=True``).  All are importable from :mod:`arefie_studies.survey`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "ArgumentError",
    "CalibrationError",
    "CalibrationWarning",
    "DesignSpecError",
    "EmptyDomainError",
    "EmptyGroupWarning",
    "FpcError",
    "GLMConvergenceWarning",
    "LonelyPSUError",
    "MarginError",
    "MissingVariableError",
    "ModelFormulaError",
    "NestingError",
    "ReplicateWarning",
    "ReplicateWeightsError",
    "SurveyError",
    "VariableTypeError",
    "WeightsError",
    "show",
]


def show(x: object) -> str:
    """``repr`` of a value as a user wrote it: numpy scalars print as Python numbers
    (``83``, not ``np.int64(83)``)."""
    item = getattr(x, "item", None)
    if item is not None and getattr(x, "ndim", None) == 0:
        x = item()
    return repr(x)


def _rows(labels: Sequence[object], limit: int = 5) -> str:
    shown = ", ".join(show(x) for x in list(labels)[:limit])
    more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
    return shown + more


class SurveyError(ValueError):
    """Base class of every input error raised by :mod:`arefie_studies.survey`."""


class MissingVariableError(SurveyError, KeyError):
    """A column named in an argument is not in the data.

    The message names the argument, lists the available columns and the closest matches.
    """

    def __init__(self, name: str, argument: str, available: Iterable[str]):
        available = [str(a) for a in available]
        close = difflib.get_close_matches(str(name), available, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        msg = (
            f"Variable {name!r} given as {argument}= is not a column of the data.{hint} "
            f"Available columns: {shown}."
        )
        self.name = name
        self.argument = argument
        self.close_matches = close
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class WeightsError(SurveyError):
    """Weights that are non-numeric, negative, missing or infinite."""


class VariableTypeError(SurveyError):
    """A variable has a type the estimator cannot use (e.g. a text column for a mean)."""


class NestingError(SurveyError):
    """PSU identifiers repeat across strata while ``nest=False``."""


class LonelyPSUError(SurveyError):
    """A stratum has a single PSU and ``lonely_psu='fail'``."""


class FpcError(SurveyError):
    """Finite population corrections that are inconsistent with the sample."""


class DesignSpecError(SurveyError):
    """An inconsistent design specification (bad option, one PSU only, ...)."""


class EmptyDomainError(SurveyError):
    """An estimate was asked on a domain with no observation of the variable."""


class ReplicateWeightsError(SurveyError):
    """Replicate weights that are missing, non-numeric or inconsistent."""


class ArgumentError(SurveyError):
    """An option value that is not allowed (``ci_method``, ``probs``, a subset mask, ``level``)."""


class ModelFormulaError(SurveyError):
    """A model or test specification that does not fit the data (variable, outcome, family)."""


class CalibrationError(SurveyError):
    """A calibration problem that cannot be solved (infeasible, no convergence, bad bounds)."""


class MarginError(CalibrationError):
    """A margin that does not fit the data: unknown variable or level, bad values, disagreement."""


class CalibrationWarning(UserWarning):
    """A weighting step stopped at R's stopping rule before convergence (``rake(control=)``)."""


class ReplicateWarning(UserWarning):
    """Replicate weights that cannot be R's (e.g. a BRR Hadamard matrix R precooks)."""


class EmptyGroupWarning(UserWarning):
    """A ``by=`` group present in the domain has no non-missing value of the variable."""


class GLMConvergenceWarning(RuntimeWarning):
    """A design-based GLM stopped before its IRLS iterations converged."""


def bad_rows_message(column: str, what: str, index_labels: Sequence[object], argument: str) -> str:
    """Compose "<argument> column 'x' has N <what> value(s) (rows: ...)"."""
    return (
        f"{argument} column {column!r} has {len(index_labels)} {what} value(s) "
        f"(first rows: {_rows(index_labels)})."
    )
