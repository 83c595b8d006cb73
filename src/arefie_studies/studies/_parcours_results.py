"""The parcours résidentiel results: every number the regional and the five département reports
publish, computed once from the declared inputs (:func:`compute`) and held in
:class:`ParcoursResults` (tidy DataFrames and BannerTables, disclosure already decided).

Every domain estimate (département, type of territory, housing group, typology population)
keeps its unweighted ``n``, ``se``, logit CI (``ci_low``/``ci_high``, what the tables show),
design degrees of freedom ``df`` (PSUs minus strata of the domain, R ``degf``) and the
Korn–Graubard interval ``kg_low``/``kg_high`` (``svyciprop(method="beta")``), for the NCHS
small-domain presentation rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import _parcours_typology as T
from arefie_studies.studies import parcours_residentiel as P
from arefie_studies.studies.contract import Results
from arefie_studies.tables import BannerTable, banner, presentation_rule

__all__ = ["REGION", "ParcoursResults", "compute"]

REGION = P.REGION
YOUTHS, PROS = "jeunes", "professionnels"
#: Questions of each monograph's two tables.
MONO_HOUSING = ("logement_groupe", "precarite", "sans_logement_stable", "periode_sans_logement",
                "rupture_hebergement", "demande_logement_social", "souhait_demenager")
MONO_BARRIERS = (*P.BARRIERS, "permis_b", "vehicule", *P.OUTCOMES)
#: Questions of a département report's table (the département beside the rest of the region).
DEP_QUESTIONS = ("logement_groupe", "precarite", "sans_logement_stable", "periode_sans_logement",
                 "rupture_hebergement", *P.BARRIERS, *P.OUTCOMES)
#: Indicators of the professionals' table.
PRO_ITEMS = ("part_jeunes_probleme_logement", "a_l_aise", "satisfait_partenariats",
             *("bien_" + k.removeprefix("connait_") for k in P.KNOWLEDGE), *P.NEEDS)
#: Indicators of the key figures and of the opening paragraph (regional and per département).
KEY_QUESTIONS = ("precarite", "sans_logement_stable", "periode_sans_logement")
#: Indicators on which the five départements are compared (question -> French label): the
#: regional comparison table and chart, and each département report's place in it.
COMPARED = {"precarite": "En précarité résidentielle",
            "sans_logement_stable": "Sans logement stable",
            "periode_sans_logement": "A connu une période sans logement",
            "emploi": "En emploi"}
#: Recodes of ``logement_groupe`` published beside it: a hidden group of ``logement_groupe``
#: hides them too in that column (they would reveal it by difference).
_LINKED = ("precarite", "sans_logement_stable")
_VALUES = ("estimate", "se", "ci_low", "ci_high", "N", "diff", "diff_se", "p_value")


@dataclass(frozen=True)
class ParcoursResults(Results):
    """Everything the parcours résidentiel reports publish (see the module docstring).

    ``territory`` columns hold :data:`REGION` or a département's name; département codes key
    the per-département dicts (``"59"``).
    """

    n_youths: int
    n_ml: int
    n_pros: int
    design_df: int
    weighting: dict[str, float]
    sample: pd.DataFrame              # département, n, n_ml, total (weighted), n_pros
    housing: pd.DataFrame             # six housing situations, region (figure)
    key_shares: pd.DataFrame          # KEY_QUESTIONS "Oui" in the region
    departements: BannerTable         # Tableau 1: housing indicators by département
    departement_domains: pd.DataFrame  # the same cells with df and Korn–Graubard intervals
    insertion: pd.DataFrame           # outcomes by housing group, by territory (hidden decided)
    insertion_tests: pd.DataFrame     # Rao–Scott test per territory × outcome
    model: pd.DataFrame               # odds ratios of the employment model (region)
    model_nobs: int
    territories: pd.DataFrame         # share of each type of territory (region)
    mono_housing: BannerTable
    mono_barriers: BannerTable
    mono_domains: pd.DataFrame        # the monographs' cells with df and Korn–Graubard intervals
    typology: T.Typology
    cluster_shares: pd.DataFrame      # one row per class + the "Ensemble" row (is_total)
    dep_tables: dict[str, BannerTable]      # code -> DEP_QUESTIONS by zone
    dep_domains: pd.DataFrame               # département domain estimates with df / KG
    dep_territories: pd.DataFrame           # code, level, share of each type of territory
    professionals: BannerTable              # PRO_ITEMS by département
    pro_tables: dict[str, BannerTable]      # code -> PRO_ITEMS by zone
    pro_domains: pd.DataFrame               # professionals' domain estimates with df / KG
    knowledge: pd.DataFrame                 # 4-level knowledge of each scheme (region)
    comparison: pd.DataFrame                # COMPARED indicators × the 5 départements (decided)
    adjusted: pd.DataFrame                  # employment observed / expected (case mix) by dép.
    about: dict[str, str]                   # title, partners, contact, fieldwork (the config)

    def territory_label(self, code: str) -> str:
        """'' -> the region, '59' -> 'Nord'."""
        return P.departement_label(code) if str(code).strip() else REGION


# --------------------------------------------------------------------------------- helpers
def hide_linked(table: BannerTable) -> BannerTable:
    """Hide the :data:`_LINKED` recodes in every column where a ``logement_groupe`` cell is
    hidden (``precarite`` is its last group, ``sans_logement_stable`` the sum of its last two:
    publishing them would reveal the hidden group by difference)."""
    c = table.cells
    if "logement_groupe" not in set(c["question"]):
        return table
    hidden_cols = set(map(tuple, c.loc[(c["question"] == "logement_groupe") & c["suppressed"],
                                       ["breakdown", "group"]].to_numpy()))
    if not hidden_cols:
        return table
    col = pd.Series(list(zip(c["breakdown"], c["group"], strict=True)), index=c.index)
    hit = c["question"].isin(_LINKED) & col.isin(hidden_cols)
    c = c.copy()
    c.loc[hit, "suppressed"] = True
    for v in _VALUES:
        c[v] = c[v].where(~hit)
    c["n"] = c["n"].where(~hit)
    c.loc[hit, "mark"] = ""
    return replace(table, cells=c)


def _banner(design, questions, breakdown: str, threshold: int) -> BannerTable:
    """Banner of ``questions`` by ``breakdown``, linked recodes protected, "Oui" rows only,
    the presentation rule decided on every proportion (:func:`decide`)."""
    table = P.only_level(hide_linked(banner(design, list(questions), [breakdown],
                                            threshold=threshold)))
    return decide(table, _domains(design, questions, breakdown))


def _domains(design, questions, breakdown: str | Sequence[str]) -> pd.DataFrame:
    """Domain estimates of ``questions`` (every level) in the whole population ("Ensemble",
    breakdown "") and by each ``breakdown`` (column ``breakdown``)."""
    qs = list(questions)
    bys = [breakdown] if isinstance(breakdown, str) else list(breakdown)
    return pd.concat([P.domain_estimates(design, qs, level=None).assign(breakdown=""),
                      *(P.domain_estimates(design, qs, by=b, level=None).assign(breakdown=b)
                        for b in bys)], ignore_index=True)


def decide(table: BannerTable, domains: pd.DataFrame) -> BannerTable:
    """The banner with the NCHS presentation rule decided on every published proportion.

    ``domains``: :func:`P.domain_estimates` of the same questions, ``level=None``, for each
    group of the banner (the whole-population column is the group "Ensemble"). Each
    proportion cell gets its Korn–Graubard interval as ``ci_low``/``ci_high`` (the interval
    the reports show, ``svyciprop(method="beta")``), the domain's base ``base`` (respondents
    to the question in the group), ``df`` and ``decision``/``reason``
    (:func:`arefie_studies.tables.presentation_rule`: show, flag or suppress). A suppressed
    estimate keeps no value (estimate, interval, difference, test, mark); means are shown
    (the rule is for proportions). Disclosure-hidden cells stay hidden and carry nothing.
    """
    c = table.cells.drop(columns=[k for k in ("base", "df", "decision", "reason")
                                  if k in table.cells.columns])
    key = ["question", "level", "group"] + (["breakdown"] if "breakdown" in domains else [])
    d = domains.rename(columns={"n": "base"})[[*key, "kg_low", "kg_high", "df", "base"]]
    d = d.assign(level=d["level"].astype(str), group=d["group"].astype(str))
    c = c.merge(d, on=key, how="left", validate="many_to_one")
    prop = ((c["kind"] == "proportion") & ~c["suppressed"].astype(bool)).to_numpy()
    missing = prop & c["kg_low"].isna().to_numpy()
    if missing.any():
        raise P.ParcoursInputError(
            f"decide: no domain estimate for {int(missing.sum())} published cell(s), e.g. "
            f"{c.loc[missing, ['question', 'level', 'group']].head(3).to_dict('records')}. "
            "Hint: compute domain_estimates of the same questions and groups (level=None).")
    c["decision"], c["reason"] = "show", ""
    if prop.any():
        ruled = presentation_rule(c.loc[prop, ["estimate", "se", "kg_low", "kg_high", "base",
                                               "df"]], ci_low="kg_low", ci_high="kg_high",
                                  n="base")
        c.loc[prop, "decision"] = ruled["decision"].to_numpy()
        c.loc[prop, "reason"] = ruled["reason"].to_numpy()
        c.loc[prop, "ci_low"] = c.loc[prop, "kg_low"]
        c.loc[prop, "ci_high"] = c.loc[prop, "kg_high"]
    sup = (c["decision"] == "suppress").to_numpy()
    for v in _VALUES:
        c[v] = c[v].where(~sup)
    c.loc[sup, "mark"] = ""
    hidden = c["suppressed"].astype(bool).to_numpy()
    c["base"] = c["base"].where(~hidden)
    c["df"] = c["df"].where(~hidden)
    return replace(table, cells=c.drop(columns=["kg_low", "kg_high"]))


def rule_on(frame: pd.DataFrame) -> pd.DataFrame:
    """A tidy frame of domain proportions (``estimate, se, kg_low, kg_high, n, df``, optional
    ``hidden``) with the NCHS rule decided on the Korn–Graubard interval: ``ci_low``/``ci_high``
    become that interval, ``decision``/``reason`` are added (``"hidden"`` for a row hidden by
    the disclosure rule). A suppressed row keeps its value here (the results are not published):
    every renderer reads ``decision`` (the table builder re-decides the same rule from the same
    numbers, the charts drop it, the sentences say it is not published)."""
    out = frame.copy()
    hidden = out["hidden"].astype(bool).to_numpy() if "hidden" in out.columns \
        else np.zeros(len(out), dtype=bool)
    out["decision"], out["reason"] = "show", ""
    out["decision"] = np.where(hidden, "hidden", "show")
    live = ~hidden & out["estimate"].notna().to_numpy()
    if live.any():
        ruled = presentation_rule(out.loc[live, ["estimate", "se", "kg_low", "kg_high", "n", "df"]],
                                  ci_low="kg_low", ci_high="kg_high")
        out.loc[live, "decision"] = ruled["decision"].to_numpy()
        out.loc[live, "reason"] = ruled["reason"].to_numpy()
    out["ci_low"], out["ci_high"] = out["kg_low"], out["kg_high"]
    return out


def _hidden_shares(counts: pd.Series, threshold: int) -> pd.Series:
    """Shares of one distribution to hide: counts from 1 to ``threshold - 1``, and the next
    smallest when only one is hidden (the published shares sum to 100 %)."""
    hidden = (counts > 0) & (counts < threshold)
    if hidden.sum() == 1:
        hidden[counts[~hidden & (counts > 0)].idxmin()] = True
    return hidden


def _with_territory(frame: pd.DataFrame, territory: str) -> pd.DataFrame:
    return frame.assign(territory=territory)


def _insertion(design, territory: str, threshold: int,
               domain: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcomes by housing group in one territory, hidden when a count of Oui or Non (or the
    base) is under the threshold — a hidden share keeps no value."""
    comp = P.outcomes_by_precarity(design, domain=domain)
    est = comp.estimates
    small = ((est[["yes", "no"]].min(axis=1) > 0) & (est[["yes", "no"]].min(axis=1) < threshold)) \
        | (est["n"] < threshold)
    est = rule_on(_blank(est.assign(hidden=small.to_numpy(), territory=territory), threshold))
    return est, comp.tests.assign(territory=territory)


