"""Writers used by the synthetic generators: labelled SPSS ``.sav`` and Parquet with an embedded codebook.

Both writers are deterministic: the same frame gives byte-identical files. ReadStat stamps the
creation date and time into the ``.sav`` header (bytes 92–108); we overwrite them with a fixed
stamp. Parquet written by pyarrow carries no timestamp; the codebook travels as JSON in the schema's
key-value metadata under ``arefie.codebook`` and is read back by :func:`read_data`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from arefie_studies.io.codebook import Codebook, Variable, codebook_from_frame

#: Offset and fixed value of the creation date/time in a .sav header ("dd Mon yyhh:mm:ss").
_SAV_STAMP_OFFSET = 92
_SAV_FIXED_STAMP = b"01 Jan 2400:00:00"
PARQUET_CODEBOOK_KEY = b"arefie.codebook"


def _categorical_to_codes(
    s: pd.Series, labels: Mapping[Any, str] | None
) -> tuple[pd.Series, dict[Any, str]]:
    """Categorical → numeric codes: via given labels (label → code), else 1..k in category order."""
    cats = list(s.cat.categories)
    if labels:
        inverse = {lab: code for code, lab in labels.items()}
        missing = [c for c in cats if c not in inverse]
        if missing:
            raise ValueError(
                f"write_sav: column '{s.name}' has categories {missing} without a code in "
                f"value_labels; declared labels: {list(inverse)}."
            )
        mapping = {c: inverse[c] for c in cats}
        out_labels = dict(labels)
    else:
        mapping = {c: i + 1 for i, c in enumerate(cats)}
        out_labels = {i + 1: str(c) for i, c in enumerate(cats)}
    codes = np.array([mapping[c] for c in cats], dtype=float)
    values = np.where(s.cat.codes.to_numpy() >= 0, codes[np.maximum(s.cat.codes.to_numpy(), 0)], np.nan)
    return pd.Series(values, index=s.index, name=s.name), out_labels


def _fix_sav_stamp(path: Path) -> None:
    with open(path, "r+b") as fh:
        head = fh.read(4)
        if head not in (b"$FL2", b"$FL3"):
            return
        fh.seek(_SAV_STAMP_OFFSET)
        fh.write(_SAV_FIXED_STAMP)


def write_sav(
    df: pd.DataFrame,
    path: str | Path,
    variable_labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    missing_ranges: Mapping[str, Sequence[Any]] | None = None,
    measure: Mapping[str, str] | None = None,
    *,
    file_label: str = "",
    compress: bool | None = None,
    row_compress: bool = True,
) -> Path:
    """Write a labelled SPSS file (``.sav``, or ``.zsav`` when the suffix says so or ``compress``).

    Categorical columns are written as numeric codes with their labels (codes from
    ``value_labels`` when given, else 1..k in category order). ``missing_ranges`` maps a column to
    user-missing codes: discrete values and/or ``{"lo": a, "hi": b}`` (pyreadstat's form).
    ``measure`` maps columns to ``nominal | ordinal | scale``; categoricals default to ordinal when
    ordered. ``row_compress`` uses SPSS bytecode compression (.sav). Variable labels default to ``df.attrs["variable_labels"]``. The header's creation
    stamp is fixed so that equal frames give byte-identical files.
    """
    path = Path(path)
    variable_labels = dict(variable_labels if variable_labels is not None
                           else df.attrs.get("variable_labels", {}) or {})
    value_labels = {k: dict(v) for k, v in (value_labels or {}).items()}
    measure = dict(measure or {})
    out = {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes, labs = _categorical_to_codes(s, value_labels.get(col))
            value_labels[col] = labs
            measure.setdefault(col, "ordinal" if s.cat.ordered else "nominal")
            out[col] = codes
        elif pd.api.types.is_bool_dtype(s) or (
                pd.api.types.is_extension_array_dtype(s.dtype) and pd.api.types.is_numeric_dtype(s)):
            out[col] = s.astype("float64")
        else:
            out[col] = s
    frame = pd.DataFrame(out, index=df.index)
    for col in frame.columns:
        if col not in measure and pd.api.types.is_numeric_dtype(frame[col]):
            measure[col] = "nominal" if col in value_labels else "scale"
    labels = {c: variable_labels.get(c) for c in frame.columns}
    if compress is None:
        compress = path.suffix.lower() == ".zsav"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pyreadstat.write_sav(
        frame, str(tmp), file_label=file_label, column_labels=labels, compress=compress,
        row_compress=bool(row_compress and not compress),
        variable_value_labels=value_labels or None,
        missing_ranges={k: list(v) for k, v in (missing_ranges or {}).items()} or None,
        variable_measure=measure or None,
    )
    _fix_sav_stamp(tmp)
    os.replace(tmp, path)
    return path


def parquet_table(df: pd.DataFrame, codebook: Codebook | None = None) -> pa.Table:
    """The Arrow table :func:`write_parquet` writes (codebook as JSON metadata): also used to
    append chunks of a large table with a ``pyarrow.parquet.ParquetWriter``."""
    if codebook is None:
        codebook = codebook_from_frame(df)
    cols = {}
    for col in df.columns:
        s = df[col]
        var: Variable | None = codebook.variables.get(col)
        if isinstance(s.dtype, pd.CategoricalDtype):
            labs = var.value_labels if var is not None else {}
            if labs and all(not isinstance(k, str) for k in labs):
                inverse = {lab: code for code, lab in labs.items()}
                codes = np.array([inverse[c] for c in s.cat.categories], dtype="int64")
                raw = s.cat.codes.to_numpy()
                cols[col] = pd.array(np.where(raw >= 0, codes[np.maximum(raw, 0)], 0), dtype="Int16")
                cols[col][raw < 0] = pd.NA
            else:
                cols[col] = s.astype("string")
        else:
            cols[col] = s
    frame = pd.DataFrame(cols, index=df.index).reset_index(drop=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.pop(b"pandas", None)  # pandas metadata is not needed (types are in the codebook)
    meta[PARQUET_CODEBOOK_KEY] = codebook.to_json().encode("utf-8")
    table = table.replace_schema_metadata(meta)
    return table


def write_parquet(df: pd.DataFrame, path: str | Path, codebook: Codebook | None = None,
                  *, compression: str = "zstd") -> Path:
    """Write Parquet with the codebook embedded as JSON metadata (deterministic, no timestamps).

    Categorical columns with numeric codes in the codebook are written as those integer codes;
    other categoricals are written as their (dictionary-encoded) string labels.
    """
    path = Path(path)
    table = parquet_table(df, codebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression=compression, use_dictionary=True,
                   write_statistics=True)
    os.replace(tmp, path)
    return path
