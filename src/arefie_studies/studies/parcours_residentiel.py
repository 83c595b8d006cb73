"""Parcours résidentiel des jeunes: recodes, designs and the indicators the report shows.

Two surveys (``data/synthetic/parcours_residentiel_*.sav``):

- the youths (~3,000): stratified by département (strata), youths met in their Mission Locale
  (PSU), design weights ``poids`` summing to the accompanied youths. Every estimate is
  design-based (:class:`arefie_studies.survey.SurveyDesign`, Taylor linearisation, Student's t
  on the design degrees of freedom — mirrors ``survey::svydesign(~ml, strata=~departement,
  weights=~poids)``);
- the ML professionals (~400, every ML): unweighted, clustered in their ML and stratified by
  département (same design, weights 1).

Residential precarity (:data:`PRECARIOUS`, glossary ``precarite_residentielle``): living hosted
by family or friends (« hébergé par un tiers »), in emergency or social accommodation (CHRS, CHU,
hotel) or in a squat, the street or a vehicle — the housing exclusion categories of the ETHOS
typology (FEANTSA) that the survey distinguishes. « Sans logement stable » follows the shared
glossary (:data:`SANS_LOGEMENT_STABLE`: the precarious situations plus foyers/FJT). The typology
population is wider: currently precarious *or* having experienced a period without housing.

The study contract (:mod:`arefie_studies.studies.contract`): :func:`compute` returns a
:class:`ParcoursResults` holding every published number for the region and the five
départements; :func:`report` builds one variant's blocks from it (the notebook shows one chapter per cell
with ``report.chapter(anchor)``, anchors in :data:`CHAPTERS`). The estimators below return tidy DataFrames (or
BannerTables from :func:`arefie_studies.tables.banner`) and never format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from arefie_studies.project import TableSpec
from arefie_studies.studies.glossary import term
from arefie_studies.survey import SurveyDesign
from arefie_studies.tables import BannerTable, banner, yes_rows

if TYPE_CHECKING:
    from arefie_studies.studies._parcours_results import ParcoursResults
    from arefie_studies.studies.contract import Report

__all__ = [
    "CHAPTERS",
    "DEPARTEMENTS",
    "HOUSING_GROUPS",
    "OUTCOMES",
    "PRECARIOUS",
    "REGION",
    "SANS_LOGEMENT_STABLE",
    "TABLES",
    "ParcoursInputError",
    "ParcoursResults",
    "compute",
    "departement_label",
    "domain_estimates",
    "housing_by_departement",
    "indicators",
    "outcome_model",
    "outcomes_by_precarity",
    "prepare_professionals",
    "prepare_youths",
    "professional_design",
    "report",
    "table_specs",
    "youth_design",
]

#: Label of the whole region (the regional column and territory of the results).
REGION = "Hauts-de-France"
DEPARTEMENTS = {"02": "Aisne", "59": "Nord", "60": "Oise", "62": "Pas-de-Calais", "80": "Somme"}
TERRITOIRES = {
    "rural": "Rural (zone de revitalisation)",
    "periurbain": "Périurbain (QPV)",
    "urbain": "Urbain",
}
L_PARENTS = "Chez les parents"
L_TIERS = "Hébergé par la famille ou des amis (hébergé par un tiers)"
L_PERSO = "Logement personnel"
L_FJT = "Foyer de jeunes travailleurs (FJT), résidence"
L_URGENCE = "Hébergement d'urgence ou social (CHRS, CHU, hôtel)"
L_RUE = "Squat, rue, véhicule"
HOUSING = (L_PARENTS, L_TIERS, L_PERSO, L_FJT, L_URGENCE, L_RUE)
#: Current housing situations counted as residential precarity (glossary
#: ``precarite_residentielle``).
PRECARIOUS = (L_TIERS, L_URGENCE, L_RUE)
#: « Sans logement stable » as the shared glossary defines it (``term("sans_logement_stable")``):
#: hosted by a third party, in a foyer/FJT or residence, emergency or social accommodation,
#: squat, street or vehicle; youths with their parents or in their own home are not counted.
SANS_LOGEMENT_STABLE = (L_TIERS, L_FJT, L_URGENCE, L_RUE)
#: The six categories grouped in four for small domains.
HOUSING_GROUPS = {
    L_PARENTS: "Chez les parents",
    L_PERSO: "Logement personnel",
    L_FJT: "Logement de transition (FJT, résidence)",
    L_TIERS: "Hébergement précaire (tiers, urgence, rue)",
    L_URGENCE: "Hébergement précaire (tiers, urgence, rue)",
    L_RUE: "Hébergement précaire (tiers, urgence, rue)",
}
GROUP_ORDER = ("Chez les parents", "Logement personnel", "Logement de transition (FJT, résidence)",
               "Hébergement précaire (tiers, urgence, rue)")
YES, NO = "Oui", "Non"
#: Insertion outcomes (Oui/Non columns of the survey) and their French labels; 0/1 versions
#: ``y_<name>`` are added by :func:`prepare_youths` for the models.
OUTCOMES = {
    "emploi": "En emploi",
    "formation": "En formation",
    "decrochage": "Rupture d'accompagnement en Mission Locale (12 derniers mois)",
}
OUTCOMES_SHORT = {"emploi": "En emploi", "formation": "En formation",
                  "decrochage": "Rupture d'accompagnement"}
#: Derived variables and their French labels.
DERIVED_LABELS = {
    "logement_groupe": "Situation de logement (regroupée)",
    "precarite": "En situation de précarité résidentielle",
    "sans_logement_stable": term("sans_logement_stable").label,
    "mobilite": "Déménagements au cours des 3 dernières années",
    "zone": "Zone",
    "y_emploi": "En emploi",
    "y_formation": "En formation",
    "y_decrochage": "Rupture d'accompagnement",
}
BARRIERS = ("frein_ressources", "frein_garant", "frein_offre", "frein_mobilite",
            "frein_discrimination", "frein_demarches")
MOBILITY_BINS = ([-np.inf, 0, 2, np.inf],
                 ["Aucun", "1 ou 2", "3 ou plus"])
_YOUTH_COLUMNS = ("ml", "departement", "territoire", "sexe", "tranche_age", "qualification", "qpv",
                  "logement", "statut_occupation", "nb_demenagements", "rupture_hebergement",
                  "periode_sans_logement", "ressources", "situation", "emploi", "formation",
                  "decrochage", "poids", *BARRIERS)
_PRO_COLUMNS = ("ml", "departement", "fonction", "aisance_logement", "frequence_questions_logement",
                "part_jeunes_probleme_logement", "satisfaction_partenariats")


class ParcoursInputError(ValueError):
    """An input of the parcours résidentiel study lacks a column, a level or a parameter value."""


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ParcoursInputError(
            f"{what}: column(s) {missing} missing; available: {sorted(map(str, frame.columns))}. "
            "Hint: regenerate the synthetic data (python -m arefie_studies.synth) or check the "
            "codebook of the wave.")


def _check_levels(series: pd.Series, expected: Sequence[str], name: str) -> None:
    seen = {str(v) for v in series.dropna().unique()}
    unknown = sorted(seen - set(expected))
    if unknown:
        raise ParcoursInputError(
            f"variable {name!r}: level(s) {unknown} are not known to the study (expected: "
            f"{list(expected)}). Hint: the codebook's value labels changed; update "
            "parcours_residentiel.py.")


def departement_label(code: str | int) -> str:
    """'59' / 59 -> 'Nord'; raises ParcoursInputError listing the known codes."""
    key = str(code).strip().zfill(2)
    if key not in DEPARTEMENTS:
        raise ParcoursInputError(
            f"departement={code!r}: unknown code; expected one of {list(DEPARTEMENTS)} "
            f"({', '.join(DEPARTEMENTS.values())}) or '' for the regional report.")
    return DEPARTEMENTS[key]


def _yes_no(mask: np.ndarray, missing: np.ndarray | None = None) -> pd.Categorical:
    values = np.where(mask, YES, NO).astype(object)
    if missing is not None:
        values[missing] = None
    return pd.Categorical(values, categories=[YES, NO])


# --------------------------------------------------------------------------- recodes
def prepare_youths(frame: pd.DataFrame, *, departement: str = "") -> pd.DataFrame:
    """The youths' frame with the study's recodes (the original columns are kept).

    Adds ``logement_groupe`` (4 groups, :data:`HOUSING_GROUPS`), ``precarite`` (Oui/Non:
    current housing in :data:`PRECARIOUS`), ``sans_logement_stable`` (Oui/Non: current housing
    in :data:`SANS_LOGEMENT_STABLE`, the glossary's definition), ``mobilite`` (moves in 3 years: 0, 1–2, 3+), 0/1 outcomes ``y_emploi``,
    ``y_formation``, ``y_decrochage`` and, with ``departement``, ``zone`` (that département vs
    the rest of the region).
    """
    _check_columns(frame, _YOUTH_COLUMNS, "youths' survey")
    _check_levels(frame["logement"], HOUSING, "logement")
    out = frame.copy()
    log = out["logement"].astype(object)
    miss = log.isna().to_numpy()
    out["logement"] = pd.Categorical(log, categories=list(HOUSING))
    out["logement_groupe"] = pd.Categorical(log.map(HOUSING_GROUPS), categories=list(GROUP_ORDER))
    out["precarite"] = _yes_no(log.isin(PRECARIOUS).to_numpy(), miss)
    out["sans_logement_stable"] = _yes_no(log.isin(SANS_LOGEMENT_STABLE).to_numpy(), miss)
    edges, labels = MOBILITY_BINS
    out["mobilite"] = pd.cut(out["nb_demenagements"], edges, labels=labels)
    for src in OUTCOMES:
        col = f"y_{src}"
        _check_levels(out[src], (YES, NO), src)
        s = out[src].astype(object)
        out[col] = np.where(s.isna(), np.nan, (s == YES).astype(float))
    if str(departement).strip():
        label = departement_label(departement)
        dep = out["departement"].astype(object)
        out["zone"] = pd.Categorical(np.where(dep == label, label, "Reste de la région"),
                                     categories=[label, "Reste de la région"])
    labels = dict(frame.attrs.get("variable_labels", {}) or {})
    labels.update(DERIVED_LABELS)
    labels.update(departement="Département", territoire="Type de territoire", ml="Mission Locale")
    out.attrs["variable_labels"] = labels
    return out


def youth_design(frame: pd.DataFrame) -> SurveyDesign:
    """Stratified cluster design of the youths' survey.

    Mirrors: ``svydesign(ids=~ml, strata=~departement, weights=~poids, data=frame)``.
    """
    return SurveyDesign(frame, weights="poids", strata="departement", psu="ml",
                        labels=frame.attrs.get("variable_labels"))


#: Professionals: knowledge of housing schemes (4-point) and needs (Oui/Non).
KNOWLEDGE = {"connait_fjt": "Les foyers de jeunes travailleurs (FJT)",
             "connait_siao": "Le SIAO (hébergement d'urgence)",
             "connait_visale": "La garantie Visale",
             "connait_locapass": "L'avance Loca-Pass",
             "connait_fsl": "Le Fonds de solidarité logement (FSL)",
             "connait_cllaj": "Le CLLAJ"}
NEEDS = ("besoin_formation", "besoin_annuaire", "besoin_temps", "besoin_referent", "besoin_outils")
AT_EASE = ("Plutôt à l'aise", "Tout à fait à l'aise")
KNOWS_WELL = ("Assez bien", "Très bien")


def prepare_professionals(frame: pd.DataFrame, *, departement: str = "") -> pd.DataFrame:
    """The professionals' frame with Oui/Non recodes ``a_l_aise`` (rather or fully at ease with
    housing questions), ``satisfait_partenariats`` (rather or very satisfied), ``bien_<scheme>`` (knows the scheme rather or very well), ``poids`` = 1
    (each professional counts once) and, with ``departement``, ``zone``."""
    _check_columns(frame, [*_PRO_COLUMNS, *KNOWLEDGE, *NEEDS], "professionals' survey")
    out = frame.copy()
    ease = out["aisance_logement"].astype(object)
    out["a_l_aise"] = _yes_no(ease.isin(AT_EASE).to_numpy(), ease.isna().to_numpy())
    labels = dict(frame.attrs.get("variable_labels", {}) or {})
    labels["a_l_aise"] = "À l'aise avec les questions de logement (plutôt ou tout à fait)"
    for var, lab in KNOWLEDGE.items():
        s = out[var].astype(object)
        name = "bien_" + var.removeprefix("connait_")
        out[name] = _yes_no(s.isin(KNOWS_WELL).to_numpy(), s.isna().to_numpy())
        labels[name] = f"Connaît assez ou très bien : {lab[0].lower() + lab[1:]}"
    sat = out["satisfaction_partenariats"].astype(object)
    out["satisfait_partenariats"] = _yes_no(
        sat.isin(["Plutôt satisfait", "Très satisfait"]).to_numpy(), sat.isna().to_numpy())
    labels["satisfait_partenariats"] = ("Satisfait des partenariats logement (plutôt ou très)")
    labels["part_jeunes_probleme_logement"] = (
        "Part estimée des jeunes suivis ayant un problème de logement (en %)")
    out["poids"] = 1.0
    if str(departement).strip():
        label = departement_label(departement)
        dep = out["departement"].astype(object)
        out["zone"] = pd.Categorical(np.where(dep == label, label, "Reste de la région"),
                                     categories=[label, "Reste de la région"])
    labels.update(zone="Zone", departement="Département", ml="Mission Locale")
    out.attrs["variable_labels"] = labels
    return out


def professional_design(frame: pd.DataFrame) -> SurveyDesign:
    """Professionals clustered in their ML, stratified by département, weights 1."""
    return SurveyDesign(frame, weights="poids", strata="departement", psu="ml",
                        labels=frame.attrs.get("variable_labels"))


# --------------------------------------------------------------------------- tables
def only_level(table: BannerTable, level: str = YES) -> BannerTable:
    """The banner with, for yes/no questions, only the ``level`` row
    (:func:`arefie_studies.tables.yes_rows`)."""
    return yes_rows(table, level, NO if level == YES else YES)


def housing_by_departement(design: SurveyDesign, *, threshold: int, source: str = "",
                           title: str = "", breakdowns: Sequence[Any] = ("departement",),
                           questions: Sequence[str] = ()) -> BannerTable:
    """Current housing situation (4 groups) and precarity indicators by département.

    The table holds the Rao–Scott test of each question (``table.tests``): the report's text
    quotes the test of ``precarite`` from there, so text and table read one p-value.
    Weighted shares with logit CIs (``svyciprop``), Rao–Scott F test of independence per
    question (``svychisq``), ▲/▼ for a département differing from the rest of the region.
    The six detailed categories are not crossed with the département: their small cells
    (squat, street) would be hidden in one question and recoverable by difference from the
    grouped ones (secondary suppression does not span questions).
    """
    return banner(design, list(questions or DEPARTEMENT_QUESTIONS),
                  list(breakdowns), threshold=threshold, source=source, title=title)


#: Questions of the diagnosis by département (Tableau 1 of the regional report).
DEPARTEMENT_QUESTIONS = ("logement_groupe", "precarite", "sans_logement_stable",
                         "periode_sans_logement", "rupture_hebergement")

#: The declared table of the study (``tables:`` of studies/parcours_residentiel.yaml replaces
#: it): Tableau 1, the housing diagnosis, by département — more breakdowns (one YAML line each,
#: ``[departement, sexe]`` a crossing) add column groups; the chapter's text reads the
#: département columns, so ``departement`` stays among them.
TABLES: dict[str, TableSpec] = {
    "departements": TableSpec("departements", ("departement",), DEPARTEMENT_QUESTIONS),
}


def table_specs(config: Any, design: SurveyDesign) -> dict[str, TableSpec]:
    """:data:`TABLES` with the tables declared in ``config`` (``tables:``) replacing them,
    checked: breakdowns are categorical variables of the youths' design, indicators the
    questions of :func:`indicators`. An unknown name, or a departements table without
    ``departement``, is a StudyConfigError naming the file and the key."""
    from arefie_studies.project import StudyConfigError, check_tables

    known_b = [c for c in design.data.columns
               if isinstance(design.data[c].dtype, pd.CategoricalDtype)]
    declared = check_tables(config, tables=list(TABLES), breakdowns=known_b,
                            indicators=list(indicators()["name"]))
    out = dict(TABLES)
    for name, spec in declared.items():
        if "departement" not in spec.breakdowns:
            raise StudyConfigError(
                f"{config.path}: key 'tables.{name}.breakdowns': 'departement' is missing. Hint: "
                "the chapter compares départements; keep '- departement' and add lines after it.")
        out[name] = replace(spec, indicators=spec.indicators or TABLES[name].indicators)
    return out


def indicators(design: SurveyDesign | None = None) -> pd.DataFrame:
    """The questions the declared table may show (``indicators:`` of ``tables:``), with their
    French labels: the derived variables' (:data:`DERIVED_LABELS`), the others' from the
    codebook through ``design`` (:func:`youth_design`; without it, the name). Columns: name,
    label."""
    known = {**(design.labels if design is not None else {}), **DERIVED_LABELS}
    return pd.DataFrame({"name": list(DEPARTEMENT_QUESTIONS),
                         "label": [known.get(q, q) for q in DEPARTEMENT_QUESTIONS]})


def domain_estimates(design: SurveyDesign, questions: Sequence[str], by: str | None = None, *,
                     level: str | None = YES) -> pd.DataFrame:
    """Domain estimates with everything a small-domain presentation rule needs.

    One row per question × group × level (only ``level`` when given, e.g. "Oui"; a numeric
    question gives its mean, level ""): ``question, level, group`` ("Ensemble" without
    ``by``), ``estimate, se``, the interval the report shows ``ci_low, ci_high`` (logit for
    shares, Student for means), the Korn–Graubard interval ``kg_low, kg_high`` (shares only),
    the domain's design degrees of freedom ``df`` (PSUs minus strata of the domain) and ``n``
    (its respondents to the question).
    Mirrors: ``svyby(~I(q == level), ~by, design, svyciprop, method="logit")`` and
    ``method="beta"`` (``svymean`` for a numeric question); ``degf(subset(design, by == g))``.
    """
    frames = []
    for q in questions:
        numeric = pd.api.types.is_numeric_dtype(design.data[q]) \
            and not isinstance(design.data[q].dtype, pd.CategoricalDtype)
        if numeric:
            lg = design.mean(q, by=by).assign(level="")
            kg = lg.assign(ci_low=np.nan, ci_high=np.nan)
        else:
            lg = design.proportion(q, by=by, ci_method="logit")
            kg = design.proportion(q, by=by, ci_method="beta")
        out = pd.DataFrame({
            "question": q, "level": lg["level"].astype(str).to_numpy(),
            "group": lg[by].astype(str).to_numpy() if by else "Ensemble",
            "estimate": lg["estimate"].to_numpy(), "se": lg["se"].to_numpy(),
            "ci_low": lg["ci_low"].to_numpy(), "ci_high": lg["ci_high"].to_numpy(),
            "kg_low": kg["ci_low"].to_numpy(), "kg_high": kg["ci_high"].to_numpy(),
            "df": lg["df"].to_numpy(), "n": lg["n"].astype(int).to_numpy()})
        frames.append(out if level is None or numeric else out[out["level"] == level])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class OutcomeComparison:
    """Insertion outcomes by residential precarity: ``estimates`` (outcome, group, estimate,
    se, ci_low, ci_high, kg_low, kg_high, df, n, yes, no — ``n`` the group's respondents,
    ``yes``/``no`` its unweighted answers) and ``tests`` (outcome, statistic, ndf, ddf,
    p_value: Rao–Scott F test of outcome × precarity —
    ``svychisq(~outcome + precarite, statistic="F")``)."""

    estimates: pd.DataFrame
    tests: pd.DataFrame


def outcomes_by_precarity(design: SurveyDesign, by: str = "logement_groupe",
                          outcomes: Mapping[str, str] = OUTCOMES, *,
                          domain: np.ndarray | None = None) -> OutcomeComparison:
    """Share of each insertion outcome (a Oui/Non column) by housing group (or ``by``) with
    logit and Korn–Graubard CIs, and the Rao–Scott test of the outcome × group table; with
    ``domain`` (a boolean row mask, e.g. a département) in that domain (``design.subset``).

    Mirrors: ``svyby(~I(y == "Oui"), ~by, design, svyciprop, method="logit")`` for each
    outcome ``y`` and ``svychisq(~y + by, design, statistic="F")``.
    """
    data = design.data
    _check_columns(data, [by, *outcomes], "outcomes_by_precarity")
    if domain is not None:
        domain = np.asarray(domain, dtype=bool)
        design = design.subset(domain)
    rows, tests = [], []
    for var in outcomes:
        est = domain_estimates(design, [var], by=by)
        sel = data[var].notna() & data[by].notna()
        if domain is not None:
            sel &= domain
        tab = pd.crosstab(data.loc[sel, by].astype(str), data.loc[sel, var].astype(str))
        tab = tab.reindex(columns=[YES, NO], fill_value=0)
        est = est.assign(outcome=var,
                         yes=est["group"].map(tab[YES]).fillna(0).astype(int).to_numpy(),
                         no=est["group"].map(tab[NO]).fillna(0).astype(int).to_numpy())
        rows.append(est[["outcome", "group", "estimate", "se", "ci_low", "ci_high", "kg_low",
                         "kg_high", "df", "n", "yes", "no"]])
        res = design.chisq(var, by, statistic="F")
        ndf, ddf = res.df
        tests.append({"outcome": var, "statistic": res.statistic, "ndf": ndf, "ddf": ddf,
                      "p_value": res.p_value})
    return OutcomeComparison(pd.concat(rows, ignore_index=True), pd.DataFrame(tests))


#: Covariates of the outcome model: (column, French label, reference level).
MODEL_TERMS = (
    ("logement_groupe", "Situation de logement", "Chez les parents"),
    ("sexe", "Sexe", "Homme"),
    ("tranche_age", "Tranche d'âge", "18-21 ans"),
    ("qualification", "Niveau de qualification", None),
    ("territoire", "Type de territoire", "Urbain"),
)


def outcome_model(design: SurveyDesign, outcome: str = "y_emploi",
                  terms: Sequence[tuple[str, str, str | None]] = MODEL_TERMS) -> pd.DataFrame:
    """Design-based logistic regression of a 0/1 outcome on the housing group and controls.

    Returns one row per coefficient (intercept excluded): ``term`` (column), ``term_label``,
    ``level``, ``odds_ratio``, ``ci_low``, ``ci_high`` (exp of the Wald interval on the design
    df), ``p_value``; plus a row per reference level (odds ratio 1, ``reference=True``).
    Mirrors: ``svyglm(y ~ logement_groupe + sexe + ..., design, family=quasibinomial())``.
    """
    data = design.data
    _check_columns(data, [outcome, *(t[0] for t in terms)], "outcome_model")
    parts = []
    for col, _label, ref in terms:
        levels = list(data[col].cat.categories) if isinstance(data[col].dtype, pd.CategoricalDtype) \
            else sorted(data[col].dropna().unique())
        ref = levels[0] if ref is None else ref
        if ref not in levels:
            raise ParcoursInputError(f"outcome_model: reference {ref!r} is not a level of {col!r} "
                                     f"(levels: {levels}).")
        parts.append(f"C({col}, Treatment(reference={ref!r}))")
    fit = design.glm(f"{outcome} ~ " + " + ".join(parts), family="binomial")
    ci = fit.conf_int()
    rows = []
    for col, label, ref in terms:
        levels = list(data[col].cat.categories) if isinstance(data[col].dtype, pd.CategoricalDtype) \
            else sorted(data[col].dropna().unique())
        ref = levels[0] if ref is None else ref
        rows.append({"term": col, "term_label": label, "level": ref, "odds_ratio": 1.0,
                     "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "reference": True})
        for lev in levels:
            if lev == ref:
                continue
            name = f"C({col}, Treatment(reference={ref!r}))[T.{lev}]"
            if name not in fit.params.index:  # level absent from the data used
                continue
            rows.append({"term": col, "term_label": label, "level": lev,
                         "odds_ratio": float(np.exp(fit.params[name])),
                         "ci_low": float(np.exp(ci.loc[name, "ci_low"])),
                         "ci_high": float(np.exp(ci.loc[name, "ci_high"])),
                         "p_value": float(fit.pvalues[name]), "reference": False})
    out = pd.DataFrame(rows)
    out.attrs["nobs"] = int(fit.nobs)
    return out


# --------------------------------------------------------------------------- the contract
def compute(inputs: Any, params: Mapping[str, Any]) -> ParcoursResults:
    """Every number the regional and département reports publish, computed once from
    ``inputs`` (:class:`arefie_studies.project.StudyInputs`): see
    :mod:`arefie_studies.studies._parcours_results`."""
    from arefie_studies.studies._parcours_results import compute as _compute

    return _compute(inputs, params)


def report(results: ParcoursResults, params: Mapping[str, Any]) -> Report:
    """The report of one variant (``params["departement"]``: "" regional, else a code), built
    only from ``results`` (:mod:`arefie_studies.studies._parcours_report`)."""
    from arefie_studies.studies._parcours_report import build_report

    return build_report(results, params)


#: Anchors of the level-1 chapters of a parcours report, in reading order (the notebook shows
#: one per cell with ``report.chapter(anchor)``; ``""`` is the opening: key figures, synthesis,
#: methods-annex texts). A département report has no "departements", "territoires" nor
#: "typologie" chapter.
CHAPTERS = ("", "parcours-jeunes", "parcours-departements", "parcours-insertion",
            "parcours-territoires", "parcours-typologie", "parcours-professionnels")


def __getattr__(name: str):
    if name == "ParcoursResults":  # defined with compute (it needs the typology module)
        from arefie_studies.studies._parcours_results import ParcoursResults

        return ParcoursResults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
