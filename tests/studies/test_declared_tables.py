"""Tables declared in the study config: one YAML line adds a breakdown (or a crossing), and the
rendered table shows it with the codebook's labels.

A temporary project holds a copy of ``studies/sante_jeunes.yaml`` (its data folder linked), edited
as a researcher would; the study runs through ``contract.run`` (the path the notebooks use:
results cache keyed on the config file, then the report).  The crossed estimates are checked
against ``design.proportion(ind, by=["departement", "sexe"])`` on the study's design.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest
import yaml

from arefie_studies.project import StudyConfigError, load_config, load_study_inputs
from arefie_studies.studies import contract
from arefie_studies.studies import sante_jeunes as S

ROOT = Path(__file__).resolve().parents[2]
PARAMS = {"wave": 2024, "compare_wave": 0, "departement": ""}


def _project(tmp: Path, edit) -> Path:
    """A project at ``tmp``: the santé config edited by ``edit(text) -> text``, data linked."""
    (tmp / "studies").mkdir(parents=True)
    text = (ROOT / "studies" / "sante_jeunes.yaml").read_text(encoding="utf-8")
    new = edit(text)
    assert new != text  # the edit took place
    (tmp / "studies" / "sante_jeunes.yaml").write_text(new, encoding="utf-8")
    (tmp / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return tmp


def _add_lines(text: str) -> str:
    """One line in the sexe_age table (a codebook variable), one in the département table (a
    crossing)."""
    text = text.replace("      - tranche_age\n", "      - tranche_age\n      - situation\n", 1)
    return text.replace("      - departement\n", "      - departement\n      - [departement, sexe]\n", 1)


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    root = _project(tmp_path_factory.mktemp("proj"), _add_lines)
    return root, contract.run("sante_jeunes", PARAMS, root=root)


def test_config_lines_add_labelled_breakdowns_to_the_rendered_tables(edited):
    _, run = edited
    book = yaml.safe_load((ROOT / "data/codebooks/sante_jeunes_2024.yaml").read_text("utf-8"))
    situation = book["variables"]["situation"]
    tables = {t.name: t for t in run.report.tables()}
    # the table names of the report are those of the declared tables
    assert {"soins_sexe_age", "soins_qualification", "soins_departement"} <= set(tables)
    sexe_age = _text(tables["soins_sexe_age"].html)
    assert situation["label"] in sexe_age                      # « Situation actuelle »
    for label in situation["values"].values():                 # En emploi, En formation, ...
        assert unescape(label) in sexe_age
    assert re.search(r">\s*situation\s*<", tables["soins_sexe_age"].html) is None  # no raw name
    assert "Test situation actuelle" in sexe_age                 # its Rao–Scott test column
    dep = _text(tables["soins_departement"].html)
    assert "Département × Sexe" in dep
    assert "Nord · Femme" in dep and "Somme · Homme" in dep
    assert "departement × sexe" not in dep


def test_crossed_estimates_equal_proportion_by_two_variables(edited):
    root, run = edited
    r = run.results
    est = r.by("departement × sexe")
    d = S.design_for(2024, root)
    ref = d.proportion("ind_renoncement", by=["departement", "sexe"], ci_method="logit")
    ref = ref[ref["level"].astype(str) == "Oui"]
    ref_groups = (ref["departement"].astype(str) + " · " + ref["sexe"].astype(str)).tolist()
    got = est[est["indicator"] == "renoncement"].set_index("group").loc[ref_groups]
    np.testing.assert_allclose(got["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(got["ci_low"], ref["ci_low"], rtol=1e-9)
    assert r.breakdown_labels["departement × sexe"] == "Département × Sexe"
    # disclosure per crossed cell: a group with fewer than 11 « Oui » or « Non » is hidden
    small = ((est["n_yes"] < 11) | (est["n"] - est["n_yes"] < 11)) & (est["n"] > 0)
    assert small.any()  # rare indicators have small crossed cells
    assert est.loc[small, "hidden"].all()
    yes = d.data["ind_tentative_suicide"].astype(str) == "Oui"
    grp = d.data["departement"].astype(str) + " · " + d.data["sexe"].astype(str)
    active = np.asarray(d.weights) > 0
    ts = est[est["indicator"] == "tentative_suicide"].set_index("group")
    assert len(ts) == 10  # 5 départements × 2 sexes
    for g, row in ts.iterrows():
        sel = (grp == g).to_numpy() & active & d.data["ind_tentative_suicide"].notna().to_numpy()
        assert row["n"] == sel.sum() and row["n_yes"] == (sel & yes.to_numpy()).sum(), g


def test_default_tables_unchanged_without_the_lines(edited):
    _, run = edited
    default = contract.run("sante_jeunes", PARAMS, root=ROOT, cache=False)
    base = {t.name: t.html for t in default.report.tables()}
    new = {t.name: t.html for t in run.report.tables()}
    assert set(base) == set(new)
    assert base["soins_qualification"] == new["soins_qualification"]  # untouched table
    assert "Situation actuelle" not in base["soins_sexe_age"]
    assert "Département × Sexe" not in base["soins_departement"]


def test_unknown_variable_names_the_file_key_and_close_match(tmp_path):
    root = _project(tmp_path, lambda t: t.replace("      - tranche_age\n",
                                                  "      - tranche_age\n      - [departement, sex]\n", 1))
    with pytest.raises(StudyConfigError) as err:
        contract.run("sante_jeunes", PARAMS, root=root, cache=False)
    msg = str(err.value)
    assert "sante_jeunes.yaml" in msg
    assert "tables.sexe_age.breakdowns[2]" in msg
    assert "unknown variable 'sex'" in msg and "did you mean 'sexe'" in msg


def test_unknown_table_and_indicator(tmp_path):
    cfg = load_config(_project(tmp_path, lambda t: t.replace(
        "  departement:\n    title", "  departemnt:\n    title", 1).replace(
        "    indicators: all ", "    indicators: [renoncement, detresse_psy] ", 1))
        / "studies" / "sante_jeunes.yaml", tmp_path)
    with pytest.raises(StudyConfigError, match=r"key 'tables.departemnt': unknown table "
                                               r"'departemnt'. Hint: did you mean 'departement'"):
        S.table_specs(cfg)
    fixed = cfg.tables.copy()
    fixed.pop("departemnt")
    from dataclasses import replace

    with pytest.raises(StudyConfigError, match=r"tables.sexe_age.indicators\[1\]': unknown "
                                               r"indicator 'detresse_psy'"):
        S.table_specs(replace(cfg, tables=fixed))


# ----------------------------------------------------------------------------- baromètre
def _barometre_project(tmp: Path, edit) -> Path:
    (tmp / "studies").mkdir(parents=True)
    text = (ROOT / "studies" / "barometre.yaml").read_text(encoding="utf-8")
    new = edit(text)
    assert new != text
    (tmp / "studies" / "barometre.yaml").write_text(new, encoding="utf-8")
    (tmp / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return tmp


def test_barometre_profile_table_from_config_lines(tmp_path):
    """Two lines under tables.jeunes (a variable, a crossing) and a table for the companies:
    the regional report shows them with the codebook's labels; the shares equal weighted
    shares computed by hand on the region's answers of the wave."""
    from arefie_studies.studies import barometre as B

    def edit(text: str) -> str:
        text = text.replace("      - sexe\n", "      - sexe\n      - dispositif\n"
                                           "      - [sexe, tranche_age]\n", 1)
        return text.replace("variants:\n", "  entreprises:\n    breakdowns:\n      - secteur\n"
                                           "variants:\n", 1)

    root = _barometre_project(tmp_path, edit)
    run = contract.run("barometre", {"ml": ""}, root=root, cache=False)
    book = yaml.safe_load((ROOT / "data/codebooks/barometre_jeunes.yaml").read_text("utf-8"))
    tables = {t.name: t for t in run.report.tables()}
    young = _text(tables["jeunes-profil"].html)
    assert book["variables"]["dispositif"]["label"] in young
    assert "Sexe × Tranche d'âge" in unescape(young)
    assert "Femme · 18-21 ans" in young
    assert "Champ" in young and "Lecture" in young
    firms = _text(tables["entreprises-profil"].html)
    book_e = yaml.safe_load((ROOT / "data/codebooks/barometre_entreprises.yaml").read_text("utf-8"))
    assert unescape(book_e["variables"]["secteur"]["label"]) in unescape(firms)
    # the shares by hand: region, wave, answered (Satisfait / Non satisfait), weighted
    r = run.results
    s = B.load_survey("jeunes", root=root)
    d = s.data[(s.data["annee"] == r.wave) & (s.data["zone"] == B.REGION)]
    est = r.profile["jeunes"]
    for g in ("Femme", "Homme"):
        sub = d[(d["sexe"] == g) & d["ok_sat_globale"].notna()]
        share = np.average(sub["ok_sat_globale"] == B.SATISFIED, weights=sub["poids"])
        row = est[(est["breakdown"] == "sexe") & (est["group"] == g)
                  & (est["item"] == "sat_globale")].iloc[0]
        assert row["estimate"] == pytest.approx(share, rel=1e-9)
        assert row["n"] == len(sub)


