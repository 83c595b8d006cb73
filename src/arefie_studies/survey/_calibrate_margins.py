"""Parsing and checking of calibration margins (population counts or shares).

A margin is given for one variable or a tuple of variables (cells such as sex × age):

* ``{"F": 5100, "M": 4900}`` — level -> count (or share);
* ``{("F", "16-17"): 410, ("F", "18-21"): 2300, ...}`` keyed by ``("sex", "age")``;
* a ``pandas.Series`` (MultiIndex for several variables);
* a ``pandas.DataFrame`` with one column per variable and one numeric column of totals.

Values summing to 1 are shares: they are scaled to the population total given by the count
margins, or to the weighted total of the design when every margin is a share. Levels are
matched on their text form (``2``, ``2.0`` and ``"2"`` are the same level).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MarginError

__all__ = ["Margin", "MarginError", "level_key", "parse_margins"]

_SHARE_TOL = 1e-6


def level_key(v: object) -> str:
    """Text form of a level used to match data values with margin keys."""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


@dataclass(frozen=True, eq=False)
class Margin:
    """One margin matched to the data.

    ``codes`` (n,) gives each row's level index into ``levels``; ``targets`` the population
    total of each level (after share scaling).
    """

    name: str
    variables: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    targets: np.ndarray
    codes: np.ndarray
    was_share: bool

    @property
    def total(self) -> float:
        return float(self.targets.sum())

    def level_labels(self) -> list[str]:
        return [" × ".join(lv) for lv in self.levels]

    def reached(self, w: np.ndarray) -> np.ndarray:
        """Weighted total of each level under weights ``w``."""
        return np.bincount(self.codes, weights=w, minlength=len(self.levels))


def _spec_items(variables: tuple[str, ...], spec: object, name: str) -> list[tuple[tuple, float]]:
    """(level tuple, value) pairs from a dict / Series / DataFrame margin."""
    k = len(variables)
    if isinstance(spec, pd.DataFrame):
        missing = [v for v in variables if v not in spec.columns]
        others = [c for c in spec.columns if c not in variables]
        if missing or len(others) != 1:
            raise MarginError(
                f"margin {name!r}: a DataFrame margin needs the columns {list(variables)} plus "
                f"exactly one column of totals; it has {list(spec.columns)}."
            )
        keys = list(spec[list(variables)].itertuples(index=False, name=None))
        vals = spec[others[0]].to_list()
        return list(zip(keys, vals, strict=True))
    if isinstance(spec, pd.Series):
        items = list(spec.items())
    elif isinstance(spec, Mapping):
        items = list(spec.items())
    else:
        raise MarginError(
            f"margin {name!r}: expected a dict {{level: total}}, a pandas Series or a DataFrame; "
            f"got {type(spec).__name__}."
        )
    out = []
    for key, val in items:
        tup = key if isinstance(key, tuple) else (key,)
        if len(tup) != k:
            raise MarginError(
                f"margin {name!r} is over {k} variable(s) {list(variables)} but its key {key!r} "
                f"has {len(tup)} part(s). Key cells of several variables by tuples, e.g. "
                "{('F', '16-17'): 410}."
            )
        out.append((tup, val))
    return out


CodesOf = Callable[[str], tuple[np.ndarray, list]]


def factorize_column(col: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) and levels of a column (categorical codes are reused)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniq)


def _row_codes(
    data: pd.DataFrame, variables: tuple[str, ...], name: str, codes_of: CodesOf | None
) -> tuple[np.ndarray, list[list[str]]]:
    """Joint integer code of the variables per row (mixed radix) and each variable's levels."""
    joint: np.ndarray | None = None
    uniques: list[list[str]] = []
    for var in variables:
        codes, raw_levels = codes_of(var) if codes_of is not None else factorize_column(data[var])
        if codes.min(initial=0) < 0:
            bad = codes < 0
            rows = data.index[bad][:5].tolist()
            raise MarginError(
                f"margin {name!r}: column {var!r} has {int(bad.sum())} missing value(s) "
                f"(first rows: {rows}). Impute or recode them (e.g. an 'unknown' level with its "
                "own target) before calibrating."
            )
        labels = [level_key(c) for c in raw_levels]
        # merge levels that share a text form (e.g. 2 and "2")
        uniq_labels, remap = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
        if len(uniq_labels) != len(labels) or not np.array_equal(remap.reshape(-1),
                                                                  np.arange(len(labels))):
            codes = remap.reshape(-1)[codes]
        uniques.append(list(uniq_labels))
        size = max(len(uniq_labels), 1)
        joint = codes if joint is None else joint * size + codes
    return joint, uniques


