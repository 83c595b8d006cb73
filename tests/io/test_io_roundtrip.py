"""Write then read every supported format: labels, missing codes and category order survive."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_helpers import labelled_frame, write_latin1_sav

from arefie_studies.io import (
    Codebook,
    DataReadError,
    read_data,
    validate_frame,
    write_parquet,
    write_sav,
)

SAT_ORDER = ["Très satisfait", "Plutôt satisfait", "Plutôt pas satisfait", "Pas du tout satisfait"]


@pytest.fixture
def labelled():
    return labelled_frame()


@pytest.mark.parametrize("suffix", [".sav", ".zsav"])
def test_sav_roundtrip_labels_missing_order(tmp_path, labelled, suffix):
    df, meta = labelled
    path = write_sav(df, tmp_path / f"s{suffix}", **meta)
    out, cb = read_data(path)
    # value labels → ordered categorical in code order (not alphabetical), 9 is user-missing
    assert isinstance(out["sat"].dtype, pd.CategoricalDtype) and out["sat"].cat.ordered
    assert list(out["sat"].cat.categories) == SAT_ORDER
    assert out["sat"].tolist()[:3] == ["Plutôt satisfait", "Très satisfait", "Pas du tout satisfait"]
    assert pd.isna(out["sat"][3])
    # missing range 99998–99999 → NaN; 0 stays
    assert out["revenu"].isna().tolist() == [False, False, True, False, True, False]
    assert out["revenu"][5] == 0.0
    assert out["ville"].tolist() == df["ville"].tolist()  # UTF-8 accents
    assert out.attrs["variable_labels"]["sat"] == "Satisfaction à l'égard de l'accueil"
    assert out.attrs["source"] == str(path)
    v = cb["sat"]
    assert v.missing_codes == [9] and v.value_labels[9] == "Ne sait pas" and v.measure == "ordinal"
    assert v.n_valid == 5
    assert cb["revenu"].missing_range == (99998.0, 99999.0) and cb["revenu"].n_valid == 4
    assert cb["age"].measure == "scale" and cb["age"].n_valid == 5


def test_sav_categorical_input_written_as_codes(tmp_path):
    df = pd.DataFrame({"x": pd.Categorical(["b", "a", None, "c"], categories=["c", "b", "a"], ordered=True)})
    out, cb = read_data(write_sav(df, tmp_path / "c.sav"))
    assert list(out["x"].cat.categories) == ["c", "b", "a"]
    assert out["x"].tolist()[:2] == ["b", "a"] and pd.isna(out["x"][2])
    assert cb["x"].value_labels == {1: "c", 2: "b", 3: "a"} and cb["x"].measure == "ordinal"


def test_sav_is_byte_identical_for_equal_frames(tmp_path, labelled):
    df, meta = labelled
    a = write_sav(df, tmp_path / "a.sav", **meta).read_bytes()
    b = write_sav(df, tmp_path / "b.sav", **meta).read_bytes()
    assert a == b and a[92:109] == b"01 Jan 2400:00:00"


def test_latin1_sav_reads_correctly(tmp_path):
    df = pd.DataFrame({"q": [1.0, 2.0, 3.0], "ville": ["Amiens", "Château-Thierry", "Abbeville à côté"]})
    path = write_latin1_sav(tmp_path / "latin1.sav", df, {"q": "Qualité perçue", "ville": "Ville"},
                            {"q": {1: "Très bien", 2: "Passable", 3: "Médiocre"}})
    assert b"\xe9" in path.read_bytes() and "é".encode() not in path.read_bytes()  # really Latin-1
    out, cb = read_data(path)
    assert list(out["q"].cat.categories) == ["Très bien", "Passable", "Médiocre"]
    assert out["ville"].tolist() == ["Amiens", "Château-Thierry", "Abbeville à côté"]
    assert cb["q"].label == "Qualité perçue"
    validate_frame(out, Codebook.from_dict({"variables": {"q": {"values": {1: "Très bien", 2: "Passable",
                                                                           3: "Médiocre"}}}}))


def test_dta_roundtrip(tmp_path):
    df = pd.DataFrame({"sexe": [1.0, 2.0, 2.0, np.nan], "age": [18.0, 21.0, 25.0, 19.0]})
    path = tmp_path / "d.dta"
    pyreadstat.write_dta(df, str(path), column_labels={"sexe": "Sexe", "age": "Âge"},
                         variable_value_labels={"sexe": {2: "Femme", 1: "Homme"}})
    out, cb = read_data(path)
    assert list(out["sexe"].cat.categories) == ["Homme", "Femme"]
    assert out["sexe"].tolist()[:3] == ["Homme", "Femme", "Femme"] and pd.isna(out["sexe"][3])
    assert cb["age"].label == "Âge" and out.attrs["variable_labels"]["sexe"] == "Sexe"


def test_xpt_roundtrip(tmp_path):
    df = pd.DataFrame({"AGE": [18.0, 21.0, 25.0], "DEP": [59.0, 62.0, 80.0]})
    path = tmp_path / "t.xpt"
    pyreadstat.write_xport(df, str(path), column_labels={"AGE": "Age en annees", "DEP": "Departement"})
    out, cb = read_data(path)
    pd.testing.assert_series_equal(out["AGE"], df["AGE"], check_names=False)
    assert cb["DEP"].label == "Departement"


def test_sas7bdat_read(tmp_path):
    src = Path(__file__).parent / "data" / "iris.sas7bdat"  # from R haven (see data/README.md)
    path = shutil.copy(src, tmp_path / "iris.sas7bdat")
    out, cb = read_data(path)
    ref = pd.read_sas(src, format="sas7bdat", encoding="utf-8")
    assert out.shape == (150, 5) == ref.shape
    pd.testing.assert_frame_equal(out, ref, check_dtype=False)
    assert cb["Species"].type == "string" and cb["Sepal_Length"].n_valid == 150


def test_csv_semicolon_decimal_comma_and_codebook(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id;sexe;score\nA;1;12,5\nB;2;7,25\nC;9;\n", encoding="utf-8")
    declared = Codebook.from_dict({"variables": {"sexe": {"label": "Sexe", "values": {1: "Homme", 2: "Femme",
                                                                                      9: "NSP"}, "missing": [9]},
                                                 "score": {"label": "Score"}, "id": {"type": "string"}}})
    out, _ = read_data(path, codebook=declared)
    assert out["score"].tolist()[:2] == [12.5, 7.25]
    assert list(out["sexe"].cat.categories) == ["Homme", "Femme"] and pd.isna(out["sexe"][2])
    assert out.attrs["variable_labels"]["score"] == "Score"


def test_csv_latin1(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("commune,n\nBéthune,3\nChâteau-Thierry,4\n".encode("latin-1"))
    with pytest.raises(DataReadError, match=r"latin\.csv.*wrong encoding"):
        read_data(path)
    out, _ = read_data(path, encoding="latin1")
    assert out["commune"].tolist() == ["Béthune", "Château-Thierry"]


def test_xlsx_roundtrip(tmp_path):
    df = pd.DataFrame({"ml": ["ML de Lille", "ML du Calaisis"], "phase_collective": [1, 0]})
    path = tmp_path / "enquete.xlsx"
    df.to_excel(path, index=False)
    out, cb = read_data(path)
    pd.testing.assert_frame_equal(out, df, check_dtype=False)
    assert cb["phase_collective"].n_valid == 2


def test_parquet_with_embedded_codebook(tmp_path, labelled):
    df, meta = labelled
    sav = write_sav(df, tmp_path / "s.sav", **meta)
    frame, cb = read_data(sav)
    path = write_parquet(frame, tmp_path / "s.parquet", cb)
    out, cb2 = read_data(path)
    assert list(out["sat"].cat.categories) == SAT_ORDER
    pd.testing.assert_series_equal(out["sat"], frame["sat"])
    assert cb2["sat"].missing_codes == [9] and cb2["sat"].label == cb["sat"].label
    assert out["revenu"].isna().sum() == 2


def test_parquet_string_categories_keep_declared_order(tmp_path):
    cb = Codebook.from_dict({"variables": {"situation": {"type": "string", "values": {
        "Emploi": "Emploi", "Formation": "Formation", "Demandeur d'emploi": "Demandeur d'emploi"}}}})
    df = pd.DataFrame({"situation": ["Formation", "Emploi", "Demandeur d'emploi", None]})
    out, _ = read_data(write_parquet(df, tmp_path / "sit.parquet", cb))
    assert list(out["situation"].cat.categories) == ["Emploi", "Formation", "Demandeur d'emploi"]


def test_bare_parquet_reads(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    df.to_parquet(tmp_path / "bare.parquet")
    out, cb = read_data(tmp_path / "bare.parquet")
    assert out["a"].tolist() == [1, 2, 3] and cb["b"].type == "string"


@settings(max_examples=25, deadline=None)
@given(codes=st.lists(st.integers(min_value=-5, max_value=50), min_size=1, max_size=8, unique=True),
       data=st.data())
def test_property_sav_categories_follow_code_order(tmp_path_factory, codes, data):
    labels = {c: f"modalité {c} é" for c in codes}
    values = data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=30))
    df = pd.DataFrame({"x": np.array(values, dtype=float)})
    path = tmp_path_factory.mktemp("prop") / "p.sav"
    out, _ = read_data(write_sav(df, path, value_labels={"x": labels}))
    assert list(out["x"].cat.categories) == [labels[c] for c in sorted(codes)]
    assert out["x"].tolist() == [labels[v] for v in values]