def test_barometre_unknown_breakdown_names_population_variables(tmp_path):
    from arefie_studies.project import load_config
    from arefie_studies.studies import barometre as B

    root = _barometre_project(tmp_path, lambda t: t.replace("      - sexe\n", "      - secteur\n", 1))
    cfg = load_config(root / "studies" / "barometre.yaml", root)
    surveys = {p: B.load_survey(p, root=root) for p in B.POPULATIONS}
    with pytest.raises(StudyConfigError, match=r"key 'tables.jeunes.breakdowns\[0\]': unknown "
                                               r"variable 'secteur'\. Hint: Known variables: sexe"):
        B.table_specs(cfg, surveys)


# ----------------------------------------------------------------------------- public lists
def test_sante_indicators_list_every_ind_column_with_its_label():
    from arefie_studies import tables

    d = S.design_for(2024, ROOT)
    listed = S.indicators()
    columns = sorted(c for c in d.data.columns if c.startswith("ind_"))
    assert sorted(listed["column"]) == columns           # every derived indicator, no other
    assert listed["label"].str.len().gt(0).all()
    assert listed.set_index("column")["label"].to_dict() == {c: d.labels[c] for c in columns}
    # a table built in a new cell from the study's design shows labels, not names
    b = tables.banner(d, ["ind_renoncement", "qpv"], ["sexe", ("departement", "sexe")])
    html = unescape(b.to_html())
    assert "A renoncé à des soins (12 derniers mois)" in html
    assert "ind_renoncement" not in html
    assert "Département × Sexe" in html and "Oise · Homme" in html


