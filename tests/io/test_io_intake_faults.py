"""Issue 13, data intake: files that were misread silently now give a clear error or a documented
answer.  Real files from public packages (R foreign, Hmisc, scipy; see data/README.md) or files
written here with the tools that produce them (csv text, openpyxl, pyarrow)."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from arefie_studies.io import (
    Codebook,
    DataIntakeWarning,
    DataReadError,
    DataValidationError,
    read_data,
    validate_frame,
    write_parquet,
)

DATA = Path(__file__).parent / "data"


def _no_raw_traceback(exc: BaseException) -> None:
    assert isinstance(exc, ValueError)
    assert exc.__cause__ is None


# ------------------------------------------------------------------------------------- CSV
def test_ragged_csv_first_row_one_field_too_many(tmp_path):
    """pandas took the first column as the index and shifted every value left: now an error."""
    path = tmp_path / "jeunes.csv"
    path.write_text("id,age,sexe\nJ1,19,1,extra\nJ2,22,2\nJ3,25,1\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"jeunes\.csv.*ragged rows.*header has 3 fields.*"
                                            r"line 2 \(4 fields\).*Hint: .*delimiter ','") as info:
        read_data(path)
    _no_raw_traceback(info.value)


def test_ragged_csv_trailing_delimiter_on_every_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id;age\nJ1;19;\nJ2;22;\nJ3;25;\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"line 2 \(3 fields\), line 3 \(3 fields\), line 4"):
        read_data(path)


def test_ragged_csv_short_row_and_quoted_delimiter(tmp_path):
    """A short row is reported too; a quoted value holding the delimiter is not ragged."""
    ok = tmp_path / "ok.csv"
    ok.write_text('id,commune,age\nJ1,"Saint-Denis, La Réunion",19\nJ2,Lyon,22\n\n', encoding="utf-8")
    df, _ = read_data(ok)
    assert df["commune"].tolist() == ["Saint-Denis, La Réunion", "Lyon"]
    assert df["age"].tolist() == [19, 22]
    short = tmp_path / "short.csv"
    short.write_text("id,age,sexe\nJ1,19,1\nJ2,22\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"line 3 \(2 fields\)"):
        read_data(short)


def test_duplicate_column_names_csv(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,x,age,x\nJ1,1,19,2\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"dup\.csv.*duplicated column names: 'x' at columns 2, 4"):
        read_data(path)
    legit = tmp_path / "legit.csv"  # a real column named x.1 is not a duplicate
    legit.write_text("x,x.1\n1,2\n", encoding="utf-8")
    assert list(read_data(legit)[0].columns) == ["x", "x.1"]


# ------------------------------------------------------------------------------------- Excel
def _workbook(path: Path, rows: list[list], merge: str | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def test_xlsx_merged_title_rows(tmp_path):
    path = _workbook(tmp_path / "enquete.xlsx", [
        ["Enquête Mission Locale 2024", None, None],
        [None, None, None],
        ["id", "age", "sexe"],
        ["J1", 19, 1],
        ["J2", 22, 2],
    ], merge="A1:C1")
    with pytest.raises(DataReadError, match=r"enquete\.xlsx.*no column name in column\(s\) B, C.*"
                                            r"row 3 looks like the real header.*Hint: delete the title") as info:
        read_data(path)
    _no_raw_traceback(info.value)


def test_xlsx_duplicate_names_and_empty_formatted_column(tmp_path):
    dup = _workbook(tmp_path / "dup.xlsx", [["id", "age", "age"], ["J1", 19, 20]])
    with pytest.raises(DataReadError, match=r"dup\.xlsx.*duplicated column names: 'age' at columns 2, 3"):
        read_data(dup)
    # a header-less column holding nothing is not data: it is dropped (documented), values intact
    path = _workbook(tmp_path / "blank.xlsx", [["id", "age", None], ["J1", 19, None], ["J2", 22, None]])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active["C3"].number_format = "0.00"  # formatting only: openpyxl then reports column C
    wb.active["C3"].value = None
    wb.save(path)
    df, _ = read_data(path)
    assert list(df.columns) == ["id", "age"] and df["age"].tolist() == [19, 22]


# ------------------------------------------------------------------------------------- Parquet
def test_parquet_duplicate_column_names(tmp_path):
    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays([pa.array([1, 2]), pa.array([3, 4]), pa.array([5, 6])],
                                 names=["id", "x", "x"])
    pq.write_table(table, path)
    with pytest.raises(DataReadError, match=r"dup\.parquet.*duplicated column names: 'x' at columns 2, 3"):
        read_data(path)


def test_parquet_date_column_holding_text_fails_validation(tmp_path):
    cb = Codebook.from_dict({"variables": {"id": {"type": "string"}, "date_entree": {"type": "date"}}})
    df = pd.DataFrame({"id": ["J1", "J2", "J3"], "date_entree": ["2024-01-15", "x", "2024-02-30"]})
    path = write_parquet(df, tmp_path / "cej.parquet", codebook=cb)
    read, rcb = read_data(path)
    assert rcb["date_entree"].type == "date"
    with pytest.raises(DataValidationError) as info:
        validate_frame(read, rcb, source=path)
    err = info.value
    assert err.kinds == ["wrong_type"]
    assert err.problems[0].variable == "date_entree" and err.problems[0].rows == (1, 2)
    assert "'x'" in str(err) and "'2024-02-30'" in str(err) and "cej.parquet" in str(err)
    # real dates (datetime64 from DuckDB, or ISO text) pass
    good = write_parquet(pd.DataFrame({"id": ["J1"], "date_entree": pd.to_datetime(["2024-01-15"])}),
                         tmp_path / "ok.parquet", codebook=cb)
    validate_frame(*read_data(good), source=good)
    validate_frame(pd.DataFrame({"id": ["J1"], "date_entree": ["2024-01-15"]}), cb)


# ------------------------------------------------------------------------------------- SPSS
def test_spss_labelled_strings_with_empty_and_undeclared_values(tmp_path):
    """R foreign's testdata.sav: labelled string variables with '' and undeclared values."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df, _ = read_data(DATA / "foreign_testdata.sav")
    messages = {str(w.message).split("variable '")[1].split("'")[0]: str(w.message)
                for w in caught if issubclass(w.category, DataIntakeWarning)}
    # undeclared values: a warning naming file, variable, values and rows; raw values kept
    assert set(messages) == {"factor_s_undeclared", "factor_s_duplicated", "factor_n_undeclared",
                             "factor_n_undeclared2"}
    msg = messages["factor_s_undeclared"]
    assert "foreign_testdata.sav" in msg and "'perhaps'" in msg and "first rows 0-based: 2" in msg
    assert "Hint:" in msg
    assert "'ö', 'ä'" in messages["factor_s_duplicated"]
    assert df["factor_s_undeclared"].tolist()[:3] == ["y", "n", "perhaps"]
    # the empty string is a non-answer: NaN, and the fully labelled variable becomes a categorical
    assert isinstance(df["factor_s_coded_miss"].dtype, pd.CategoricalDtype)
    assert list(df["factor_s_coded_miss"].cat.categories) == ["female", "male"]
    import pyreadstat

    codes, _ = pyreadstat.read_sav(str(DATA / "foreign_testdata.sav"), user_missing=True)
    assert codes["factor_s_coded_miss"].tolist() == ["m", "f", "", "m", "u"]
    labelled = df["factor_s_coded_miss"]
    assert labelled.isna().tolist() == [False, False, True, False, True]  # '' and 'u' (user-missing)
    assert labelled.dropna().astype(str).tolist() == ["male", "female", "male"]


