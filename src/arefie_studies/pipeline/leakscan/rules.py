"""A study's scan rules from its config: threshold, identifying values, their shapes, the inputs'
column names.

Identifying columns: ``inputs.<name>.identifiers``, ``pseudonymise``, ``drop``, ``birth_dates`` and
the codebook's ``id_columns``.  Their values are searched as whole tokens (values shorter than 3
characters and numbers shorter than 6 digits are not: they would match ordinary counts); dates as
``2003-04-12`` and ``12/04/2003``.  When at least 95 % of a column's values share one shape — a
literal prefix, fixed-length digit groups and separators (``BJ2018-000001`` → ``BJ\\d{4}-\\d{6}``), or
fixed-length hex (``46fbf8120020f21f``) — that shape is searched too, so an identifier that is not
in the current data (another wave, a typo) is still found.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from arefie_studies.pipeline.leakscan.model import ScanRules

__all__ = ["MIN_MICRODATA_ROWS", "identifier_shape", "rules_for_study"]

#: Inputs smaller than this (e.g. the survey of the 42 ML) are too small for the row-count test:
#: a long banner table could have as many rows.  Their identifying columns are still checked.
MIN_MICRODATA_ROWS = 100

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _searchable(value: str) -> bool:
    value = value.strip()
    if len(value) < 3:
        return False
    return not (value.isdigit() and len(value) < 6)


def _date_forms(value: str) -> set[str]:
    """A value, plus its other date spelling when it is a date (ISO <-> dd/mm/yyyy)."""
    if m := _ISO.match(value):
        return {value, f"{m[3]}/{m[2]}/{m[1]}"}
    if m := _FR.match(value):
        return {value, f"{m[3]}-{m[2]}-{m[1]}"}
    return {value}


def _value_strings(series) -> set[str]:
    import pandas as pd

    s = series.dropna()
    if pd.api.types.is_datetime64_any_dtype(s):
        return set(s.dt.strftime("%Y-%m-%d")) | set(s.dt.strftime("%d/%m/%Y"))
    out: set[str] = set()
    for v in s.unique():
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if hasattr(v, "strftime"):
            out.update({v.strftime("%Y-%m-%d"), v.strftime("%d/%m/%Y")})
        else:
            out |= _date_forms(str(v).strip())
    return out


_DATE_SHAPE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})$")
_SHAPE_PART = re.compile(r"[A-Za-z]+|\d+|[-_./]")
_EDGE_L, _EDGE_R = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"


def _shape(value: str) -> str | None:
    if re.fullmatch(r"[0-9a-f]{12,}", value) and re.search(r"[a-f]", value) and re.search(r"\d", value):
        return f"hex{len(value)}"
    parts = _SHAPE_PART.findall(value)
    if "".join(parts) != value:
        return None
    return "".join(re.escape(p) if not p.isdigit() else rf"\d{{{len(p)}}}" for p in parts)


def identifier_shape(values) -> str | None:
    """A regular expression matching the shape shared by ≥ 95 % of ``values``, or None when they
    share none or the shape is too plain (no 4-digit group, or no letter or separator: a bare
    number would match ordinary figures)."""
    values = [str(v) for v in values if str(v).strip()]
    if len(values) < 20:
        return None
    shape, n = Counter(_shape(v) for v in values).most_common(1)[0]
    if shape is None or n < 0.95 * len(values):
        return None
    if shape.startswith("hex"):
        k = int(shape[3:])
        return (_EDGE_L + r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{" + str(k) + "}" + _EDGE_R)
    sample = next(v for v in values if _shape(v) == shape)
    if not re.search(r"\d{4}", sample) or sample.isdigit() or _DATE_SHAPE.match(sample):
        return None  # no 4-digit group, a bare number or a date: would match ordinary figures
    return _EDGE_L + shape + _EDGE_R


def rules_for_study(config, root: Path, *, row_level_rows: int = 5, row_level_signals: int = 2
                    ) -> ScanRules:
    """Scan rules of one study: its threshold, the identifying values and shapes of its inputs, the
    inputs' column names; ``row_level_rows`` / ``row_level_signals`` tune the row-level test."""
    from arefie_studies.project.inputs import declared_codebook, read_input

    values: set[str] = set()
    columns: set[str] = set()
    patterns: list[str] = []
    names: set[str] = set()
    rows: list[int] = []
    for spec in config.inputs.values():
        ident = set(spec.identifying_columns)
        declared = declared_codebook(spec, root) if spec.codebook else None
        if declared is not None:
            ident |= set(declared.id_columns)
        columns |= ident
        if not ident or not (root / spec.path).is_file():
            continue
        df, _ = read_input(spec, root)
        if len(df) >= MIN_MICRODATA_ROWS:
            rows.append(len(df))
            names |= {str(c) for c in df.columns}
        for col in ident & set(map(str, df.columns)):
            col_values = _value_strings(df[col])
            values |= {v for v in col_values if _searchable(v)}
            shape = identifier_shape(df[col].dropna().astype(str).unique()[:5000])
            if shape and shape not in patterns:
                patterns.append(shape)
    return ScanRules(
        threshold=config.disclosure_threshold,
        identifier_values=frozenset(values),
        identifier_columns=frozenset(c.casefold() for c in columns),
        microdata_rows=min(rows) if rows else None,
        identifier_patterns=tuple(patterns),
        microdata_columns=frozenset(c.casefold() for c in names),
        row_level_rows=row_level_rows,
        row_level_signals=row_level_signals,
    )