def test_barometre_indicators_are_the_codebook_items():
    from arefie_studies.studies import barometre as B

    listed = B.indicators(ROOT)
    for population in B.POPULATIONS:
        book = yaml.safe_load((ROOT / f"data/codebooks/barometre_{population}.yaml")
                              .read_text("utf-8"))["variables"]
        items = {k: v["label"] for k, v in book.items() if k.startswith("sat_")}
        mine = listed[listed["population"] == population]
        assert dict(zip(mine["name"], mine["label"], strict=True)) == items
        assert (mine["column"] == "ok_" + mine["name"]).all()


# ----------------------------------------------------------------------------- parcours
def test_parcours_tableau_1_takes_declared_breakdowns(tmp_path):
    from arefie_studies.studies import parcours_residentiel as P

    def edit(text: str) -> str:
        return text.replace("      - departement\n", "      - departement\n      - sexe\n"
                                                    "      - [departement, sexe]\n", 1)

    (tmp_path / "studies").mkdir()
    text = (ROOT / "studies" / "parcours_residentiel.yaml").read_text(encoding="utf-8")
    (tmp_path / "studies" / "parcours_residentiel.yaml").write_text(edit(text), encoding="utf-8")
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    run = contract.run("parcours_residentiel", {"departement": ""}, root=tmp_path, cache=False)
    table = next(t for t in run.report.tables() if t.name == "departements")
    shown = _text(table.html)
    assert "Sexe" in shown and "Femme" in shown and "Homme" in shown
    assert "Département × Sexe" in shown and "Pas-de-Calais · Femme" in shown
    assert "et selon sexe, département × Sexe" in shown  # the title names the added columns
    # the crossed cells are the domain estimates by (département, sexe)
    cells = run.results.departements.cells
    crossed = cells[(cells["breakdown"] == "departement × sexe") & (cells["question"] == "precarite")
                    & ~cells["suppressed"] & (cells["decision"] != "suppress")]
    assert len(crossed) >= 5
    inputs = load_study_inputs("parcours_residentiel", tmp_path)
    d = P.youth_design(P.prepare_youths(inputs.frames["jeunes"]))
    ref = d.proportion("precarite", by=["departement", "sexe"])
    ref = ref[ref["level"].astype(str) == P.YES]
    ref = ref.set_index(ref["departement"].astype(str) + " · " + ref["sexe"].astype(str))
    np.testing.assert_allclose(crossed["estimate"].to_numpy(float),
                               ref.loc[crossed["group"], "estimate"].to_numpy(float), rtol=1e-9)


