"""Codebook: YAML round trip, tables, errors, and what read_data fills in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_helpers import labelled_frame

from arefie_studies.io import Codebook, CodebookError, Variable, read_data, write_sav

YAML = """\
dataset: enquete_test
description: Enquête de test — données fictives
id_columns: [id]
variables:
  id: {label: Identifiant, type: string, role: id}
  sat:
    label: Satisfaction à l'égard de l'accueil
    measure: ordinal
    values: {1: Très satisfait, 2: Plutôt satisfait, 3: Plutôt pas satisfait, 4: Pas du tout satisfait, 9: Ne sait pas}
    missing: [9]
  age: {label: Âge, range: [16, 29]}
  poids: {label: Poids, role: weight, required: false}
"""


@pytest.fixture
def labelled():
    return labelled_frame()


def test_from_yaml_and_back(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(YAML, encoding="utf-8")
    cb = Codebook.from_yaml(path)
    assert cb.dataset == "enquete_test" and cb.id_columns == ["id"] and cb.names == ["id", "sat", "age", "poids"]
    sat = cb["sat"]
    assert sat.valid_labels == {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait",
                                4: "Pas du tout satisfait"}
    assert sat.missing_codes == [9] and cb["age"].range == (16.0, 29.0) and not cb["poids"].required
    out = tmp_path / "out.yaml"
    cb.to_yaml(out)
    assert "Très satisfait" in out.read_text(encoding="utf-8")  # French kept as UTF-8, not escaped
    assert Codebook.from_yaml(out).to_dict() == cb.to_dict()


def test_tables(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(YAML, encoding="utf-8")
    cb = Codebook.from_yaml(path)
    frame = cb.to_frame()
    assert list(frame.columns) == ["variable", "label", "type", "measure", "value_labels", "missing_codes", "n_valid"]
    assert frame.loc[1, "value_labels"].startswith("1 = Très satisfait; 2 = Plutôt satisfait")
    assert frame.loc[1, "missing_codes"] == "9"
    md = cb.to_markdown()
    assert md.splitlines()[0].startswith("| variable | label |") and md.count("\n") == 2 + 4
    html = cb.to_html()
    assert html.startswith('<table class="codebook"><caption>enquete_test</caption>')
    assert "Satisfaction à l&#x27;égard de l&#x27;accueil" in html and html.count("<tr>") == 5


def test_read_data_fills_codebook(tmp_path, labelled):
    df, meta = labelled
    _, cb = read_data(write_sav(df, tmp_path / "x.sav", **meta))
    assert cb.source.endswith("x.sav")
    assert cb["sat"].label == "Satisfaction à l'égard de l'accueil" and cb["id"].type == "string"
    assert [v.n_valid for v in cb] == [6, 5, 4, 6, 5]


@pytest.mark.parametrize("text, message", [
    ("variables: [a, b]", "must be a mapping with a 'variables' mapping"),
    ("variables:\n  a: {type: float}", "unknown type 'float'"),
    ("variables:\n  a: {colour: red}", "unknown codebook keys ['colour']"),
    ("variables:\n  a: {measure: interval}", "unknown measure 'interval'"),
    ("id_columns: [b]\nvariables:\n  a: {}", "id_columns ['b'] are not declared"),
    ("variables: {a: [}", "not valid YAML"),
])
def test_bad_codebooks(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        Codebook.from_yaml(path)
    assert message in str(info.value)


def test_unknown_variable_lists_available():
    cb = Codebook(variables={"a": Variable("a"), "b": Variable("b")}, dataset="d")
    with pytest.raises(KeyError, match="'zz' is not in codebook 'd'; available: a, b"):
        cb["zz"]


@settings(max_examples=40, deadline=None)
@given(labels=st.dictionaries(st.integers(-99, 999), st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                                                               max_size=20).filter(str.strip),
                              min_size=1, max_size=6),
       missing=st.lists(st.integers(-99, 999), max_size=3))
def test_property_yaml_and_json_round_trip(labels, missing):
    cb = Codebook(variables={"q": Variable("q", label="Question é", value_labels=labels, missing_codes=missing)},
                  dataset="p")
    assert Codebook.from_dict(__import__("yaml").safe_load(cb.to_yaml())) == cb
    assert Codebook.from_json(cb.to_json()) == cb
