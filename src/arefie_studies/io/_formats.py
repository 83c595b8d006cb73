"""Format detection and the raw readers behind :func:`arefie_studies.io.read_data`.

Each raw reader returns ``(frame, codebook)`` where the frame still holds the stored codes
(user-missing codes already set to NaN) and the codebook carries what the file says about them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook, Variable, codebook_from_frame
from arefie_studies.io.errors import CodebookError, DataReadError

SUPPORTED = (".sav", ".zsav", ".dta", ".sas7bdat", ".xpt", ".csv", ".xlsx", ".parquet")

_FORMAT_NAMES = {
    ".sav": "SPSS .sav", ".zsav": "SPSS compressed .zsav", ".dta": "Stata .dta",
    ".sas7bdat": "SAS .sas7bdat", ".xpt": "SAS transport .xpt", ".csv": "CSV text",
    ".xlsx": "Excel .xlsx", ".parquet": "Parquet",
}
_SAS7BDAT_MAGIC = bytes.fromhex("000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011")


def sniff_format(head: bytes) -> str | None:
    """Guess a file's real format from its first bytes (None when unknown / plain text)."""
    if head[:4] == b"$FL2":
        return ".sav"
    if head[:4] == b"$FL3":
        return ".zsav"
    if head[:4] == b"PAR1":
        return ".parquet"
    if head[:4] == b"PK\x03\x04":
        return ".xlsx"
    if head[:11] == b"<stata_dta>" or (len(head) > 1 and head[0] in (0x71, 0x72, 0x73) and head[1] in (1, 2)):
        return ".dta"
    if head[:32] == _SAS7BDAT_MAGIC:
        return ".sas7bdat"
    if head.startswith(b"HEADER RECORD*******LIB"):
        return ".xpt"
    if b"\x00" not in head[:512]:
        return ".csv"
    return None


def check_signature(path: Path, ext: str) -> None:
    """Raise DataReadError when the file is empty or its bytes do not match its extension."""
    size = path.stat().st_size
    if size == 0:
        raise DataReadError(path, "the file is empty (0 bytes)",
                            "the export probably failed; re-export it from the source tool")
    with open(path, "rb") as fh:
        head = fh.read(512)
    actual = sniff_format(head)
    expected = {".zsav": (".sav", ".zsav"), ".sav": (".sav", ".zsav")}.get(ext, (ext,))
    if actual is not None and actual not in expected:
        raise DataReadError(
            path,
            f"wrong extension: the name says {_FORMAT_NAMES[ext]} but the content looks like "
            f"{_FORMAT_NAMES.get(actual, actual)}",
            f"rename the file with the '{actual}' extension or re-export it as {_FORMAT_NAMES[ext]}",
        )
    if actual is None and ext in (".csv",):
        raise DataReadError(path, "the file is binary, not CSV text",
                            "check the extension (is it an .xlsx or .sav?)")


def _meta_to_codebook(meta: Any, df: pd.DataFrame, source: str) -> Codebook:
    """pyreadstat metadata → Codebook (labels, value labels, missing codes, measure)."""
    variables = {}
    missing_ranges = getattr(meta, "missing_ranges", {}) or {}
    missing_user = getattr(meta, "missing_user_values", {}) or {}
    measures = getattr(meta, "variable_measure", {}) or {}
    types = getattr(meta, "readstat_variable_types", {}) or {}
    formats = getattr(meta, "original_variable_types", {}) or {}
    for col in df.columns:
        codes: list[Any] = []
        mrange = None
        for r in missing_ranges.get(col, []):
            lo, hi = r["lo"], r["hi"]
            if lo == hi:
                codes.append(lo)
            else:
                mrange = (lo, hi)
        codes += list(missing_user.get(col, []))
        fmt = str(formats.get(col, "")).upper()
        if types.get(col) == "string":
            typ = "string"
        elif pd.api.types.is_datetime64_any_dtype(df[col]) or fmt.startswith(("DATETIME", "TIME")):
            typ = "datetime" if "TIME" in fmt else "date"
        elif fmt.startswith(("DATE", "ADATE", "EDATE", "SDATE", "%TD", "YYMMDD", "DDMMYY")):
            typ = "date"
        else:
            typ = "numeric"
        measure = measures.get(col)
        variables[col] = Variable(
            name=col, label=meta.column_names_to_labels.get(col), type=typ,
            value_labels=dict(meta.variable_value_labels.get(col, {})),
            missing_codes=codes, missing_range=mrange,
            measure=measure if measure in ("nominal", "ordinal", "scale") else None,
        )
    label = getattr(meta, "file_label", None) or None
    return Codebook(variables=variables, description=label, source=source)


