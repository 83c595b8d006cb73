"""Pseudonymisation: keyed HMAC-SHA256 from the environment, birth dates reduced, ids dropped."""

from __future__ import annotations

import hashlib
import hmac
import warnings

import pandas as pd
import pytest

from arefie_studies.io import PseudonymisationWarning, pseudonymise, read_data, write_sav
from arefie_studies.io.pseudo import PSEUDONYM_LENGTH


@pytest.fixture
def ids():
    return pd.DataFrame({"id_milo": ["1234567", "7654321", "1234567", None],
                         "nom": ["Martin", "Durand", "Martin", "Petit"],
                         "date_naissance": ["2004-05-17", "31/12/1999", "2004-05-17", "2008-01-01"],
                         "x": [1, 2, 3, 4]})


def test_hmac_matches_reference(ids, monkeypatch):
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "clé-de-test")
    out = pseudonymise(ids, ["id_milo"])
    expected = hmac.new("clé-de-test".encode(), b"1234567", hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    assert out["id_milo"][0] == expected == out["id_milo"][2] and len(expected) == 20
    assert out["id_milo"][1] != expected and pd.isna(out["id_milo"][3])
    assert ids["id_milo"][0] == "1234567"  # input untouched
    assert out.attrs["variable_labels"]["id_milo"] == "id_milo (pseudonymisé)"


def test_key_changes_pseudonyms(ids, monkeypatch):
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "k1")
    a = pseudonymise(ids, ["nom"])["nom"]
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "k2")
    b = pseudonymise(ids, ["nom"])["nom"]
    assert (a != b).all() and a[0] == a[2]


def test_missing_key_warns_and_is_stable_within_process(ids, monkeypatch):
    monkeypatch.delenv("AREFIE_PSEUDO_KEY", raising=False)
    with pytest.warns(PseudonymisationWarning, match="AREFIE_PSEUDO_KEY is not set"):
        a = pseudonymise(ids, ["nom"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PseudonymisationWarning)
        b = pseudonymise(ids, ["nom"])
    assert a["nom"].tolist() == b["nom"].tolist()
    assert "Martin" not in a["nom"].tolist()


def test_birth_dates_year_and_age(ids, monkeypatch):
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "k")
    year = pseudonymise(ids, [], birth_dates=["date_naissance"])
    assert year["date_naissance"].tolist() == [2004, 1999, 2004, 2008]
    age = pseudonymise(ids, [], birth_dates={"date_naissance": "age"}, reference_date="2024-05-17")
    assert age["date_naissance"].tolist() == [20, 24, 20, 16]  # birthday on the day counts
    with pytest.raises(ValueError, match="not 'year' or 'age'"):
        pseudonymise(ids, [], birth_dates={"date_naissance": "month"})


def test_unknown_column(ids):
    with pytest.raises(KeyError, match=r"\['prenom'\] are not in the data; available: id_milo, nom"):
        pseudonymise(ids, ["prenom"])


def test_read_data_pseudonymises_and_drops(tmp_path, ids, monkeypatch):
    monkeypatch.setenv("AREFIE_PSEUDO_KEY", "k")
    path = write_sav(ids.astype({"x": float}), tmp_path / "ids.sav")
    df, cb = read_data(path, pseudonymise=["id_milo"], drop=["nom"], birth_dates=["date_naissance"])
    assert list(df.columns) == ["id_milo", "date_naissance", "x"] == cb.names
    assert "1234567" not in df["id_milo"].tolist() and df["date_naissance"].tolist()[:2] == [2004, 1999]
    assert "nom" not in df.attrs["variable_labels"]