_SHARE_VALUES = ("estimate", "se", "ci_low", "ci_high", "kg_low", "kg_high", "yes", "no", "count")


def _blank(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Hidden rows keep no value (share, CI, counts) and no base under the threshold."""
    out = frame.copy()
    hidden = out["hidden"].to_numpy(dtype=bool)
    for col in _SHARE_VALUES:
        if col in out.columns:
            out[col] = out[col].astype(float).where(~hidden)
    out["n"] = out["n"].astype(float).where(~(hidden & (out["n"] < threshold)))
    return out


def _departement(inputs: Any, code: str, threshold: int) -> dict[str, Any]:
    """What a département report shows beside the region: its table by zone (the département
    vs the rest of the region), insertion by housing group in the département, its types of
    territory, its domain estimates, its professionals by zone."""
    label = P.departement_label(code)
    youths = P.prepare_youths(inputs.frames[YOUTHS], departement=code)
    design = P.youth_design(youths)
    mask = (youths["zone"].astype(str) == label).to_numpy()
    terr = P.domain_estimates(design.subset(mask), ["territoire"], level=None)
    count = youths.loc[mask, "territoire"].astype(str).value_counts()
    terr = terr.assign(code=code, territory=label,
                       count=terr["level"].map(count).fillna(0).astype(int).to_numpy())
    terr = rule_on(_blank(terr.assign(hidden=_hidden_shares(terr["count"], threshold)), threshold))
    pros = P.prepare_professionals(inputs.frames[PROS], departement=code)
    return {"table": _banner(design, DEP_QUESTIONS, "zone", threshold),
            "insertion": _insertion(design, label, threshold, domain=mask),
            "territories": terr,
            "domains": P.domain_estimates(design, DEP_QUESTIONS, by="zone"),
            "pros": _banner(P.professional_design(pros), PRO_ITEMS, "zone", threshold),
            "pro_domains": P.domain_estimates(P.professional_design(pros), PRO_ITEMS, by="zone")}


def _comparison(departements: BannerTable, dep_tables: Mapping[str, BannerTable]) -> pd.DataFrame:
    """The :data:`COMPARED` indicators for each département, read from the decided tables
    (Tableau 1 for the housing indicators, each département's table by zone for employment):
    ``question, label, code, departement, estimate, ci_low, ci_high`` (Korn–Graubard),
    ``base, df, decision, hidden, mark`` (▲/▼: differs from the rest of the region at 5 %),
    ``p_value`` (that test) and ``region`` (the regional estimate), ``rank`` (1 = highest among
    the published estimates)."""
    rows = []
    for code, dep in P.DEPARTEMENTS.items():
        for q, label in COMPARED.items():
            table = departements if q in set(departements.cells["question"]) else dep_tables[code]
            c = table.cells
            sel = c[(c["question"] == q) & (c["level"] == P.YES)]
            cell, reg = sel[sel["group"] == dep].iloc[0], sel[sel["group"] == "Ensemble"].iloc[0]
            rows.append({"question": q, "label": label, "code": code, "departement": dep,
                         **{k: cell[k] for k in ("estimate", "ci_low", "ci_high", "base", "df",
                                                 "decision", "mark", "p_value")},
                         "hidden": bool(cell["suppressed"]), "region": float(reg["estimate"]),
                         "region_low": float(reg["ci_low"]), "region_high": float(reg["ci_high"])})
    out = pd.DataFrame(rows)
    published = ~out["hidden"] & (out["decision"] != "suppress")
    out["rank"] = out["estimate"].where(published).groupby(out["question"]).rank(
        ascending=False, method="min")
    return out


#: The youths' profile the expected employment rate is standardised on (indirect
#: standardisation): the covariates of the regional model, without the département.
CASE_MIX = ("sexe", "tranche_age", "qualification", "qpv")
CASE_MIX_FORMULA = "y_emploi ~ " + " + ".join(f"C({c})" for c in CASE_MIX)


def expected_employment(design) -> np.ndarray:
    """Each youth's expected probability of being in employment given the profile
    :data:`CASE_MIX`, from the regional design-weighted logistic model
    (``svyglm(y_emploi ~ sexe + tranche_age + qualification + qpv, family=quasibinomial())``):
    ``expit(X β)``; NaN where a covariate is missing."""
    import patsy

    fit = design.glm(CASE_MIX_FORMULA, family="binomial")
    rhs = CASE_MIX_FORMULA.split("~", 1)[1]
    x = patsy.dmatrix(rhs, design.data, NA_action=patsy.NAAction(NA_types=[]),
                      return_type="dataframe")
    # R-style coefficient names ("(Intercept)", "C(sexe)Femme") from patsy's columns
    x.columns = ["(Intercept)" if c == "Intercept" else re.sub(r"\[T\.(.*)\]$", r"\1", c)
                 for c in x.columns]
    missing = sorted(set(fit.params.index) - set(x.columns))
    if missing:
        raise P.ParcoursInputError(f"expected_employment: coefficient(s) {missing} have no "
                                   "column in the model matrix; check the profile's levels.")
    eta = x[fit.params.index].to_numpy(float) @ fit.params.to_numpy(float)
    return 1.0 / (1.0 + np.exp(-eta))


def _adjusted(youths: pd.DataFrame) -> pd.DataFrame:
    """Employment by département, observed and expected at the region's rates for the same
    profile (indirect standardisation): ``observed`` = Σw·y / Σw, ``expected`` = Σw·p̂ / Σw,
    ``ratio`` = observed / expected = Σw·y / Σw·p̂ with its linearised interval
    (``svyratio(~y_emploi, ~p_hat, by=~departement)``, p̂ taken as fixed), ``df``, ``n``."""
    frame = youths.assign(p_hat=expected_employment(P.youth_design(youths)))
    design = P.youth_design(frame)
    ratio = design.ratio("y_emploi", "p_hat", by="departement")
    obs = design.mean("y_emploi", by="departement").set_index("departement")
    exp = design.mean("p_hat", by="departement").set_index("departement")
    out = pd.DataFrame({
        "departement": ratio["departement"].astype(str).to_numpy(),
        "observed": obs.loc[ratio["departement"], "estimate"].to_numpy(),
        "expected": exp.loc[ratio["departement"], "estimate"].to_numpy(),
        "ratio": ratio["estimate"].to_numpy(), "ci_low": ratio["ci_low"].to_numpy(),
        "ci_high": ratio["ci_high"].to_numpy(), "df": ratio["df"].to_numpy(),
        "n": ratio["n"].to_numpy()})
    out["differs"] = (out["ci_low"] > 1) | (out["ci_high"] < 1)
    order = {d: i for i, d in enumerate(P.DEPARTEMENTS.values())}
    return out.sort_values("departement", key=lambda s: s.map(order)).reset_index(drop=True)


def _with_crossings(design, breakdowns: Sequence[Any]) -> tuple[Any, list[str]]:
    """The design with one column per crossed breakdown (``("departement", "sexe")`` ->
    « departement × sexe », groups « Nord · Femme », labelled « Département × Sexe ») and the
    breakdowns' column names."""
    from arefie_studies.survey import cross, cross_label, cross_name

    names, columns, labels = [], {}, {}
    for b in breakdowns:
        if isinstance(b, str):
            names.append(b)
            continue
        name = cross_name(b)
        columns[name] = cross(design.data, list(b))
        labels[name] = cross_label(b, design.labels)
        names.append(name)
    return (design.update(labels=labels, **columns) if columns else design), names


# --------------------------------------------------------------------------------- compute
def compute(inputs: Any, params: Mapping[str, Any]) -> ParcoursResults:
    """Every published number of the study, for the region and each département, from
    ``inputs.frames`` (youths' and professionals' surveys) only."""
    threshold = int(params.get("disclosure_threshold", inputs.config.disclosure_threshold))
    n_classes = int(params.get("n_classes", 0) or 0)
    youths = P.prepare_youths(inputs.frames[YOUTHS])
    pros = P.prepare_professionals(inputs.frames[PROS])
    design = P.youth_design(youths)
    pro_design = P.professional_design(pros)
    dep = youths["departement"].astype(str)
    pro_dep = pros["departement"].astype(str)

    sample = pd.DataFrame({
        "departement": list(P.DEPARTEMENTS.values()),
        "n": [int((dep == v).sum()) for v in P.DEPARTEMENTS.values()],
        "n_ml": [int(youths.loc[dep == v, "ml"].nunique()) for v in P.DEPARTEMENTS.values()],
        "total": [float(youths.loc[dep == v, "poids"].sum()) for v in P.DEPARTEMENTS.values()],
        "n_pros": [int((pro_dep == v).sum()) for v in P.DEPARTEMENTS.values()],
    })
    diag = design.weighting_diagnostics().summary.iloc[0]
    weighting = {k: float(diag[k]) for k in ("total", "min", "max", "n_eff", "deff_w")}

    housing = P.domain_estimates(design, ["logement"], level=None)
    counts = youths["logement"].astype(str).value_counts()
    housing = housing.assign(count=housing["level"].map(counts).fillna(0).astype(int).to_numpy())
    housing = rule_on(_blank(housing.assign(hidden=_hidden_shares(housing["count"], threshold)),
                             threshold))

    key_shares = rule_on(_with_territory(P.domain_estimates(design, KEY_QUESTIONS), REGION))

    spec = P.table_specs(inputs.config, design)["departements"]
    tab_design, names = _with_crossings(design, spec.breakdowns)
    departements = decide(
        P.only_level(hide_linked(P.housing_by_departement(
            tab_design, threshold=threshold, breakdowns=names, questions=spec.indicators))),
        _domains(tab_design, spec.indicators, names))
    departement_domains = P.domain_estimates(design, P.DEPARTEMENT_QUESTIONS, by="departement")

    parts = [_departement(inputs, code, threshold) for code in P.DEPARTEMENTS]
    ins = [_insertion(design, REGION, threshold), *(p["insertion"] for p in parts)]
    insertion = pd.concat([e for e, _ in ins], ignore_index=True)
    insertion_tests = pd.concat([t for _, t in ins], ignore_index=True)

    model = P.outcome_model(design, "y_emploi")
    territories = P.domain_estimates(design, ["territoire"], level=None)
    tcount = youths["territoire"].astype(str).value_counts()
    territories["count"] = territories["level"].map(tcount).fillna(0).astype(int).to_numpy()
    territories = rule_on(_blank(
        territories.assign(hidden=_hidden_shares(territories["count"], threshold)), threshold))

    typology = T.fit_typology(youths, n_clusters=n_classes or None)
    shares = T.cluster_shares(design, typology)
    # the presentation rule on each class's share of the typology population (its base)
    base = int(shares.loc[shares["is_total"], "n"].iloc[0])
    ruled = presentation_rule(shares.assign(base=base), ci_low="kg_low", ci_high="kg_high",
                              n="base")
    shares = shares.assign(decision=np.where(shares["is_total"], "show", ruled["decision"]))

    professionals = _banner(pro_design, PRO_ITEMS, "departement", threshold)
    knowledge = P.domain_estimates(pro_design, list(P.KNOWLEDGE), level=None)
    knowledge["variable"] = knowledge["question"]
    knowledge["question"] = knowledge["variable"].map(P.KNOWLEDGE)
    knowledge["count"] = [int((pros[v].astype(str) == str(lv)).sum())
                          for v, lv in zip(knowledge["variable"], knowledge["level"], strict=True)]
    knowledge["hidden"] = knowledge.groupby("variable")["count"].transform(
        lambda c: _hidden_shares(c, threshold)).astype(bool)
    knowledge = rule_on(_blank(knowledge, threshold))
    return ParcoursResults(
        **Results.base_fields(inputs, params),
        n_youths=len(youths), n_ml=int(youths["ml"].nunique()), n_pros=len(pros),
        design_df=int(design.degf()), weighting=weighting, sample=sample, housing=housing,
        key_shares=key_shares, departements=departements, departement_domains=departement_domains,
        insertion=insertion, insertion_tests=insertion_tests, model=model,
        model_nobs=int(model.attrs.get("nobs", 0)), territories=territories,
        mono_housing=_banner(design, MONO_HOUSING, "territoire", threshold),
        mono_barriers=_banner(design, MONO_BARRIERS, "territoire", threshold),
        mono_domains=P.domain_estimates(design, [*MONO_HOUSING, *MONO_BARRIERS], by="territoire"),
        typology=typology, cluster_shares=shares,
        dep_tables={code: p["table"] for code, p in zip(P.DEPARTEMENTS, parts, strict=True)},
        dep_domains=pd.concat([p["domains"] for p in parts], ignore_index=True),
        dep_territories=pd.concat([p["territories"] for p in parts], ignore_index=True),
        professionals=professionals,
        pro_domains=pd.concat([P.domain_estimates(pro_design, PRO_ITEMS, by="departement"),
                               *(p["pro_domains"] for p in parts)], ignore_index=True),
        pro_tables={code: p["pros"] for code, p in zip(P.DEPARTEMENTS, parts, strict=True)},
        knowledge=knowledge,
        comparison=_comparison(departements, {code: p["table"] for code, p in
                                              zip(P.DEPARTEMENTS, parts, strict=True)}),
        adjusted=_adjusted(youths),
        about={k: str(getattr(inputs.config, k, "") or "") for k in
               ("title", "partners", "contact", "fieldwork")},
    )