def _blank_user_missing(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Set user-missing codes (discrete values and ranges) to NaN, vectorised per column."""
    out = {}
    for col in df.columns:
        var = cb.variables[col]
        s = df[col]
        if not var.missing_codes and var.missing_range is None:
            continue
        mask = s.isin(var.missing_codes) if var.missing_codes else pd.Series(False, index=s.index)
        if var.missing_range is not None and pd.api.types.is_numeric_dtype(s):
            mask |= s.between(*var.missing_range)
        if mask.any():
            out[col] = s.mask(mask)
    if out:
        df = df.assign(**out)
    return df


def read_stat(path: Path, ext: str, encoding: str | None) -> tuple[pd.DataFrame, Codebook]:
    """SPSS / Stata / SAS via pyreadstat, keeping user-missing codes in the codebook."""
    import pyreadstat

    kwargs: dict[str, Any] = {}
    if ext in (".sav", ".zsav"):
        reader, kwargs = pyreadstat.read_sav, {"user_missing": True}
    elif ext == ".dta":
        reader, kwargs = pyreadstat.read_dta, {"user_missing": True}
    elif ext == ".sas7bdat":
        reader = pyreadstat.read_sas7bdat
    else:
        reader = pyreadstat.read_xport
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        df, meta = reader(str(path), **kwargs)
    except Exception as exc:  # pyreadstat raises ReadstatError / PyreadstatError with terse texts
        text = str(exc)
        low = text.lower()
        if "encoding" in low or "convert" in low or "invalid byte" in low or "iconv" in low:
            raise DataReadError(
                path, f"wrong encoding: the text in the file cannot be decoded ({text.strip()})",
                "pass encoding='latin1' (ISO-8859-1) or encoding='cp1252' to read_data",
            ) from None
        raise DataReadError(
            path,
            f"the {_FORMAT_NAMES[ext]} file is damaged or truncated ({text.strip() or type(exc).__name__})",
            "re-export the file from the source tool and check the transfer completed",
        ) from None
    cb = _meta_to_codebook(meta, df, str(path))
    if ext == ".dta":  # Stata extended missing values come back as NaN already; codes stay labelled
        cb = cb.with_variables({
            n: Variable(**{**v.__dict__, "missing_codes": [c for c in v.missing_codes
                                                          if not isinstance(c, str)]})
            for n, v in cb.variables.items()
        })
    return _blank_user_missing(df, cb), cb


def read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Codebook]:
    """CSV with the delimiter sniffed (``;`` files use a decimal comma, as French exports do)."""
    enc = encoding or "utf-8-sig"
    try:
        with open(path, encoding=enc, newline="") as fh:
            sample = fh.read(20000)
    except UnicodeDecodeError as exc:
        raise DataReadError(
            path, f"wrong encoding: the file is not valid {enc.upper()} (byte {exc.start})",
            "pass encoding='latin1' or encoding='cp1252' to read_data",
        ) from None
    try:
        sep = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t|").delimiter
    except csv.Error:
        sep = ","
    try:
        df = pd.read_csv(path, sep=sep, encoding=enc, decimal="," if sep == ";" else ".",
                         low_memory=False)
    except UnicodeDecodeError as exc:
        raise DataReadError(
            path, f"wrong encoding: the file is not valid {enc.upper()} (byte {exc.start})",
            "pass encoding='latin1' or encoding='cp1252' to read_data",
        ) from None
    except pd.errors.EmptyDataError:
        raise DataReadError(path, "the file has no header and no rows",
                            "re-export the table with its column names") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataReadError(path, f"the CSV is malformed ({str(exc).splitlines()[0]})",
                            "check the delimiter and quoting of the export") from None
    return df, codebook_from_frame(df, source=str(path))


def read_xlsx(path: Path, sheet: str | int) -> tuple[pd.DataFrame, Codebook]:
    try:
        df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
    except ValueError as exc:
        raise DataReadError(path, f"cannot open sheet {sheet!r} ({exc})",
                            "pass sheet=<name or index> to read_data") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError from openpyxl on damaged files
        raise DataReadError(path, f"the Excel file is damaged or truncated ({type(exc).__name__}: {exc})",
                            "re-save the workbook as .xlsx") from None
    return df, codebook_from_frame(df, source=str(path))


def read_parquet(path: Path) -> tuple[pd.DataFrame, Codebook]:
    """Parquet through DuckDB; the embedded codebook (if any) comes from the Parquet footer."""
    import duckdb
    import pyarrow.parquet as pq

    from arefie_studies.io.write import PARQUET_CODEBOOK_KEY

    try:
        schema = pq.read_schema(path)
        con = duckdb.connect(":memory:")
        try:
            df = con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        finally:
            con.close()
    except Exception as exc:  # pyarrow.ArrowInvalid, duckdb.IOException...
        raise DataReadError(path, f"the Parquet file is damaged or truncated ({str(exc).splitlines()[0]})",
                            "re-export the extract and check the transfer completed") from None
    meta = schema.metadata or {}
    if PARQUET_CODEBOOK_KEY in meta:
        try:
            cb = Codebook.from_json(meta[PARQUET_CODEBOOK_KEY].decode("utf-8"), source=str(path))
        except CodebookError as exc:
            raise DataReadError(path, str(exc), "re-write the file with arefie_studies.io.write_parquet") from None
        inferred = codebook_from_frame(df, source=str(path))
        merged = {c: cb.variables.get(c, inferred.variables[c]) for c in df.columns}
        cb = cb.with_variables(merged)
        cb.source = str(path)
    else:
        cb = codebook_from_frame(df, source=str(path))
    for col in df.columns:  # DuckDB gives datetime64 for DATE; keep tz-naive datetimes
        if isinstance(df[col].dtype, pd.DatetimeTZDtype):
            df[col] = df[col].dt.tz_localize(None)
    return _blank_user_missing(df, cb), cb


def apply_value_labels(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Labelled columns → ordered Categorical (categories = labels in code order).

    A column keeps its raw values when some valid value has no label (partially labelled
    scale), so no data is lost; :func:`validate_frame` then reports the unexpected codes.
    """
    out = {}
    for var in cb:
        labels = var.valid_labels
        if not labels or var.name not in df.columns:
            continue
        s = df[var.name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            continue
        codes = list(labels)
        values = s.to_numpy(dtype=object if s.dtype == object or isinstance(s.dtype, pd.StringDtype) else float,
                            na_value=np.nan)
        pos = pd.Index(codes).get_indexer(values) if len(s) else np.array([], dtype=int)
        if ((pos < 0) & s.notna().to_numpy()).any():
            continue  # an unlabelled valid value: keep raw values (validate_frame reports them)
        cats: list[str] = []
        seen: set[str] = set()
        for code in codes:  # two codes with the same label: keep both distinct
            lab = labels[code]
            if lab in seen:
                lab = f"{lab} ({code})"
            seen.add(lab)
            cats.append(lab)
        out[var.name] = pd.Categorical.from_codes(pos.astype(int), categories=cats, ordered=True)
    if out:
        df = df.assign(**{k: pd.Series(v, index=df.index) for k, v in out.items()})
    return df
