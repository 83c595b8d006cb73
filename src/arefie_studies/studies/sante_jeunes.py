"""Étude santé jeunes (AREFIE, ARS, OR2S): the study on the contract of :mod:`.contract`.

::

    inputs ──► design(inputs, wave) ──► compute(inputs, params) ──► SanteResults ──► report(...)

1. :func:`prepare` (:mod:`._sante_recodes`) — instrument scores with their published cut-offs
   (:data:`INSTRUMENTS`) and 0/1 indicators (:data:`INDICATORS`, seven themes);
2. :func:`design` — THE calibrated design of a wave: start weights ``N / n`` (non-probability
   sample of youths met in ML), strata = département, PSU = Mission Locale, calibrated (raking
   by default) to the ML population margins of the ``population`` reference (sex × age group,
   département × qualification); variance by linearisation with calibration residuals.
   :func:`design_for` loads the inputs itself (for researchers);
3. :func:`compute` — every published figure, for the region and each of the five départements,
   in one pass: weighted shares with logit and Korn–Graubard 95 % CIs and the domain's degrees
   of freedom, Rao–Scott tests, 2020 vs 2024, external references, the distress model;
4. :func:`report` — one variant's blocks (regional or ``departement="59"``), read from the
   results only (:mod:`._sante_report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.project import StudyConfig, StudyInputs, TableSpec, check_tables
from arefie_studies.studies._common import StudyInputError
from arefie_studies.studies._sante_estimates import (
    benchmark_comparison,
    class_distribution,
    distress_model,
    group_tests,
    indicator_estimates,
    own_wave_references,
    wave_comparison,
)
from arefie_studies.studies._sante_recodes import (
    BREAKDOWNS,
    DEPARTEMENTS,
    EPICES_WEIGHTS,
    INDICATORS,
    INSTRUMENTS,
    MODEL_TERMS,
    THEMES,
    UNSTABLE_HOUSING,
    VULNERABLE,
    Indicator,
    adrs_score,
    audit_c_score,
    bmi,
    cast_score,
    departement_label,
    epices_score,
    indicators_by_theme,
    ipaq_met_minutes,
    prepare,
)
from arefie_studies.studies.contract import Report, Results
from arefie_studies.survey import SurveyDesign, cross, cross_label, cross_name

__all__ = [
    "BREAKDOWNS",
    "DEPARTEMENTS",
    "EPICES_WEIGHTS",
    "INDICATORS",
    "INSTRUMENTS",
    "INSTRUMENT_CLASSES",
    "MODEL_TERMS",
    "TABLES",
    "THEMES",
    "UNSTABLE_HOUSING",
    "VULNERABLE",
    "Indicator",
    "SanteResults",
    "adrs_score",
    "audit_c_score",
    "benchmark_comparison",
    "bmi",
    "calibrated_design",
    "cast_score",
    "class_distribution",
    "compute",
    "departement_label",
    "design",
    "design_for",
    "distress_model",
    "epices_score",
    "group_tests",
    "indicator_estimates",
    "indicators",
    "indicators_by_theme",
    "ipaq_met_minutes",
    "own_wave_references",
    "population_margins",
    "prepare",
    "report",
    "table_specs",
    "wave_comparison",
]

#: Instruments' class variables shown in the report -> French name.
INSTRUMENT_CLASSES: dict[str, str] = {
    "classe_epices": "Précarité (score EPICES)", "classe_adrs": "Dépression (échelle ADRS)",
    "classe_audit": "Alcool (AUDIT-C)", "classe_cast": "Cannabis (CAST)",
    "classe_imc": "Corpulence (IMC)"}

#: Breakdowns of the regional tables (computed for every indicator).
_BY = (*BREAKDOWNS, *VULNERABLE)

#: The three tables of each theme (indicators × breakdowns) when ``studies/sante_jeunes.yaml``
#: declares none; a table declared under ``tables:`` there replaces the one of the same name.
#: A breakdown that is a vulnerable flag (qpv, sans_logement_stable, rqth) shows its « Oui »
#: group with ▲/▼; every other breakdown gets its Rao–Scott test column.
TABLES: dict[str, TableSpec] = {
    "sexe_age": TableSpec("sexe_age", ("sexe", "tranche_age"), title="selon le sexe et l’âge"),
    "qualification": TableSpec(
        "qualification", ("qualification", *VULNERABLE), total=False,
        title="selon la qualification et pour les publics vulnérables"),
    "departement": TableSpec("departement", ("departement",), title="selon le département"),
}


def indicators() -> pd.DataFrame:
    """The study's derived indicators (0/1 columns ``ind_*`` of :func:`design`'s data), with
    their French labels: column, name (as in ``tables:`` of the config), label, theme, universe
    (the denominator when not all youths), key (shown in the theme's chart) and the external
    references they are compared with::

        sante_jeunes.indicators().query("theme == 'Santé mentale'")
    """
    return pd.DataFrame([{
        "column": i.column, "name": i.name, "label": i.label, "theme": THEMES[i.theme],
        "universe": i.universe or "ensemble des jeunes ayant répondu", "key": i.key,
        "benchmarks": ", ".join(i.benchmarks)} for i in INDICATORS])


def table_specs(config: StudyConfig, d: SurveyDesign | None = None) -> dict[str, TableSpec]:
    """The tables of each theme: :data:`TABLES` with those declared under ``tables:`` in
    ``config`` replacing the ones of the same name, checked (a StudyConfigError names the file,
    the key and the close matches of an unknown table, variable or indicator).  Breakdowns may
    be any categorical variable of ``d``'s data (default: the ones of :data:`TABLES`);
    indicators are named as in :func:`indicators` (``name`` or ``column``)."""
    known_b = list(_BY) if d is None else [
        c for c in d.data.columns if isinstance(d.data[c].dtype, pd.CategoricalDtype)
        and not c.startswith(("ind_", "zone_", "m_"))]
    known_i = [i.name for i in INDICATORS] + [i.column for i in INDICATORS]
    declared = check_tables(config, tables=list(TABLES), breakdowns=known_b, indicators=known_i)
    out = dict(TABLES)
    for name, spec in declared.items():
        inds = None if spec.indicators is None else tuple(
            x.removeprefix("ind_") for x in spec.indicators)
        out[name] = TableSpec(name, spec.breakdowns, inds, spec.title or TABLES[name].title,
                              spec.total)
    return out


# ----------------------------------------------------------------------------- calibration
def population_margins(pop: pd.DataFrame, codebook: Any, *, source: str = "population"
                       ) -> dict[tuple[str, ...], dict]:
    """Calibration margins from the ML population table (codes -> the data's labels).

    ``pop``: the ``population`` reference (one row per sexe × tranche_age × departement ×
    qualification with its ``effectif``). Returns ``{("sexe", "tranche_age"): {(label, label):
    count}, ("departement", "qualification"): {...}}``: cells with a zero count are left out
    (no youth of the population there; the sample has none either or raking would fail
    clearly). ``source`` names the table in error messages.
    """
    need = ["sexe", "tranche_age", "departement", "qualification", "effectif"]
    missing = [c for c in need if c not in pop.columns]
    if missing:
        raise StudyInputError(
            f"{source}: column(s) {missing} missing; available: {list(pop.columns)}. "
            "Hint: the ML population table has one row per sexe × tranche_age × departement × "
            "qualification with its 'effectif'."
        )
    labelled = pop.copy()
    for col in need[:-1]:
        labels = codebook.variables[col].value_labels
        lab = {float(k): v for k, v in labels.items()}
        mapped = labelled[col].astype(float).map(lab)
        if mapped.isna().any():
            bad = sorted(labelled.loc[mapped.isna(), col].unique().tolist())
            raise StudyInputError(f"{source}: column {col!r} has codes {bad} unknown to the "
                                  f"codebook (known: {sorted(labels)}).")
        labelled[col] = mapped
    out: dict[tuple[str, ...], dict] = {}
    for pair in (("sexe", "tranche_age"), ("departement", "qualification")):
        tot = labelled.groupby(list(pair), sort=False)["effectif"].sum()
        out[pair] = {k: float(v) for k, v in tot.items() if v > 0}
    return out


def calibrated_design(df: pd.DataFrame, margins: Mapping[tuple[str, ...], Mapping],
                      method: str = "raking", bounds: tuple[float, float] = (0.2, 5.0)
                      ) -> SurveyDesign:
    """Design of youths met in ML (clusters = ML, strata = départements), calibrated to the
    population margins: ``method="raking"`` (exponential distance, survey::calibrate(calfun=
    "raking"); same weights as iterative raking on these margins, GREG-residual variance),
    ``"logit"`` (bounded, survey::calibrate(calfun="logit", bounds=...)) or ``"ipf"``
    (survey::rake). Starting weights are ``N / n`` (non-probability sample)."""
    if method not in ("raking", "logit", "ipf"):
        raise ValueError(f"method={method!r}: expected 'raking', 'logit' or 'ipf' (calibration "
                         "method of studies/sante_jeunes.yaml, parameter 'calibration').")
    total = float(sum(next(iter(margins.values())).values()))
    start = df.assign(poids_initial=total / len(df))
    base = SurveyDesign(start, weights="poids_initial", strata="departement", psu="ml",
                        lonely_psu="adjust")
    if method == "raking":
        return base.calibrate(categorical=dict(margins), method="raking")
    if method == "logit":
        return base.calibrate(categorical=dict(margins), method="logit", bounds=tuple(bounds))
    return base.rake(dict(margins))


def design(inputs: StudyInputs, wave: int = 2024, *, calibration: str = "raking",
           bounds: tuple[float, float] = (0.2, 5.0)) -> SurveyDesign:
    """The study's calibrated design of one wave (the one :func:`compute` uses).

    Frame: the wave's microdata through :func:`prepare` (scores, indicators ``ind_*``), plus
    one column ``zone_<code>`` per département (« <département> » / « Reste de la région »,
    for the tests of the département reports). Design: start weights ``N / n``, strata =
    ``departement``, PSU = ``ml`` (lonely PSUs: ``adjust``), calibrated by ``calibration``
    (raking | logit with ``bounds`` | ipf) to the margins of the ``population`` reference.

    R: ``d <- svydesign(ids=~ml, strata=~departement, weights=~poids_initial, data=df);
    calibrate(d, ~sexe:tranche_age + departement:qualification, pop, calfun="raking")``.
    """
    name = f"sante_{int(wave)}"
    if name not in inputs.frames:
        raise StudyInputError(
            f"wave={wave!r}: no input {name!r} in {inputs.config.path} (declared: "
            f"{sorted(inputs.frames)}). Hint: choose one of the declared waves.")
    book = inputs.codebooks[name]
    margins = population_margins(_reference(inputs, "population"), book,
                                 source=f"{inputs.config.references['population'].path} "
                                        "(reference 'population')")
    frame = prepare(inputs.frames[name], book)
    dep = frame["departement"].astype(object)
    for code, label in DEPARTEMENTS.items():
        frame[f"zone_{code}"] = pd.Categorical(
            np.where(dep.isna(), None, np.where(dep == label, label, "Reste de la région")),
            categories=[label, "Reste de la région"])
    labels = {v: var.label for v, var in book.variables.items() if var.label}
    labels.update({**BREAKDOWNS, **VULNERABLE, **INSTRUMENT_CLASSES})
    labels.update({i.column: i.label for i in INDICATORS})
    labels = {k: v for k, v in labels.items() if k in frame.columns}
    return calibrated_design(frame, margins, calibration, tuple(bounds)).update(labels=labels)


def _reference(inputs: StudyInputs, name: str) -> pd.DataFrame:
    if name not in inputs.references:
        raise StudyInputError(
            f"{inputs.config.path}: the reference {name!r} is not declared under 'references:' "
            f"(declared: {sorted(inputs.references)}). Hint: see studies/sante_jeunes.yaml.")
    return inputs.references[name]


def design_for(wave: int = 2024, root: str | Path | None = None, *, calibration: str = "raking",
               bounds: tuple[float, float] = (0.2, 5.0)) -> SurveyDesign:
    """:func:`design` of ``wave`` on the project's declared inputs (loads them itself)::

        from arefie_studies.studies import sante_jeunes
        d = sante_jeunes.design_for(2024)
        d.proportion("ind_detresse", by="departement", ci_method="beta")
    """
    from arefie_studies.project import load_study_inputs

    return design(load_study_inputs("sante_jeunes", root, inputs=[f"sante_{int(wave)}"]), wave,
                  calibration=calibration, bounds=bounds)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SanteResults(Results):
    """Every figure the santé jeunes reports publish (region and the five départements).

    Estimate frames (overall, overall_prev, breakdowns) have the columns of
    :func:`indicator_estimates` (estimate, se, ci_low, ci_high, kg_low, kg_high, df, n, n_yes,
    hidden, decision, reason — the NCHS presentation rule on the Korn–Graubard interval);
    ``breakdowns`` adds ``breakdown`` (sexe, tranche_age, qualification, departement,
    qpv, sans_logement_stable, rqth). ``tests``: breakdown, indicator, p_value (Rao–Scott);
    ``dep_tests``: departement (code), indicator, p_value (département vs rest of the region).
    ``evolution``: :func:`wave_comparison` (None without a comparison wave); ``benchmarks``:
    external references only, ``own_references`` the study's own published figures left out.
    """

    wave: int
    previous: int | None
    calibration: str
    bounds: tuple[float, float]
    n: int
    n_ml: int
    population_total: float
    n_eff: float
    weighting_summary: pd.DataFrame
    weighting_margins: pd.DataFrame
    sample: pd.DataFrame
    overall: pd.DataFrame
    overall_prev: pd.DataFrame | None
    breakdowns: pd.DataFrame
    tests: pd.DataFrame
    dep_tests: pd.DataFrame
    departements: pd.DataFrame
    instruments: pd.DataFrame
    evolution: pd.DataFrame | None
    benchmarks: pd.DataFrame
    own_references: pd.DataFrame
    model: pd.DataFrame
    model_n: int
    table_specs: Mapping[str, TableSpec] | None = None
    breakdown_labels: Mapping[str, str] | None = None
    title: str = ""
    partners: str = ""
    contact: str = ""
    fieldwork: str = ""

    def by(self, breakdown: str) -> pd.DataFrame:
        """The estimates by one breakdown (``group`` = its levels)."""
        return self.breakdowns[self.breakdowns["breakdown"] == breakdown]

    def departement(self, code: str) -> pd.DataFrame:
        """Estimates of the département ``code`` ("59"), every indicator."""
        return self.by("departement").pipe(lambda d: d[d["group"] == departement_label(code)])


def _sample(d: SurveyDesign) -> pd.DataFrame:
    """Respondents, unweighted and weighted share of each level of the breakdown variables."""
    w = np.asarray(d.weights, dtype=float)
    rows = []
    for var in BREAKDOWNS:
        s = d.data[var]
        n = s.value_counts(sort=False)
        wt = pd.Series(w, index=d.data.index).groupby(s, observed=False).sum()
        rows += [{"variable": var, "group": str(g), "n": int(n.get(g, 0)),
                  "share_raw": n.get(g, 0) / n.sum(), "share_weighted": wt.get(g, 0.0) / wt.sum()}
                 for g in s.cat.categories]
    return pd.DataFrame(rows)


def _previous(params: Mapping[str, Any], wave: int) -> int | None:
    prev = params.get("compare_wave", 2020)
    if not prev or int(prev) == wave:
        return None
    if int(prev) > wave:
        raise ValueError(f"compare_wave={prev!r} is after wave={wave!r}: the comparison wave "
                         "must be an earlier edition (or 0 for none).")
    return int(prev)


def _with_crossings(d: SurveyDesign, specs: Mapping[str, TableSpec]
                    ) -> tuple[SurveyDesign, list[str]]:
    """The design with one column per crossed breakdown of the tables (« departement × sexe »,
    groups « Nord · Femme », labelled « Département × Sexe »), and every breakdown to estimate:
    :data:`_BY` (used by the texts and the département reports) then those the tables add."""
    names = list(_BY)
    columns: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    for spec in specs.values():
        for b in spec.breakdowns:
            name = b if isinstance(b, str) else cross_name(b)
            if not isinstance(b, str) and name not in columns:
                columns[name] = cross(d.data, list(b))
                labels[name] = cross_label(b, d.labels)
            if name not in names:
                names.append(name)
    return (d.update(labels=labels, **columns) if columns else d), names


def compute(inputs: StudyInputs, params: Mapping[str, Any]) -> SanteResults:
    """Every figure of every santé jeunes report (regional and the five départements).

    ``params``: wave (2024), compare_wave (2020; 0 = none), calibration (raking),
    calibration_bounds ([0.2, 5]), disclosure_threshold. Reads only ``inputs``.
    """
    wave = int(params.get("wave", 2024))
    previous = _previous(params, wave)
    method = str(params.get("calibration", "raking"))
    bounds = tuple(float(b) for b in params.get("calibration_bounds", (0.2, 5.0)))
    base = Results.base_fields(inputs, params)
    t = base["threshold"]
    d = design(inputs, wave, calibration=method, bounds=bounds)
    specs = table_specs(inputs.config, d)
    d_tab, names = _with_crossings(d, specs)
    overall = indicator_estimates(d, INDICATORS, threshold=t)
    by = pd.concat([indicator_estimates(d_tab, INDICATORS, by=b, threshold=t).assign(breakdown=b)
                    for b in names], ignore_index=True)
    tests = pd.concat([group_tests(d_tab, INDICATORS, b).rename_axis("indicator").reset_index()
                       .assign(breakdown=b) for b in names], ignore_index=True)
    key = [i for i in INDICATORS if i.key]
    dep_tests = pd.concat([group_tests(d, key, f"zone_{c}").rename_axis("indicator").reset_index()
                           .assign(departement=c) for c in DEPARTEMENTS], ignore_index=True)
    data = d.data
    deps = pd.DataFrame([{"departement": c, "label": lab,
                          "n": int(data["departement"].astype(object).eq(lab).sum()),
                          "n_ml": int(data.loc[data["departement"].astype(object).eq(lab), "ml"]
                                      .nunique())} for c, lab in DEPARTEMENTS.items()])
    overall_prev = evolution = None
    if previous is not None:
        overall_prev = indicator_estimates(design(inputs, previous, calibration=method,
                                                  bounds=bounds), INDICATORS, threshold=t)
        evolution = wave_comparison(overall, overall_prev)
    bench = _reference(inputs, "benchmarks")
    waves = [int(k.removeprefix("sante_")) for k in inputs.config.inputs
             if k.removeprefix("sante_").isdigit()]  # waves whose microdata the study holds
    own = own_wave_references(bench, inputs.config.title, waves)
    model, model_n = distress_model(d)
    diag = d.weighting_diagnostics()
    s = diag.summary.iloc[0]
    return SanteResults(
        **base, wave=wave, previous=previous, calibration=method, bounds=bounds,
        n=int((np.asarray(d.weights) > 0).sum()), n_ml=int(data["ml"].nunique()),
        population_total=float(s["total"]), n_eff=float(s["n_eff"]),
        weighting_summary=diag.summary, weighting_margins=diag.margins, sample=_sample(d),
        overall=overall, overall_prev=overall_prev, breakdowns=by, tests=tests,
        dep_tests=dep_tests, departements=deps,
        instruments=class_distribution(d, INSTRUMENT_CLASSES, threshold=t),
        evolution=evolution, benchmarks=benchmark_comparison(overall, bench[~own]),
        own_references=bench[own].reset_index(drop=True), model=model, model_n=model_n,
        table_specs=specs, breakdown_labels={b: d_tab.labels.get(b, b) for b in names},
        title=inputs.config.title, partners=inputs.config.partners,
        contact=getattr(inputs.config, "contact", ""),
        fieldwork=getattr(inputs.config, "fieldwork", ""))


def report(results: SanteResults, params: Mapping[str, Any]) -> Report:
    """The report of one variant: regional (``departement=""``) or a département's light
    report (``departement="59"``), built only from ``results``. Its chapters
    (``introduction``, ``themes``, ``comparaisons``, ``annexe``) are reachable with
    ``report.chapter(anchor)``."""
    from arefie_studies.studies._sante_report import build_report

    return build_report(results, params)
