"""``read_data``: one entry point for every data file a study receives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from arefie_studies.io import _formats
from arefie_studies.io.codebook import Codebook, Variable
from arefie_studies.io.errors import DataReadError
from arefie_studies.io.pseudo import pseudonymise as _pseudonymise


def read_data(
    path: str | Path,
    *,
    pseudonymise: Sequence[str] = (),
    drop: Sequence[str] = (),
    birth_dates: Sequence[str] = (),
    encoding: str | None = None,
    sheet: str | int = 0,
    codebook: Codebook | None = None,
    key_env: str = "AREFIE_PSEUDO_KEY",
) -> tuple[pd.DataFrame, Codebook]:
    """Read ``.sav .zsav .dta .sas7bdat .xpt .csv .xlsx .parquet`` into pandas plus its codebook.

    - value labels become ordered ``Categorical`` columns (categories = labels, in code order);
    - user-missing codes (SPSS discrete values/ranges, Stata extended missing) become NaN;
    - variable labels go to the codebook and to ``df.attrs["variable_labels"]``;
      ``df.attrs["source"]`` is the path;
    - ``codebook`` (e.g. a study's YAML) supplies labels for files that carry none (CSV, Excel,
      bare Parquet): its value labels turn coded columns into categoricals;
    - ``pseudonymise`` columns are replaced by keyed HMAC-SHA256 pseudonyms, ``birth_dates`` are
      reduced to the year, and ``drop`` columns are removed, before anything else sees them.

    Raises :class:`DataReadError` (naming the file) for a missing, empty, truncated, undecodable
    or wrongly named file.
    """
    path = Path(path)
    ext = "".join(path.suffixes[-1:]).lower()
    if ext not in _formats.SUPPORTED:
        raise DataReadError(
            path, f"unsupported extension '{ext or '(none)'}'",
            f"supported formats: {', '.join(_formats.SUPPORTED)}",
        )
    if not path.exists():
        siblings = sorted(p.name for p in path.parent.glob("*"))[:10] if path.parent.exists() else []
        raise DataReadError(path, "the file does not exist",
                            f"files in {path.parent}: {', '.join(siblings) or '(none)'}")
    _formats.check_signature(path, ext)
    if ext in (".sav", ".zsav", ".dta", ".sas7bdat", ".xpt"):
        df, cb = _formats.read_stat(path, ext, encoding)
    elif ext == ".csv":
        df, cb = _formats.read_csv(path, encoding)
    elif ext == ".xlsx":
        df, cb = _formats.read_xlsx(path, sheet)
    else:
        df, cb = _formats.read_parquet(path)

    if codebook is not None:
        cb = _merge_declared(cb, codebook)
        df = _formats._blank_user_missing(df, cb)
    unknown = [c for c in [*pseudonymise, *drop, *birth_dates] if c not in df.columns]
    if unknown:
        raise DataReadError(path, f"columns {unknown} named in pseudonymise/drop/birth_dates are absent",
                            f"available columns: {', '.join(map(str, df.columns))}")
    df = _formats.apply_value_labels(df, cb)
    df.attrs["variable_labels"] = {v.name: v.label for v in cb if v.label}
    if pseudonymise or birth_dates:
        df = _pseudonymise(df, list(pseudonymise), key_env=key_env, birth_dates=list(birth_dates))
    if drop:
        df = df.drop(columns=list(drop))
    df.attrs["variable_labels"] = {k: v for k, v in df.attrs["variable_labels"].items() if k in df.columns}
    df.attrs["source"] = str(path)

    variables = {}
    for col in df.columns:
        var = cb.variables[col]
        label = df.attrs["variable_labels"].get(col, var.label)
        variables[col] = Variable(**{**var.__dict__, "label": label, "n_valid": int(df[col].notna().sum())})
    cb = cb.with_variables(variables)
    cb.source = str(path)
    if codebook is not None:
        cb.dataset, cb.id_columns = codebook.dataset, [c for c in codebook.id_columns if c in df.columns]
        cb.description = cb.description or codebook.description
    return df, cb


def _merge_declared(found: Codebook, declared: Codebook) -> Codebook:
    """File metadata wins; the declared codebook fills labels the file does not carry."""
    merged = {}
    for name, var in found.variables.items():
        d = declared.variables.get(name)
        if d is None:
            merged[name] = var
            continue
        merged[name] = Variable(**{
            **var.__dict__,
            "label": var.label or d.label,
            "value_labels": var.value_labels or d.value_labels,
            "missing_codes": var.missing_codes or d.missing_codes,
            "missing_range": var.missing_range or d.missing_range,
            "measure": var.measure or d.measure,
            "range": d.range, "role": d.role, "required": d.required,
        })
    return found.with_variables(merged)
