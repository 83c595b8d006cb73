"""Validation of a frame against a study's declared codebook; every problem reported at once.

Checks: empty file; missing (required) columns; wrong storage type (text in a numeric variable,
anything but dates/times in a ``date``/``datetime``/``time`` variable); codes without a declared label;
values outside the declared range; identifiers missing or duplicated; weights missing,
non-positive or entirely missing; text that was decoded with the wrong encoding (mojibake such as
``Ã©`` for ``é``, or the U+FFFD replacement character). Each :class:`Problem` names the variable and
the first offending rows (0-based positions), and :class:`DataValidationError` names the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook, Variable
from arefie_studies.io.errors import DataValidationError, Problem

_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Â[\u00a0-\u00bf]|â€|\ufffd")


def _first(mask: np.ndarray | pd.Series, k: int) -> tuple[int, ...]:
    pos = np.flatnonzero(np.asarray(mask, dtype=bool))
    return tuple(int(i) for i in pos[:k])


def _fmt_values(values: Sequence[object], k: int = 8) -> str:
    vals = [f"{v:g}" if isinstance(v, float) else repr(v) if isinstance(v, str) else str(v)
            for v in list(values)[:k]]
    more = f" … ({len(values)} in all)" if len(values) > k else ""
    return ", ".join(vals) + more


def _check_codes(var: Variable, s: pd.Series, k: int) -> list[Problem]:
    labels = var.valid_labels
    if not labels:
        return []
    allowed_labels = set(labels.values())
    if isinstance(s.dtype, pd.CategoricalDtype):
        extra = [c for c in s.cat.categories if c not in allowed_labels and c not in labels]
        if not extra:
            return []
        mask = s.isin(extra).to_numpy()
        if not mask.any():
            return []
        present = [c for c in extra if (s == c).any()]
        return [Problem("unexpected_code", var.name,
                        f"labels {_fmt_values(present)} are not declared; allowed: "
                        f"{_fmt_values(list(allowed_labels), 12)}", _first(mask, k))]
    missing = set(var.missing_codes)
    valid = s.notna() & ~s.isin(list(labels)) & ~s.isin(list(allowed_labels)) & ~s.isin(list(missing))
    if var.missing_range is not None and pd.api.types.is_numeric_dtype(s):
        valid &= ~s.between(*var.missing_range)
    if not valid.any():
        return []
    bad = pd.unique(s[valid])
    allowed = ", ".join(f"{c}={lab}" for c, lab in list(labels.items())[:12])
    return [Problem("unexpected_code", var.name,
                    f"codes {_fmt_values(sorted(bad, key=str))} have no declared label; allowed: {allowed}",
                    _first(valid, k))]


def _check_type(var: Variable, s: pd.Series, k: int) -> tuple[list[Problem], pd.Series]:
    """Numeric variables stored as text: report the rows that are not numbers; return a numeric view."""
    if var.type != "numeric" or isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(s):
        return [], s
    num = pd.to_numeric(s, errors="coerce")
    if var.value_labels:  # labelled: text values are checked against the labels by _check_codes
        return [], s
    bad = s.notna() & num.isna()
    if not bad.any():
        return [], num
    examples = pd.unique(s[bad])
    return [Problem("wrong_type", var.name,
                    f"declared numeric but holds text values {_fmt_values(list(examples))}",
                    _first(bad, k))], num


def _not_temporal(kind: str, values: pd.Series) -> np.ndarray:
    """Mask of the non-missing values that are not a ``date``/``datetime``/``time``: Python date,
    datetime and time objects pass, and text that parses as ISO 8601 (``2024-03-01``,
    ``2024-03-01 08:30``, ``08:30:00``)."""
    import datetime as dt

    ok_types: tuple[type, ...] = (dt.time,) if kind == "time" else (dt.date, pd.Timestamp, np.datetime64)
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or isinstance(v, ok_types):
            continue
        if isinstance(v, str):
            text = v.strip()
            try:
                if kind == "time":
                    dt.time.fromisoformat(text)
                else:
                    dt.datetime.fromisoformat(text)
                continue
            except ValueError:
                pass
        out[i] = True
    return out


def _check_temporal(var: Variable, s: pd.Series, k: int) -> list[Problem]:
    """Declared ``date``/``datetime``/``time`` variables must hold such values (a Parquet or CSV
    column of text such as ``'x'`` is reported with its rows)."""
    if var.type not in ("date", "datetime", "time") or pd.api.types.is_datetime64_any_dtype(s):
        return []
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(s):
        if s.notna().any():
            return [Problem("wrong_type", var.name,
                            f"declared {var.type} but holds {'labels' if isinstance(s.dtype, pd.CategoricalDtype) else 'numbers'} "
                            f"{_fmt_values(list(pd.unique(s.dropna()))[:5])}", _first(s.notna(), k))]
        return []
    bad = _not_temporal(var.type, s)
    if not bad.any():
        return []
    return [Problem("wrong_type", var.name,
                    f"declared {var.type} but holds values that are not a {var.type} (ISO 8601 "
                    f"expected): {_fmt_values(list(pd.unique(s[bad])))}", _first(bad, k))]


def _check_range(var: Variable, s: pd.Series, k: int) -> list[Problem]:
    if var.range is None or isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(s):
        return []
    lo, hi = var.range
    bad = s.notna() & ((s < lo) | (s > hi))
    if not bad.any():
        return []
    vals = s[bad]
    return [Problem("out_of_range", var.name,
                    f"{int(bad.sum())} value(s) outside [{lo:g}, {hi:g}] (min {vals.min():g}, "
                    f"max {vals.max():g})", _first(bad, k))]


def _check_weight(var: Variable, s: pd.Series, k: int) -> list[Problem]:
    num = pd.to_numeric(s, errors="coerce") if not isinstance(s.dtype, pd.CategoricalDtype) else None
    if num is None:
        return [Problem("wrong_type", var.name, "weight variable is categorical, expected numbers")]
    if num.isna().all():
        return [Problem("all_missing", var.name,
                        "the weight is missing for every row; cannot estimate anything",
                        _first(num.isna(), k))]
    out = []
    if num.isna().any():
        out.append(Problem("missing_weight", var.name,
                           f"{int(num.isna().sum())} row(s) have no weight", _first(num.isna(), k)))
    nonpos = num <= 0
    if nonpos.any():
        out.append(Problem("nonpositive_weight", var.name,
                           f"{int(nonpos.sum())} weight(s) are zero or negative", _first(nonpos, k)))
    return out


def _check_encoding(name: str, s: pd.Series, k: int) -> list[Problem]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [c for c in s.cat.categories if isinstance(c, str) and _MOJIBAKE.search(c)]
        if not cats:
            return []
        return [Problem("wrong_encoding", name,
                        f"labels {_fmt_values(cats)} look mis-decoded (UTF-8 read as Latin-1 or the "
                        "reverse); re-read with the right encoding=", _first(s.isin(cats), k))]
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return []
    text = s.dropna().astype(str)
    if text.empty:
        return []
    hit = text.str.contains(_MOJIBAKE, regex=True)
    if not hit.any():
        return []
    mask = pd.Series(False, index=s.index)
    mask.loc[hit[hit].index] = True
    return [Problem("wrong_encoding", name,
                    f"text values {_fmt_values(list(pd.unique(text[hit]))[:3])} look mis-decoded "
                    "(UTF-8 read as Latin-1 or the reverse); re-read with the right encoding=",
                    _first(mask.to_numpy(), k))]


def validate_frame(
    df: pd.DataFrame,
    codebook: Codebook,
    source: str | Path | None = None,
    id_columns: Sequence[str] | None = None,
    *,
    max_rows: int = 5,
) -> pd.DataFrame:
    """Check ``df`` against ``codebook``; raise :class:`DataValidationError` listing ALL problems.

    ``id_columns`` defaults to the codebook's ``id_columns``. Returns ``df`` unchanged when valid,
    so it can be chained: ``df = validate_frame(*read_data(p), source=p)``.
    """
    source = source if source is not None else df.attrs.get("source")
    ids = list(id_columns) if id_columns is not None else list(codebook.id_columns)
    problems: list[Problem] = []
    if len(df) == 0:
        problems.append(Problem("empty_file", None, "the file has no rows (only a header or nothing)"))
    available = ", ".join(map(str, df.columns[:30])) + (" …" if len(df.columns) > 30 else "")
    for var in codebook:
        if var.name not in df.columns and (var.required or var.name in ids):
            problems.append(Problem(
                "missing_column", var.name,
                f"declared in codebook '{codebook.dataset or codebook.source}' but absent from the "
                f"file; available: {available or '(no columns)'}"))
    if len(df):
        for var in codebook:
            if var.name not in df.columns:
                continue
            s = df[var.name]
            type_problems, s_num = _check_type(var, s, max_rows)
            type_problems += _check_temporal(var, s, max_rows)
            problems += type_problems
            if var.role == "weight":
                problems += _check_weight(var, s, max_rows)
            problems += _check_codes(var, s_num if not type_problems else s, max_rows)
            problems += _check_range(var, s_num, max_rows)
        for col in df.columns:
            problems += _check_encoding(str(col), df[col], max_rows)
        for col in ids:
            if col not in df.columns:
                if col not in codebook:
                    problems.append(Problem("missing_column", col,
                                            f"identifier column absent; available: {available}"))
                continue
            s = df[col]
            if s.isna().any():
                problems.append(Problem("missing_id", col, f"{int(s.isna().sum())} row(s) have no identifier",
                                        _first(s.isna(), max_rows)))
            dup = s.duplicated(keep=False) & s.notna()
            if dup.any():
                values = pd.unique(s[dup])
                problems.append(Problem(
                    "duplicated_id", col,
                    f"{len(values)} identifier(s) appear more than once: {_fmt_values(list(values), 5)}",
                    _first(dup, max_rows)))
    if problems:
        raise DataValidationError(source, problems)
    return df
