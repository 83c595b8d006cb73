"""Study configs: schema, variant expansion and errors that name the file and the key."""

from __future__ import annotations

import pytest

from arefie_studies.project.config import StudyConfigError, load_config, load_configs


def write(root, slug, text):
    (root / "studies").mkdir(exist_ok=True)
    path = root / "studies" / f"{slug}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "etude", "title: Étude\n"))
    assert cfg.slug == "etude"
    assert cfg.notebook == "notebooks/etude.ipynb"
    assert cfg.module == "arefie_studies.studies.etude"
    assert cfg.disclosure_threshold == 11
    assert [v.name for v in cfg.variants] == ["regional"]
    assert cfg.outputs == ("html", "pdf")
    assert cfg.run_parameters(cfg.variants[0]) == {"variant": "regional", "disclosure_threshold": 11}


def test_list_form_with_generated_variants(tmp_path):
    cfg = load_config(write(tmp_path, "etude", """
title: Étude
disclosure_threshold: 5
parameters: {wave: 2024, departement: ""}
inputs:
  enquete: {path: data/synthetic/e.csv, identifiers: [id], drop: [nom]}
variants:
  - name: regional
    subtitle: Hauts-de-France
  - by: departement
    values: ["02", "59"]
    labels: {"02": Aisne, "59": Nord}
    subtitle: "Département : {label}"
"""))
    assert [v.name for v in cfg.variants] == ["regional", "departement-02", "departement-59"]
    aisne = cfg.variant("departement-02")
    assert aisne.subtitle == "Département : Aisne" and aisne.display == "Aisne"
    assert cfg.variant("regional").display == "Rapport régional"
    assert cfg.run_parameters(aisne) == {"wave": 2024, "departement": "02", "variant": "departement-02",
                                         "disclosure_threshold": 5}
    spec = cfg.inputs["enquete"]
    assert spec.is_synthetic and spec.identifying_columns == ("id", "nom")


def test_mapping_form_and_values_from_csv(tmp_path):
    (tmp_path / "ml.csv").write_text("code_ml,nom_ml\nML01,Lille\nML02,Amiens\n", encoding="utf-8")
    cfg = load_config(write(tmp_path, "barometre", """
title: Baromètre
parameters: {ml: ""}
variants:
  regional: {}
  comparaison: {ml: ""}
  by: {parameter: ml, values_from: {path: ml.csv, column: code_ml, label_column: nom_ml},
       name: "ml-{value}", subtitle: "Mission locale de {label}"}
"""), root=tmp_path)
    assert [v.name for v in cfg.variants] == ["regional", "comparaison", "ml-ML01", "ml-ML02"]
    assert cfg.variant("ml-ML02").subtitle == "Mission locale de Amiens"
    assert cfg.variant("ml-ML02").parameters == {"ml": "ML02"}


@pytest.mark.parametrize(("text", "key", "words"), [
    ("title: T\ntreshold: 3\n", "'treshold'", "unknown key"),
    ("title: T\ndisclosure_threshold: 0\n", "'disclosure_threshold'", "below the minimum of 5"),
    ("title: T\ndisclosure_threshold: 1\n", "'disclosure_threshold'", "below the minimum of 5"),
    ("title: T\ndisclosure_threshold: 4\n", "'disclosure_threshold'", "below the minimum of 5"),
    ("title: T\ndisclosure_threshold: '11'\n", "'disclosure_threshold'", "whole number"),
    ("title: T\ndisclosure_threshold: 11\ndisclosure_threshold: 3\n", "'disclosure_threshold'",
     "given twice (lines 2 and 3)"),
    ("title: T\ninputs:\n  a: {path: x.csv, path: y.csv}\n", "'path'", "given twice"),
    ("title: T\nreferences:\n  pop: {file: x.csv}\n", "references.pop.file", "unknown key"),
    ("title: T\nparameters: {wave: 1}\ncompute_parameters: [annee]\n", "'compute_parameters'",
     "not a key of 'parameters'"),
    ("slug: autre\ntitle: T\n", "'slug'", "differs from the file name"),
    ("wave: 2024\n", "'title'", "missing"),
    ("title: T\nparameters: {variant: x}\n", "'parameters.variant'", "set by the pipeline"),
    ("title: T\nparameters: {departement: '59'}\nvariants: [{by: departement, values: [02, 59]}]\n",
     "'variants[0].values'", 'quote codes such as "02"'),
    ("title: T\nvariants: [{name: a}, {name: a}]\n", "'variants'", "appears twice"),
    ("title: T\nvariants: [{name: 'a/b'}]\n", "'variants[0].name'", "safe folder name"),
    ("title: T\ninputs: {e: {codebook: c.yaml}}\n", "'inputs.e.path'", "missing"),
    ("title: T\noutputs: [html, docx]\n", "'outputs'", "allowed: html, pdf, notebook"),
    ("title: T\nrenderer: render_report\n", "'renderer'", "package.module:function"),
    ("title: T\ncell_timeout: 0\n", "'cell_timeout'", "positive integer"),
])
def test_errors_name_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, "etude", text)
    with pytest.raises(StudyConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg and key in msg and words in msg


def test_invalid_yaml_and_unknown_study(tmp_path):
    write(tmp_path, "etude", "title: [unclosed\n")
    with pytest.raises(StudyConfigError, match="not valid YAML"):
        load_configs(tmp_path)
    with pytest.raises(StudyConfigError, match=r"unknown study cej.*Available studies: etude"):
        load_configs(tmp_path, ["cej"])


def test_unknown_variant_lists_known(tmp_path):
    cfg = load_config(write(tmp_path, "etude", "title: T\n"))
    with pytest.raises(StudyConfigError, match=r"no variant 'nord'. Known variants: regional"):
        cfg.variant("nord")