def test_parcours_table_must_keep_departement(tmp_path):
    (tmp_path / "studies").mkdir()
    text = (ROOT / "studies" / "parcours_residentiel.yaml").read_text(encoding="utf-8")
    (tmp_path / "studies" / "parcours_residentiel.yaml").write_text(
        text.replace("      - departement\n", "      - sexe\n", 1), encoding="utf-8")
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    with pytest.raises(StudyConfigError, match=r"key 'tables.departements.breakdowns': "
                                               r"'departement' is missing"):
        contract.run("parcours_residentiel", {"departement": ""}, root=tmp_path, cache=False)


# ----------------------------------------------------------------------------- CEJ
def test_cej_exit_table_takes_declared_breakdowns_and_indicators(tmp_path):
    """One line adds a crossing, another a profile variable, the indicators list drops one: the
    table of situations after entry shows them with their labels; the crossed shares equal the
    shares counted by hand from the states of the results' sequences."""
    from arefie_studies.studies import _cej_compute as C

    def edit(text: str) -> str:
        text = text.replace("      - qpv\n", "      - qpv\n      - rqth\n      - [sexe, qualification]\n", 1)
        return text.replace("    indicators: all ", "    indicators: [emploi, emploi_durable] ", 1)

    (tmp_path / "studies").mkdir()
    text = (ROOT / "studies" / "cej.yaml").read_text(encoding="utf-8")
    (tmp_path / "studies" / "cej.yaml").write_text(edit(text), encoding="utf-8")
    (tmp_path / "data").symlink_to(ROOT / "data", target_is_directory=True)
    run = contract.run("cej", {"ml": ""}, root=tmp_path, cache=False)
    table = next(t for t in run.report.tables() if t.name == "sorties")
    shown = _text(table.html)
    assert "Reconnaissance de travailleur handicapé (RQTH)" in shown
    assert "Sexe × Niveau de qualification" in shown
    assert "En emploi durable" in shown and "En alternance" not in shown
    r = run.results
    e = r.exits[(r.exits["breakdown"] == "sexe × qualification") & (r.exits["indicator"] == "emploi")
                & (r.exits["mois"] == 12) & (r.exits["territory"] == "region")]
    assert len(e) >= 4
    inputs = load_study_inputs("cej", tmp_path)
    from arefie_studies.studies._cej_data import prepare

    youths = prepare(inputs, "2025-03-31", 15.0, 18).youths
    flags = C.exit_flags(r.sequences, 12)["emploi"].to_numpy(float)
    group = youths["sexe"].astype(str) + " · " + youths["qualification"].astype(str)
    for _, row in e[~e["hidden"]].iterrows():
        sel = (group == row["group"]).to_numpy() & ~np.isnan(flags)
        assert row["estimate"] == pytest.approx(flags[sel].mean(), rel=1e-9), row["group"]


def test_added_line_is_not_hidden_by_the_results_cache(tmp_path):
    """The results cache is keyed on the config file: a line added after a cached run is in the
    next run's tables (no stale results)."""
    root = _project(tmp_path, lambda t: t.replace("sexe_age:\n", "sexe_age:  # edited\n", 1))
    first = contract.run("sante_jeunes", PARAMS, root=root)
    assert "Situation actuelle" not in _text(
        next(t.html for t in first.report.tables() if t.name == "soins_sexe_age"))
    path = root / "studies" / "sante_jeunes.yaml"
    path.write_text(_add_lines(path.read_text(encoding="utf-8")), encoding="utf-8")
    second = contract.run("sante_jeunes", PARAMS, root=root)
    assert "Situation actuelle" in _text(
        next(t.html for t in second.report.tables() if t.name == "soins_sexe_age"))
    assert any((root / ".cache").rglob("*"))  # the first run was cached
