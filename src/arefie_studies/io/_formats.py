"""Format detection and the raw readers behind :func:`arefie_studies.io.read_data`.

Each raw reader returns ``(frame, codebook)`` where the frame still holds the stored codes
(user-missing codes already set to NaN) and the codebook carries what the file says about them.
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook, Variable, codebook_from_frame
from arefie_studies.io.errors import CodebookError, DataIntakeWarning, DataReadError

SUPPORTED = (".sav", ".zsav", ".dta", ".sas7bdat", ".xpt", ".csv", ".xlsx", ".parquet")

_FORMAT_NAMES = {
    ".sav": "SPSS .sav", ".zsav": "SPSS compressed .zsav", ".dta": "Stata .dta",
    ".sas7bdat": "SAS .sas7bdat", ".xpt": "SAS transport .xpt", ".csv": "CSV text",
    ".xlsx": "Excel .xlsx", ".parquet": "Parquet",
}
_ARTICLE = {".sav": "an", ".zsav": "an", ".dta": "a", ".sas7bdat": "a", ".xpt": "a", ".csv": "a",
            ".xlsx": "an", ".parquet": "a"}
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


#: first bytes of files that are often given a study extension by mistake
_OTHER_MAGIC = (
    (b"SR\x00\x04", "an IDL save file (IDL/GDL also use the .sav extension)"),
    (bytes.fromhex("d0cf11e0a1b11ae1"), "an old Microsoft Office file (.xls/.doc, OLE2 format)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"PK\x03\x04", "a ZIP archive"),
)
#: formats whose signature is certain: a file without it is not of that format at all
_STRICT_SIGNATURE = (".sav", ".zsav", ".parquet", ".xlsx", ".sas7bdat", ".xpt")


def _what_it_is(head: bytes) -> str:
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return f"; it looks like {name}"
    return ""


def check_signature(path: Path, ext: str) -> None:
    """Raise DataReadError when the path is not a readable file, is empty, or its bytes do not
    match its extension (a file without the format's signature is "not a <format> file")."""
    if path.is_dir():
        raise DataReadError(path, "this is a folder, not a file",
                            "give the path of the data file itself")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise DataReadError(path, f"the file cannot be opened ({exc.strerror or type(exc).__name__})",
                            "check the file's permissions") from None
    if size == 0:
        raise DataReadError(path, "the file is empty (0 bytes)",
                            "the export probably failed; re-export it from the source tool")
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
        raise DataReadError(path, "the file is binary, not CSV text" + _what_it_is(head),
                            "check the extension (is it an .xlsx or .sav?)")
    if actual is None and ext in _STRICT_SIGNATURE:
        raise DataReadError(
            path, f"this is not {_ARTICLE[ext]} {_FORMAT_NAMES[ext]} file (it does not start with that format's "
            f"signature){_what_it_is(head)}",
            "check that this is the file exported from the source tool; only its name ends in "
            f"'{ext}'",
        )


_SAS_TYPES = {"date": ("WEEKDATE", "MMDDYY", "DDMMYY", "YYMMDD", "DATE", "JULIAN", "MONYY", "WORDDATE",
                       "NENGO", "E8601DA", "B8601DA", "IS8601DA", "YYMMDDN", "YYQ", "QTR", "MMYY"),
              "datetime": ("DATETIME", "E8601DT", "DATEAMPM", "MDYAMPM", "IS8601DT", "B8601DT",
                           "B8601DN"),
              "time": ("TIME", "HHMM", "TOD", "TIMEAMPM", "IS8601TM", "E8601TM", "B8601TM")}
_SPSS_TYPES = {"date": ("DATE", "ADATE", "EDATE", "JDATE", "SDATE", "QYR", "MOYR", "WKYR"),
               "datetime": ("DATETIME", "YMDHMS"), "time": ("TIME", "DTIME", "MTIME")}


def _temporal_type(values: pd.Series, fmt: str, ext: str) -> str | None:
    """``date | datetime | time`` from the values pyreadstat returned (``datetime.date`` objects,
    ``datetime64``, ``datetime.time``), else from the display format (an all-missing column);
    None for a plain number.  Formats as in pyreadstat's own lists (SAS: MMDDYY10. is a date,
    TIME8. a time of day; SPSS: ADATE a date, DTIME a time; Stata: %td a date, %tc a datetime)."""
    import datetime as dt

    if pd.api.types.is_datetime64_any_dtype(values):
        kind = "datetime"
    else:
        kind = None
        first = values.dropna()
        if len(first) and values.dtype == object:
            v = first.iloc[0]
            if isinstance(v, dt.datetime):
                kind = "datetime"
            elif isinstance(v, dt.date):
                kind = "date"
            elif isinstance(v, dt.time):
                kind = "time"
    base = fmt.upper().rstrip("0123456789.")
    if ext == ".dta":
        fkind = ("datetime" if fmt.startswith(("%tc", "%tC")) else
                 "date" if fmt.startswith(("%td", "%d")) else None)
    else:
        table = _SPSS_TYPES if ext in (".sav", ".zsav") else _SAS_TYPES
        fkind = next((k for k in ("datetime", "time", "date") if base in table[k]), None)
    if kind == "datetime" and fkind == "date":
        return "date"  # a date stored as datetime64 at midnight
    return kind or fkind


def _meta_to_codebook(meta: Any, df: pd.DataFrame, source: str, ext: str) -> Codebook:
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
        if types.get(col) == "string":
            typ = "string"
        else:
            typ = _temporal_type(df[col], str(formats.get(col) or ""), ext) or "numeric"
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
    cb = _meta_to_codebook(meta, df, str(path), ext)
    if ext == ".dta":  # Stata extended missing values come back as NaN already; codes stay labelled
        cb = cb.with_variables({
            n: Variable(**{**v.__dict__, "missing_codes": [c for c in v.missing_codes
                                                          if not isinstance(c, str)]})
            for n, v in cb.variables.items()
        })
    return _blank_user_missing(df, cb), cb


def _duplicates(names: list[Any]) -> dict[str, list[int]]:
    """``{name: [1-based positions]}`` of the column names that occur more than once."""
    where: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        where.setdefault(str(name), []).append(i)
    return {n: pos for n, pos in where.items() if len(pos) > 1}


def _check_header(path: Path, names: list[Any]) -> None:
    """Duplicated column names are an error (pandas would rename them ``x.1``, DuckDB ``x_1``)."""
    dup = _duplicates(names)
    if dup:
        listed = "; ".join(f"'{n}' at columns {', '.join(map(str, pos))}" for n, pos in dup.items())
        raise DataReadError(path, f"duplicated column names: {listed}",
                            "give each column a distinct name in the source file and re-export it")


def _check_csv_fields(path: Path, sep: str, enc: str) -> None:
    """Every non-blank line must have as many fields as the header.  pandas would silently take a
    first column too many as the row index (shifting every value one column to the left) and pad
    short rows with NaN; both are reported here with their line numbers."""
    with open(path, encoding=enc, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        header = next(reader, None)
        if header is None:
            return
        _check_header(path, [h.strip() for h in header])
        width = len(header)
        bad: list[tuple[int, int]] = []
        for row in reader:
            if row and len(row) != width and not (len(row) == 1 and not row[0].strip()):
                bad.append((reader.line_num, len(row)))
    if bad:
        lines = ", ".join(f"line {n} ({k} fields)" for n, k in bad[:5])
        more = f" … ({len(bad)} lines in all)" if len(bad) > 5 else ""
        raise DataReadError(
            path, f"ragged rows: the header has {width} fields but {lines}{more} do not",
            f"a value probably contains the delimiter {sep!r} without quotes, or a line has a "
            "trailing delimiter; quote such values or re-export the table",
        )


def read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Codebook]:
    """CSV with the delimiter sniffed (``;`` files use a decimal comma, as French exports do).

    Rows must all have the header's number of fields and column names must be distinct
    (:class:`DataReadError` otherwise: nothing is shifted into an index or renamed ``x.1``)."""
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
        _check_csv_fields(path, sep, enc)
        df = pd.read_csv(path, sep=sep, encoding=enc, decimal="," if sep == ";" else ".",
                         low_memory=False, index_col=False)
    except UnicodeDecodeError as exc:
        raise DataReadError(
            path, f"wrong encoding: the file is not valid {enc.upper()} (byte {exc.start})",
            "pass encoding='latin1' or encoding='cp1252' to read_data",
        ) from None
    except csv.Error as exc:
        raise DataReadError(path, f"the CSV is malformed ({exc})",
                            "check the delimiter and quoting of the export") from None
    except pd.errors.EmptyDataError:
        raise DataReadError(path, "the file has no header and no rows",
                            "re-export the table with its column names") from None
    except (pd.errors.ParserError, ValueError) as exc:
        if isinstance(exc, DataReadError):
            raise
        raise DataReadError(path, f"the CSV is malformed ({str(exc).splitlines()[0]})",
                            "check the delimiter and quoting of the export") from None
    return df, codebook_from_frame(df, source=str(path))


def _xlsx_raw(path: Path, sheet: str | int) -> pd.DataFrame:
    """The sheet's cells with no header row (to locate the real header)."""
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl", header=None)


def _check_xlsx_header(path: Path, sheet: str | int, df: pd.DataFrame) -> pd.DataFrame:
    """The first row of the sheet must name every column.  Columns with an empty header cell and
    no data (formatting only) are dropped; any other empty or duplicated header cell is an error
    naming the columns and the row that looks like the real header (merged title rows)."""
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed: ")]
    empty = [c for c in unnamed if df[c].isna().all()]
    df = df.drop(columns=empty)
    unnamed = [c for c in unnamed if c not in empty]
    mangled = any(re.search(r"\.\d+$", str(c)) for c in df.columns)
    if not unnamed and not mangled:
        return df
    raw = _xlsx_raw(path, sheet)
    if unnamed:
        from openpyxl.utils import get_column_letter

        letters = [get_column_letter(int(str(c).split(": ")[1]) + 1) for c in unnamed]
        filled = raw.notna().sum(axis=1)
        full = filled[filled == filled.max()]
        guess = f"; row {int(full.index[0]) + 1} looks like the real header" if len(full) else ""
        raise DataReadError(
            path, f"sheet {sheet!r}: the first row has no column name in column(s) "
            f"{', '.join(letters[:10])} (title or merged header rows above the column names?){guess}",
            "delete the title rows and unmerge the header cells so that row 1 holds one name per "
            "column, then save the workbook again",
        )
    if len(raw):
        _check_header(path, [str(v).strip() for v in raw.iloc[0].tolist() if pd.notna(v)])
    return df


def read_xlsx(path: Path, sheet: str | int) -> tuple[pd.DataFrame, Codebook]:
    """An Excel sheet whose first row holds the column names (see :func:`_check_xlsx_header`)."""
    try:
        df = pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
    except ValueError as exc:
        raise DataReadError(path, f"cannot open sheet {sheet!r} ({exc})",
                            "pass sheet=<name or index> to read_data") from None
    except Exception as exc:  # zipfile.BadZipFile, KeyError from openpyxl on damaged files
        raise DataReadError(path, f"the Excel file is damaged or truncated ({type(exc).__name__}: {exc})",
                            "re-save the workbook as .xlsx") from None
    df = _check_xlsx_header(path, sheet, df)
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
    _check_header(path, list(schema.names))
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


def _unlabelled_warning(cb: Codebook, name: str, s: pd.Series, unlabelled: np.ndarray) -> None:
    values = list(pd.unique(s[unlabelled]))
    shown = ", ".join(repr(v) if isinstance(v, str) else f"{v:g}" if isinstance(v, float) else str(v)
                      for v in values[:8]) + (f" … ({len(values)} in all)" if len(values) > 8 else "")
    rows = ", ".join(str(int(i)) for i in np.flatnonzero(unlabelled)[:5])
    warnings.warn(DataIntakeWarning(
        f"'{cb.source}': variable '{name}' has value labels but the value(s) {shown} have none "
        f"({int(unlabelled.sum())} row(s), first rows 0-based: {rows}); the column is kept with its "
        "raw values, not labels. Hint: add the missing labels (or declare the values as missing) "
        "in the source file or the study's codebook."), stacklevel=4)


def apply_value_labels(df: pd.DataFrame, cb: Codebook) -> pd.DataFrame:
    """Labelled columns → ordered Categorical (categories = labels in code order).

    In a labelled *string* variable an empty or blank value is a non-answer (SPSS has no
    system-missing value for strings): it becomes NaN.  A column keeps its raw values when some
    valid value has no label (partially labelled scale, undeclared code), so no data is lost, and a
    :class:`DataIntakeWarning` names the variable, the unlabelled values and their rows
    (:func:`validate_frame` then reports them against the study's codebook).
    """
    out = {}
    for var in cb:
        labels = var.valid_labels
        if not labels or var.name not in df.columns:
            continue
        s = df[var.name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            continue
        is_text = s.dtype == object or isinstance(s.dtype, pd.StringDtype)
        if is_text and all(isinstance(c, str) for c in labels):
            blank = pd.Series([isinstance(v, str) and not v.strip() for v in s.to_numpy(object)],
                              index=s.index, dtype=bool)
            if blank.any():
                s = s.mask(blank)
                out[var.name] = s
        codes = list(labels)
        values = s.to_numpy(dtype=object if is_text else float, na_value=np.nan)
        pos = pd.Index(codes).get_indexer(values) if len(s) else np.array([], dtype=int)
        unlabelled = (pos < 0) & s.notna().to_numpy()
        if unlabelled.any():
            _unlabelled_warning(cb, var.name, s, unlabelled)
            continue  # keep raw values (validate_frame reports them)
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
