"""``tables:`` of a study config: parsed into TableSpec, every malformed entry an error naming
the file and the key; names checked by :func:`check_tables` with close matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from arefie_studies.project import StudyConfigError, TableSpec, check_tables, load_config

HEAD = 'title: "Étude test"\n'


def _load(tmp_path: Path, tables: str):
    (tmp_path / "studies").mkdir(exist_ok=True)
    path = tmp_path / "studies" / "demo.yaml"
    path.write_text(HEAD + tables, encoding="utf-8")
    return load_config(path, tmp_path)


def test_tables_parsed(tmp_path):
    cfg = _load(tmp_path, """
tables:
  profil:
    title: "selon le profil"
    total: false
    indicators: [a, b]
    breakdowns:
      - sexe
      - [departement, sexe]
  autre:
    breakdowns: [age]
""")
    assert cfg.tables["profil"] == TableSpec("profil", ("sexe", ("departement", "sexe")), ("a", "b"),
                                             "selon le profil", False)
    assert cfg.tables["profil"].variables == ("sexe", "departement")
    assert cfg.tables["autre"] == TableSpec("autre", ("age",), None, "", True)
    assert _load(tmp_path, "").tables is None  # no key: the study's own tables


@pytest.mark.parametrize(("tables", "key", "words"), [
    ("tables: [a]", "tables", "expected a mapping"),
    ("tables:\n  t: {}\n", "tables.t.breakdowns", "expected a list of variables"),
    ("tables:\n  t: {breakdowns: sexe}\n", "tables.t.breakdowns", "got 'sexe'"),
    ("tables:\n  t: {breakdowns: [sexe, [sexe]]}\n", "tables.t.breakdowns[1]",
     "a crossing needs two or more variables"),
    ("tables:\n  t: {breakdowns: [[sexe, sexe]]}\n", "tables.t.breakdowns[0]", "with itself"),
    ("tables:\n  t: {breakdowns: [sexe, sexe]}\n", "tables.t.breakdowns[1]", "listed twice"),
    ("tables:\n  t: {breakdowns: [3]}\n", "tables.t.breakdowns[0]", "expected a variable name"),
    ("tables:\n  t: {breakdowns: [sexe], total: 1}\n", "tables.t.total", "true or false"),
    ("tables:\n  t: {breakdowns: [sexe], indicators: []}\n", "tables.t.indicators", "empty list"),
    ("tables:\n  t: {breakdowns: [sexe], colonnes: [a]}\n", "tables.t.colonnes", "unknown key"),
    ("tables: {}\n", "tables", "no table declared"),
])
def test_malformed_tables_name_file_and_key(tmp_path, tables, key, words):
    with pytest.raises(StudyConfigError) as err:
        _load(tmp_path, tables)
    msg = str(err.value)
    assert msg.startswith(str(tmp_path / "studies" / "demo.yaml"))
    assert f"key '{key}'" in msg
    assert words in msg


def test_check_tables_unknown_names_with_close_matches(tmp_path):
    cfg = _load(tmp_path, "tables:\n  profil:\n    breakdowns:\n      - sexe\n"
                          "      - [departement, tranche_ag]\n")
    known = {"tables": ["profil"], "breakdowns": ["sexe", "departement", "tranche_age"],
             "indicators": ["a"]}
    with pytest.raises(StudyConfigError, match=r"demo.yaml: key 'tables.profil.breakdowns\[1\]': "
                                               r"unknown variable 'tranche_ag'. Hint: did you mean "
                                               r"'tranche_age'\?"):
        check_tables(cfg, **known)
    ok = _load(tmp_path, "tables:\n  profil: {breakdowns: [sexe, [departement, sexe]]}\n")
    assert check_tables(ok, **known)["profil"].breakdowns == ("sexe", ("departement", "sexe"))
    far = _load(tmp_path, "tables:\n  profil: {breakdowns: [zzz]}\n")
    with pytest.raises(StudyConfigError, match=r"unknown variable 'zzz'\. Hint: Known variables: "
                                               r"sexe, departement, tranche_age\."):
        check_tables(far, **known)
    bad_t = _load(tmp_path, "tables:\n  profl: {breakdowns: [sexe]}\n")
    with pytest.raises(StudyConfigError, match=r"unknown table 'profl'\. Hint: did you mean 'profil'"):
        check_tables(bad_t, **known)


def test_the_four_studies_give_partners_the_same_contact():
    """The contact printed in every report's furniture is one address, not four variants (the
    CEJ reports once gave a different one)."""
    root = Path(__file__).resolve().parents[2] / "studies"
    contacts = {p.stem: load_config(p).contact for p in sorted(root.glob("*.yaml"))}
    assert len(contacts) == 4 and set(contacts.values()) == {"Observatoire AREFIE, observatoire@arefie.fr"}
