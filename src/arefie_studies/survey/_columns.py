"""Derived columns of a design: R's ``update.survey.design`` and crossed groups.

``SurveyDesign.update(agegp=...)`` (R: ``update(design, agegp = cut(age, ...))``) returns a copy
of the design whose data frame has the new or replaced columns; the weights, strata, PSUs and
calibrations are unchanged.  :func:`cross` builds the crossing of two or more grouping variables
as one categorical column (« Nord · Femme »), the groups of ``design.proportion(v, by=[a, b])``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ArgumentError, MissingVariableError

__all__ = ["CROSS_SEP", "cross", "cross_label", "cross_name", "derived_frame"]

#: separator of the levels of a crossed group (« Nord · Femme ») and of its variables' names
CROSS_SEP = " · "
CROSS_NAME_SEP = " × "


def cross_name(variables: Sequence[str]) -> str:
    """Column name of the crossing of ``variables``: ``"departement × sexe"``."""
    return CROSS_NAME_SEP.join(str(v) for v in variables)


def cross_label(variables: Sequence[str], labels: Mapping[str, str] | None = None) -> str:
    """French label of a crossing: each variable's label joined by « × » (« Département × Sexe »)."""
    labels = labels or {}
    return CROSS_NAME_SEP.join(str(labels.get(v, v)) for v in variables)


def _levels(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist(), key=lambda x: (str(type(x)), x))


def _text(level: Any) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def cross(data: pd.DataFrame, variables: Sequence[str], *, sep: str = CROSS_SEP) -> pd.Series:
    """The crossing of ``variables`` as one categorical column (missing when any is missing).

    Levels are « a · b » in the order of the variables' levels (the first variable varies
    slowest, as R's ``interaction(a, b, lex.order = TRUE)``); only the combinations that occur
    in ``data`` are levels (R's ``drop = TRUE``).  Grouping by the result gives the groups of
    ``design.proportion(v, by=list(variables))``.
    """
    if isinstance(variables, str) or len(variables) < 2:
        raise ArgumentError(
            f"cross: expected two or more variables to cross, got {variables!r}; "
            "write cross(data, ['departement', 'sexe']).")
    for v in variables:
        if v not in data.columns:
            raise MissingVariableError(v, "cross", data.columns)
    codes = []
    levels = []
    for v in variables:
        s = data[v]
        lv = _levels(s)
        pos = {x: i for i, x in enumerate(lv)}
        c = s.map(pos).astype("float").fillna(-1).to_numpy().astype(np.int64)
        codes.append(c)
        levels.append(lv)
    missing = np.zeros(len(data), dtype=bool)
    flat = np.zeros(len(data), dtype=np.int64)
    for c, lv in zip(codes, levels, strict=True):
        missing |= c < 0
        flat = flat * len(lv) + np.where(c >= 0, c, 0)
    present = np.unique(flat[~missing])
    combos = list(itertools.product(*levels))
    names = [sep.join(_text(x) for x in combos[i]) for i in present]
    remap = np.full(len(combos), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    out_codes = np.where(missing, -1, remap[flat])
    return pd.Series(pd.Categorical.from_codes(out_codes, categories=names), index=data.index,
                     name=cross_name(variables))


def derived_frame(data: pd.DataFrame, columns: Mapping[str, Any], protected: Sequence[str]
                  ) -> pd.DataFrame:
    """``data`` with ``columns`` added or replaced (a copy; ``data.attrs`` kept).

    A value is an array or Series of one value per row (a Series is aligned on the index), a
    scalar, or a callable ``frame -> values`` (evaluated on ``data``).  ``protected`` columns
    (weights, strata, PSUs, fpc, calibration variables) cannot be replaced: the design was
    built on them.
    """
    frame = data.copy(deep=False)
    for name, value in columns.items():
        if name in protected:
            raise ArgumentError(
                f"update: {name!r} is a column the design was built on (weights, strata, "
                "clusters or fpc); build a new design to change it.")
        if isinstance(value, Callable):
            value = value(data)
        if isinstance(value, pd.Series):
            if not value.index.equals(data.index):
                raise ArgumentError(
                    f"update: column {name!r}: its index differs from the design data's; "
                    "give one value per row, in the design's row order (or aligned on its index).")
        elif np.ndim(value) > 0 and len(value) != len(data):
            raise ArgumentError(
                f"update: column {name!r} has {len(value)} values for {len(data)} rows.")
        frame[name] = value
    return frame
