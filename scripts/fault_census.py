"""Data-intake fault census (issue 13): feed ``read_data`` + ``validate_frame`` a catalogue of bad
and tricky inputs and count the outcomes.

    PYTHONPATH=src .venv/bin/python scripts/fault_census.py [--verbose]

Inputs: every IDL ``.sav`` file scipy ships in ``scipy/io/tests/data`` (a foreign format with the
SPSS extension), the files in ``tests/io/data`` (R foreign ``testdata.sav``, Hmisc ``test.xpt``,
haven ``iris.sas7bdat``), other R package files when installed, and files generated here (ragged
and duplicated CSV, Excel with title rows, Parquet with duplicated names or a text date, truncated,
empty, misnamed files, folders).  Each case knows its truth; the outcome is

- ``clear error``: DataReadError / DataValidationError naming the file, with a hint (and saying
  what the file is when the case knows: "not an SPSS file", "a folder"; else ``misleading error``);
- ``warned``: read, with a DataIntakeWarning naming the variable (a visible note), values right;
- ``correct``: read, and the values are the truth;
- ``silent``: read without error or warning, but the values are wrong (a misreading);
- ``crash``: any other exception (a raw traceback for the user).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "io" / "data"


@dataclass
class Case:
    name: str
    path: Path
    expect: str  # "error" or "read"
    check: Callable[[pd.DataFrame, object], bool] | None = None
    validate: object | None = None  # a Codebook to validate against
    warn_ok: bool = False
    says: str = ""  # what the error must say (else: a misleading error)


def _cases(tmp: Path) -> list[Case]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import scipy
    from openpyxl import Workbook

    from arefie_studies.io import Codebook, write_parquet, write_sav

    cases: list[Case] = []
    idl = Path(scipy.__file__).parent / "io" / "tests" / "data"
    for f in sorted(idl.glob("*.sav")):
        cases.append(Case(f"IDL save file {f.name}", f, "error", says="not an SPSS"))
    # real files read right
    cases.append(Case("R foreign testdata.sav (labelled strings, '' and undeclared values)",
                      DATA / "foreign_testdata.sav", "read", warn_ok=True,
                      check=lambda df, cb: df["factor_s_undeclared"].tolist()[2] == "perhaps"
                      and df["factor_s_coded_miss"].isna().tolist() == [False, False, True, False, True]))
    cases.append(Case("Hmisc test.xpt (MMDDYY date, DATETIME, TIME)", DATA / "hmisc_test.xpt", "read",
                      check=lambda df, cb: [cb[c].type for c in ("D1", "DT1", "T1")]
                      == ["date", "datetime", "time"] and df["T1"].iloc[0] == dt.time(11, 13, 45)))
    cases.append(Case("haven iris.sas7bdat", DATA / "iris.sas7bdat", "read",
                      check=lambda df, cb: df.shape == (150, 5)))
    for extra in (Path("/usr/lib/R/library/foreign/files/electric.sav"),
                  Path("/usr/lib/R/site-library/haven/examples/iris.sav"),
                  Path("/usr/lib/R/site-library/haven/examples/iris.dta")):
        if extra.is_file():
            import pyreadstat

            reader = pyreadstat.read_dta if extra.suffix == ".dta" else pyreadstat.read_sav
            raw, _ = reader(str(extra))
            cases.append(Case(f"R package file {extra.name}", extra, "read", warn_ok=True,
                              check=lambda df, cb, raw=raw: df.shape == raw.shape))
    for name, dest in (("HillRace.SYD", "hillrace.sav"), ("sids.dbf", "sids.csv")):
        src = Path("/usr/lib/R/library/foreign/files") / name
        if src.is_file():
            shutil.copyfile(src, tmp / dest)
            cases.append(Case(f"R foreign {name} named {dest}", tmp / dest, "error",
                              says="not an SPSS" if dest.endswith(".sav") else "binary"))

    def text(name: str, body: str, enc: str = "utf-8") -> Path:
        p = tmp / name
        p.write_bytes(body.encode(enc))
        return p

    # CSV
    cases += [
        Case("CSV first row one field too many", text("r1.csv", "id,age,sexe\nJ1,19,1,x\nJ2,22,2\n"), "error"),
        Case("CSV middle row one field too many", text("r2.csv", "id,age\nJ1,19\nJ2,22,5\nJ3,3\n"), "error"),
        Case("CSV trailing delimiter on every row", text("r3.csv", "id;age\nJ1;19;\nJ2;22;\n"), "error"),
        Case("CSV short row", text("r4.csv", "id,age,sexe\nJ1,19,1\nJ2,22\n"), "error"),
        Case("CSV semicolon ragged", text("r5.csv", "id;age\nJ1;19;2;3\n"), "error"),
        Case("CSV duplicated names", text("d1.csv", "id,x,x\nJ1,1,2\n"), "error"),
        Case("CSV duplicated names (three)", text("d2.csv", "a,a,a\n1,2,3\n"), "error"),
        Case("CSV quoted delimiter", text("q.csv", 'id,commune\nJ1,"Lille, Nord"\n'), "read",
             check=lambda df, cb: df["commune"].tolist() == ["Lille, Nord"]),
        Case("CSV a real column named x.1", text("x1.csv", "x,x.1\n1,2\n"), "read",
             check=lambda df, cb: list(df.columns) == ["x", "x.1"]),
        Case("CSV semicolon decimal comma", text("fr.csv", "id;poids\nJ1;1,5\nJ2;2,25\n"), "read",
             check=lambda df, cb: df["poids"].tolist() == [1.5, 2.25]),
        Case("CSV latin-1", text("l1.csv", "id,commune\nJ1,Orléans\n", "latin-1"), "error"),
        Case("CSV empty", text("e.csv", ""), "error"),
        Case("CSV blank lines at the end", text("bl.csv", "id,age\nJ1,19\n\n\n"), "read",
             check=lambda df, cb: df.shape == (1, 2)),
    ]

    def workbook(name: str, rows: list[list], merge: str | None = None) -> Path:
        wb = Workbook()
        for r in rows:
            wb.active.append(r)
        if merge:
            wb.active.merge_cells(merge)
        wb.save(tmp / name)
        return tmp / name

    cases += [
        Case("xlsx merged title row", workbook("t1.xlsx", [["Titre", None, None], [None] * 3,
                                                           ["id", "age", "sexe"], ["J1", 19, 1]],
                                               "A1:C1"), "error"),
        Case("xlsx title row, not merged", workbook("t2.xlsx", [["Enquête 2024"], ["id", "age"],
                                                                ["J1", 19]]), "error"),
        Case("xlsx two-row merged header", workbook("t3.xlsx", [["Identité", None, "Santé"],
                                                                ["id", "age", "score"], ["J1", 19, 3]],
                                                    "A1:B1"), "error"),
        Case("xlsx header with an empty cell", workbook("t4.xlsx", [["id", None, "age"], ["J1", 5, 19]]),
             "error"),
        Case("xlsx duplicated names", workbook("t5.xlsx", [["id", "age", "age"], ["J1", 19, 20]]), "error"),
        Case("xlsx plain", workbook("t6.xlsx", [["id", "age"], ["J1", 19], ["J2", 22]]), "read",
             check=lambda df, cb: df["age"].tolist() == [19, 22]),
    ]
    # Parquet
    pq.write_table(pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"]), tmp / "dup.parquet")
    cases.append(Case("Parquet duplicated names", tmp / "dup.parquet", "error"))
    cb = Codebook.from_dict({"variables": {"id": {"type": "string"}, "d": {"type": "date"}}})
    write_parquet(pd.DataFrame({"id": ["J1", "J2"], "d": ["2024-01-02", "x"]}), tmp / "dx.parquet", codebook=cb)
    cases.append(Case("Parquet date column holding 'x' (validate)", tmp / "dx.parquet", "error", validate="own"))
    write_parquet(pd.DataFrame({"id": ["J1"], "d": pd.to_datetime(["2024-01-02"])}), tmp / "dok.parquet",
                  codebook=cb)
    cases.append(Case("Parquet real date (validate)", tmp / "dok.parquet", "read", validate="own",
                      check=lambda df, cb: df["d"].iloc[0] == pd.Timestamp("2024-01-02")))
    # truncated / empty / misnamed / folders
    frame = pd.DataFrame({"id": [f"J{i}" for i in range(300)], "age": np.arange(300.0)})
    sav = write_sav(frame, tmp / "ok.sav")
    (tmp / "trunc.sav").write_bytes(sav.read_bytes()[: sav.stat().st_size // 2])
    cases.append(Case("SPSS truncated", tmp / "trunc.sav", "error"))
    write_parquet(frame, tmp / "ok.parquet")
    (tmp / "trunc.parquet").write_bytes((tmp / "ok.parquet").read_bytes()[:-40])
    cases.append(Case("Parquet truncated", tmp / "trunc.parquet", "error"))
    for ext in (".sav", ".parquet", ".xlsx", ".dta", ".xpt", ".sas7bdat"):
        (tmp / f"empty{ext}").write_bytes(b"")
        cases.append(Case(f"empty {ext}", tmp / f"empty{ext}", "error"))
        (tmp / f"folder{ext}").mkdir()
        cases.append(Case(f"a folder named x{ext}", tmp / f"folder{ext}", "error", says="folder"))
    shutil.copyfile(tmp / "ok.parquet", tmp / "parquet_named.sav")
    cases.append(Case("Parquet named .sav", tmp / "parquet_named.sav", "error"))
    shutil.copyfile(sav, tmp / "sav_named.parquet")
    cases.append(Case("SPSS named .parquet", tmp / "sav_named.parquet", "error"))
    (tmp / "doc.parquet").write_bytes(b"%PDF-1.4\n" + bytes(600))
    cases.append(Case("PDF named .parquet", tmp / "doc.parquet", "error", says="PDF"))
    (tmp / "old.xlsx").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600))
    cases.append(Case("old .xls named .xlsx", tmp / "old.xlsx", "error", says="not an Excel"))
    (tmp / "gz.xpt").write_bytes(b"\x1f\x8b\x08" + bytes(600))
    cases.append(Case("gzip named .xpt", tmp / "gz.xpt", "error", says="not a SAS"))
    cases.append(Case("missing file", tmp / "absent.sav", "error"))
    cases.append(Case("SPSS valid", sav, "read", check=lambda df, cb: df.shape == (300, 2)))
    return cases


def classify(case: Case) -> tuple[str, str]:
    from arefie_studies.io import DataReadError, DataValidationError, read_data, validate_frame

    try:
        DataIntakeWarning = __import__("arefie_studies.io", fromlist=["x"]).DataIntakeWarning
    except AttributeError:  # the old code has none
        DataIntakeWarning = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df, cb = read_data(case.path)
            if case.validate is not None:
                validate_frame(df, cb, source=case.path)
        except (DataReadError, DataValidationError) as exc:
            text = str(exc)
            clear = case.path.name in text and ("Hint" in text)
            if case.expect == "error":
                if case.says and case.says not in text:
                    return "misleading error", text.splitlines()[0][:150]
                return ("clear error" if clear else "unclear error"), text.splitlines()[0][:150]
            return "wrong error", text[:150]
        except Exception as exc:
            return "crash", f"{type(exc).__name__}: {str(exc)[:120]}"
    noted = [w for w in caught if DataIntakeWarning is not None and issubclass(w.category, DataIntakeWarning)]
    if case.expect == "error":
        return "silent", f"read {df.shape} without error"
    right = case.check(df, cb) if case.check else True
    if not right:
        return "silent", "values differ from the truth"
    if noted:
        return ("warned" if case.warn_ok else "unexpected warning"), str(noted[0].message)[:150]
    return "correct", ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = _cases(Path(tmp))
        results = [(c, *classify(c)) for c in cases]
    counts = Counter(r[1] for r in results)
    for case, outcome, detail in results:
        if args.verbose or outcome in ("silent", "crash", "unclear error", "wrong error",
                                       "misleading error", "unexpected warning"):
            print(f"{outcome:<14} {case.name}: {detail}")
    print(f"\n{len(results)} inputs: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if counts["silent"] or counts["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
