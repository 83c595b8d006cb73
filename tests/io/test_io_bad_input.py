"""Malformed files made by the tests: each error names the problem, the file and the variable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from io_helpers import write_latin1_sav

from arefie_studies.io import (
    Codebook,
    DataIntakeWarning,
    DataReadError,
    DataValidationError,
    read_data,
    validate_frame,
    write_parquet,
    write_sav,
)

DECLARED = Codebook.from_dict({
    "dataset": "enquete_test",
    "id_columns": ["id"],
    "variables": {
        "id": {"label": "Identifiant", "type": "string", "role": "id"},
        "sexe": {"label": "Sexe", "values": {1: "Homme", 2: "Femme"}},
        "age": {"label": "Âge", "range": [16, 29]},
        "poids": {"label": "Poids", "role": "weight"},
    },
})


def _frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"J{i}" for i in range(n)], "sexe": np.resize([1.0, 2.0], n),
                         "age": np.linspace(17, 25, n).round(), "poids": np.full(n, 1.5)})


def _sav(tmp_path, df: pd.DataFrame, name: str = "enquete.sav"):
    labels = {"sexe": {1: "Homme", 2: "Femme"}} if "sexe" in df else {}
    return write_sav(df, tmp_path / name, value_labels=labels, row_compress=False)


def _validate(path, *, unlabelled: str | None = None, **kw) -> DataValidationError:
    """Read then validate; ``unlabelled`` names the variable read with a DataIntakeWarning."""
    if unlabelled is None:
        df, _ = read_data(path)
    else:
        with pytest.warns(DataIntakeWarning, match=f"variable '{unlabelled}' has value labels"):
            df, _ = read_data(path)
    with pytest.raises(DataValidationError) as info:
        validate_frame(df, DECLARED, source=path, **kw)
    return info.value


def _no_raw_traceback(exc: BaseException) -> None:
    assert isinstance(exc, ValueError)
    assert exc.__cause__ is None and exc.__suppress_context__  # no pyreadstat/pandas chain shown


# ---------------------------------------------------------------- unreadable files (DataReadError)
def test_01_truncated_sav(tmp_path):
    path = _sav(tmp_path, _frame(200))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataReadError, match=r"enquete\.sav.*damaged or truncated") as info:
        read_data(path)
    _no_raw_traceback(info.value)


def test_02_sav_header_only(tmp_path):
    path = _sav(tmp_path, _frame())
    path.write_bytes(path.read_bytes()[:150])
    with pytest.raises(DataReadError, match=r"enquete\.sav.*truncated"):
        read_data(path)


def test_03_wrong_extension_csv_named_sav(tmp_path):
    path = tmp_path / "export.sav"
    path.write_text("id,sexe\nJ1,1\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"export\.sav.*wrong extension.*SPSS \.sav.*CSV text.*'\.csv'"):
        read_data(path)


def test_04_wrong_extension_parquet_named_dta(tmp_path):
    path = tmp_path / "extrait.dta"
    _frame().to_parquet(path)
    with pytest.raises(DataReadError, match=r"extrait\.dta.*wrong extension.*Stata.*Parquet"):
        read_data(path)


def test_05_unsupported_extension(tmp_path):
    path = tmp_path / "donnees.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"donnees\.json.*unsupported extension '\.json'.*\.sav.*\.parquet"):
        read_data(path)


def test_06_empty_sav(tmp_path):
    path = tmp_path / "vide.sav"
    path.write_bytes(b"")
    with pytest.raises(DataReadError, match=r"vide\.sav.*empty \(0 bytes\)"):
        read_data(path)


def test_07_empty_csv(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    with pytest.raises(DataReadError, match=r"vide\.csv.*empty"):
        read_data(path)


def test_08_missing_file(tmp_path):
    (tmp_path / "autre.sav").write_bytes(b"x")
    with pytest.raises(DataReadError, match=r"absent\.sav.*does not exist.*autre\.sav"):
        read_data(tmp_path / "absent.sav")


def test_09_latin1_sav_declared_utf8(tmp_path):
    df = pd.DataFrame({"ville": ["Béthune", "Château-Thierry"]})
    path = write_latin1_sav(tmp_path / "mal_encode.sav", df, {"ville": "Ville"}, {}, declare_latin1=False)
    with pytest.raises(DataReadError, match=r"mal_encode\.sav.*wrong encoding.*encoding='latin1'") as info:
        read_data(path)
    _no_raw_traceback(info.value)
    out, _ = read_data(path, encoding="latin1")  # the hint works
    assert out["ville"].tolist() == ["Béthune", "Château-Thierry"]


def test_10_latin1_csv(tmp_path):
    path = tmp_path / "communes.csv"
    path.write_bytes("id;ville\nJ1;Béthune\n".encode("latin-1"))
    with pytest.raises(DataReadError, match=r"communes\.csv.*wrong encoding.*UTF-8-SIG.*encoding='latin1'"):
        read_data(path)


def test_11_truncated_parquet(tmp_path):
    path = tmp_path / "cej_jeunes.parquet"
    write_parquet(_frame(500), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 40])
    with pytest.raises(DataReadError, match=r"cej_jeunes\.parquet.*damaged or truncated") as info:
        read_data(path)
    _no_raw_traceback(info.value)


def test_12_truncated_xlsx(tmp_path):
    path = tmp_path / "enquete_ml.xlsx"
    _frame().to_excel(path, index=False)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataReadError, match=r"enquete_ml\.xlsx.*damaged or truncated"):
        read_data(path)


def test_13_truncated_dta(tmp_path):
    import pyreadstat

    path = tmp_path / "partenaire.dta"
    pyreadstat.write_dta(_frame(300), str(path))
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DataReadError, match=r"partenaire\.dta.*damaged or truncated"):
        read_data(path)


def test_14_pseudonymise_unknown_column(tmp_path):
    path = _sav(tmp_path, _frame())
    with pytest.raises(DataReadError, match=r"enquete\.sav.*\['nom'\].*absent.*available columns: id, sexe"):
        read_data(path, pseudonymise=["nom"])


# ------------------------------------------------------------- content problems (DataValidationError)
def test_15_missing_column(tmp_path):
    err = _validate(_sav(tmp_path, _frame().drop(columns=["age"])))
    assert err.kinds == ["missing_column"]
    msg = str(err)
    assert "enquete.sav" in msg and "variable 'age'" in msg and "available: id, sexe, poids" in msg


def test_16_unknown_code(tmp_path):
    df = _frame()
    df.loc[[1, 4], "sexe"] = 3.0  # no label for 3: the column stays numeric, validation names the code
    err = _validate(_sav(tmp_path, df), unlabelled="sexe")
    assert err.kinds == ["unexpected_code"]
    assert "variable 'sexe'" in str(err) and "codes 3" in str(err) and "1=Homme, 2=Femme" in str(err)
    assert err.problems[0].rows == (1, 4)


def test_17_unknown_label_in_categorical(tmp_path):
    df = _frame().assign(sexe=pd.Categorical(["Homme", "Femme", "Autre", "Homme", "Femme", "Homme"]))
    path = tmp_path / "profil.parquet"
    write_parquet(df, path)
    err = _validate(path)
    assert err.kinds == ["unexpected_code"] and "'Autre'" in str(err) and err.problems[0].rows == (2,)


def test_18_duplicated_id(tmp_path):
    df = _frame()
    df.loc[5, "id"] = "J2"
    err = _validate(_sav(tmp_path, df))
    assert err.kinds == ["duplicated_id"]
    assert "variable 'id'" in str(err) and "'J2'" in str(err) and err.problems[0].rows == (2, 5)


def test_19_all_missing_weight(tmp_path):
    err = _validate(_sav(tmp_path, _frame().assign(poids=np.nan)))
    assert err.kinds == ["all_missing"] and "variable 'poids'" in str(err) and "missing for every row" in str(err)


def test_20_nonpositive_and_missing_weights(tmp_path):
    df = _frame()
    df.loc[0, "poids"] = -1.0
    df.loc[3, "poids"] = np.nan
    err = _validate(_sav(tmp_path, df))
    assert sorted(err.kinds) == ["missing_weight", "nonpositive_weight"]
    rows = {p.kind: p.rows for p in err.problems}
    assert rows == {"missing_weight": (3,), "nonpositive_weight": (0,)}


def test_21_out_of_range(tmp_path):
    df = _frame()
    df.loc[2, "age"] = 45.0
    err = _validate(_sav(tmp_path, df))
    assert err.kinds == ["out_of_range"] and "outside [16, 29]" in str(err) and "max 45" in str(err)
    assert err.problems[0].rows == (2,)


def test_22_header_only_csv_is_empty(tmp_path):
    path = tmp_path / "entete.csv"
    path.write_text("id,sexe,age,poids\n", encoding="utf-8")
    err = _validate(path)
    assert err.kinds == ["empty_file"] and "entete.csv" in str(err) and "no rows" in str(err)


def test_23_mojibake_detected(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text("id,sexe,age,poids,ville\nJ1,1,18,1,Béthune\nJ2,2,19,1,Lille\n", encoding="utf-8")
    df, _ = read_data(path, encoding="latin1")  # wrong choice: 'Ã©'
    with pytest.raises(DataValidationError) as info:
        validate_frame(df, DECLARED, source=path)
    assert info.value.kinds == ["wrong_encoding"] and "variable 'ville'" in str(info.value)
    assert "BÃ©thune" in str(info.value) and info.value.problems[0].rows == (0,)


def test_24_text_in_numeric_column(tmp_path):
    path = tmp_path / "saisie.csv"
    path.write_text("id,sexe,age,poids\nJ1,1,18,1\nJ2,2,dix-neuf,1\n", encoding="utf-8")
    err = _validate(path)
    assert err.kinds == ["wrong_type"] and "variable 'age'" in str(err) and "'dix-neuf'" in str(err)


def test_25_all_problems_reported_at_once(tmp_path):
    df = _frame().drop(columns=["age"])
    df.loc[1, "sexe"] = 7.0
    df.loc[4, "id"] = "J0"
    df["poids"] = np.nan
    err = _validate(_sav(tmp_path, df, "tout.sav"), unlabelled="sexe")
    assert err.kinds == ["missing_column", "unexpected_code", "all_missing", "duplicated_id"]
    text = str(err)
    assert text.startswith("Data validation failed for '") and "tout.sav' (4 problem(s))" in text
    for var in ("'age'", "'poids'", "'sexe'", "'id'"):
        assert f"variable {var}" in text


def test_26_validate_returns_frame_when_valid(tmp_path):
    path = _sav(tmp_path, _frame())
    df, _ = read_data(path)
    assert validate_frame(df, DECLARED, source=path) is df