def parse_margin(
    data: pd.DataFrame,
    key: str | tuple[str, ...],
    spec: object,
    weights: np.ndarray,
    argument: str,
    codes_of: CodesOf | None = None,
) -> tuple[tuple[str, ...], list[tuple[str, ...]], np.ndarray, np.ndarray, str]:
    """Match one margin to the data: (variables, levels, raw values, row codes, name)."""
    variables = tuple(key) if isinstance(key, tuple) else (key,)
    name = " × ".join(variables)
    missing = [v for v in variables if v not in data.columns]
    if missing:
        avail = ", ".join(map(str, list(data.columns)[:30]))
        raise MarginError(
            f"{argument}: margin variable(s) {missing} are not columns of the data. "
            f"Available columns: {avail}."
        )
    items = _spec_items(variables, spec, name)
    if not items:
        raise MarginError(f"{argument}: margin {name!r} is empty.")
    levels = [tuple(level_key(p) for p in k) for k, _ in items]
    try:
        values = np.array([float(v) for _, v in items], dtype=float)
    except (TypeError, ValueError):
        raise MarginError(f"{argument}: margin {name!r} has non-numeric totals.") from None
    if not np.all(np.isfinite(values)) or (values < 0).any():
        bad = [lv for lv, v in zip(levels, values, strict=True) if not (np.isfinite(v) and v >= 0)]
        raise MarginError(
            f"{argument}: margin {name!r} has missing or negative totals for levels {bad}."
        )
    seen: dict[tuple[str, ...], int] = {}
    for i, lv in enumerate(levels):
        if lv in seen:
            raise MarginError(f"{argument}: margin {name!r} lists level {lv} twice.")
        seen[lv] = i

    joint, uniques = _row_codes(data, variables, name, codes_of)
    sizes = [max(len(u), 1) for u in uniques]
    # position of each (data) cell in the margin's level list
    ncell = int(np.prod(sizes))
    lookup = np.full(ncell, -1, dtype=np.int64)
    index_of = [{lab: j for j, lab in enumerate(u)} for u in uniques]
    absent_from_data = []
    for i, lv in enumerate(levels):
        pos = 0
        ok = True
        for part, idx, s in zip(lv, index_of, sizes, strict=True):
            j = idx.get(part)
            if j is None:
                ok = False
                break
            pos = pos * s + j
        if ok:
            lookup[pos] = i
        else:
            absent_from_data.append(i)
    codes = lookup[joint]
    active = weights > 0
    if codes.min(initial=0) < 0 and (unmatched := active & (codes < 0)).any():
        cells = np.unique(joint[unmatched])
        labs = []
        for c in cells[:10]:
            parts = []
            rest = int(c)
            for u, s in zip(reversed(uniques), reversed(sizes), strict=True):
                parts.append(u[rest % s])
                rest //= s
            labs.append(" × ".join(reversed(parts)))
        raise MarginError(
            f"{argument}: margin {name!r} gives no total for level(s) {labs} found in "
            f"{int(unmatched.sum())} row(s) of the sample. Margin levels: "
            f"{[' × '.join(lv) for lv in levels][:20]}. Add the missing level(s) to the margin."
        )
    codes = np.maximum(codes, 0)  # rows left unmatched have zero weight
    sample_tot = np.bincount(codes, weights=weights, minlength=len(levels))
    no_resp = [i for i in range(len(levels)) if sample_tot[i] <= 0 and values[i] > 0]
    if no_resp:
        labs = [f"{' × '.join(levels[i])} (target {values[i]:.6g})" for i in no_resp]
        raise MarginError(
            f"{argument}: margin {name!r} has level(s) with no respondent in the sample: "
            f"{', '.join(labs)}. No weight can reach them: merge them with a neighbouring "
            "level or drop them from the margin (and from the population total)."
        )
    zero_pop = [i for i in range(len(levels)) if values[i] == 0 and sample_tot[i] > 0]
    if zero_pop:
        labs = [" × ".join(levels[i]) for i in zero_pop]
        raise MarginError(
            f"{argument}: margin {name!r} gives a zero total to level(s) {labs} that have "
            "respondents. Remove those respondents with subset() or give a positive total."
        )
    return variables, levels, values, codes, name


def parse_margins(
    data: pd.DataFrame,
    margins: Mapping,
    weights: np.ndarray,
    *,
    argument: str = "margins",
    rel_tol: float = 1e-6,
    codes_of: CodesOf | None = None,
) -> list[Margin]:
    """Parse every margin, scale shares and check that the margin totals agree.

    Raises :class:`MarginError` naming the margin and the gap when totals disagree by more
    than ``rel_tol`` (relative).
    """
    if not isinstance(margins, Mapping) or not margins:
        raise MarginError(
            f"{argument} must be a non-empty dict {{variable: {{level: total}}}}; got "
            f"{margins!r}."
        )
    parsed = [parse_margin(data, k, v, weights, argument, codes_of) for k, v in margins.items()]
    is_share = [abs(vals.sum() - 1.0) < _SHARE_TOL for _, _, vals, _, _ in parsed]
    count_totals = [(p[4], p[2].sum()) for p, s in zip(parsed, is_share, strict=True) if not s]
    if count_totals:
        ref_name, ref_total = count_totals[0]
        for nm, tot in count_totals[1:]:
            if abs(tot - ref_total) > rel_tol * abs(ref_total):
                raise MarginError(
                    f"{argument}: margin totals disagree: {ref_name!r} sums to {ref_total:.10g} "
                    f"but {nm!r} sums to {tot:.10g} (difference {tot - ref_total:.6g}, "
                    f"{(tot - ref_total) / ref_total:.3%}). Every margin must describe the "
                    "same population; fix the counts or give shares."
                )
    else:
        ref_total = float(weights.sum())
    out = []
    for (variables, levels, values, codes, name), share in zip(parsed, is_share, strict=True):
        keep = values > 0
        targets = values * ref_total if share else values
        # levels with a zero total and no respondent are dropped (survey::postStratify)
        if not keep.all():
            new_index = np.cumsum(keep) - 1
            codes = np.where(codes >= 0, new_index[np.maximum(codes, 0)], -1)
            levels = [lv for lv, k in zip(levels, keep, strict=True) if k]
            targets = targets[keep]
        out.append(
            Margin(
                name=name,
                variables=variables,
                levels=tuple(levels),
                targets=np.asarray(targets, dtype=float),
                codes=codes,
                was_share=share,
            )
        )
    return out