def test_not_an_spss_file_idl_save(tmp_path):
    path = tmp_path / "enquete.sav"
    shutil.copyfile(DATA / "scipy_idl_scalar_int16.sav", path)
    with pytest.raises(DataReadError, match=r"enquete\.sav.*this is not an SPSS \.sav file.*IDL save file") as info:
        read_data(path)
    assert "damaged" not in str(info.value)
    _no_raw_traceback(info.value)
    pdf = tmp_path / "notes.parquet"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(600))
    with pytest.raises(DataReadError, match=r"not a Parquet file.*PDF document"):
        read_data(pdf)


def test_directory_named_like_a_data_file(tmp_path):
    folder = tmp_path / "x.sav"
    folder.mkdir()
    with pytest.raises(DataReadError, match=r"x\.sav.*this is a folder, not a file") as info:
        read_data(folder)
    _no_raw_traceback(info.value)


# ------------------------------------------------------------------------------------- SAS
def test_sas_transport_date_and_time_types():
    """Hmisc's test.xpt: D1 MMDDYY10. is a date, DT1 DATETIME. a datetime, T1 TIME. a time."""
    df, cb = read_data(DATA / "hmisc_test.xpt")
    assert {v.name: v.type for v in cb} == {"RACE": "numeric", "AGE": "numeric", "D1": "date",
                                            "DT1": "datetime", "T1": "time"}
    # values as test.sas wrote them: '3mar2002'd, '3mar2002 9:31:02'dt, '11:13:45't
    assert df["D1"].tolist() == [dt.date(2002, 3, 3), dt.date(2002, 6, 3)]
    assert df["DT1"].tolist() == [pd.Timestamp("2002-03-03 09:31:02"), pd.Timestamp("2002-06-03 09:42:07")]
    assert df["T1"].tolist() == [dt.time(11, 13, 45), dt.time(11, 14, 13)]
    assert cb.to_yaml().count("type: time") == 1
    validate_frame(df, cb)  # the file's own codebook accepts its values
    bad = df.assign(T1=["11:13:45", "midi"])
    with pytest.raises(DataValidationError, match=r"T1.*declared time.*'midi'"):
        validate_frame(bad, cb)


def test_spss_date_type_kept(tmp_path):
    with pytest.warns(DataIntakeWarning):
        df, cb = read_data(DATA / "foreign_testdata.sav")
    assert cb["date"].type == "date" and cb["numeric"].type == "numeric"
    assert df["date"].dropna().iloc[0] == dt.date(1983, 12, 11)
    assert np.isnan(df["numeric"].iloc[3])
