"""Exceptions of the survey engine: each states the problem, names the column and gives a hint.

All subclass :class:`SurveyError`, itself a :class:`ValueError`, so callers may catch either.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "DesignSpecError",
    "EmptyDomainError",
    "FpcError",
    "LonelyPSUError",
    "MissingVariableError",
    "NestingError",
    "ReplicateWeightsError",
    "SurveyError",
    "VariableTypeError",
    "WeightsError",
]


def _rows(labels: Sequence[object], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in list(labels)[:limit])
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


def bad_rows_message(column: str, what: str, index_labels: Sequence[object], argument: str) -> str:
    """Compose "<argument> column 'x' has N <what> value(s) (rows: ...)"."""
    return (
        f"{argument} column {column!r} has {len(index_labels)} {what} value(s) "
        f"(first rows: {_rows(index_labels)})."
    )
