"""Baromètre régional de satisfaction: the Hauts-de-France cut of the national UNML barometer.

Data: the national youth file (2018–2025) and company file (2023–2025), read with DuckDB (only the
needed columns and years; identifiers are never read). Recodes: each 4-point item keeps its four
answers ("Ne sait pas", code 9, is missing) and gets a binary "satisfied" version (très + plutôt).

Design (national estimates): each year is its own survey, stratified by region and clustered by
Mission Locale — ``SurveyDesign(df, weights="poids", strata="strate", psu="ml", nest=True)`` with
``strate`` = year × region, which is R's ``svydesign(~ml, strata=~strate, weights=~poids,
nest=TRUE)``. Region vs rest of France: the difference of two domain proportions and its
linearised SE (``SurveyDesign.banner_cells``, i.e. ``svyby`` + ``svycontrast``) with a t test on
the design df, and the Rao–Scott F test of the 4-answer distribution (``svychisq``).

ML vs region (the ML is a fixed domain, not a sampled cluster): within the region, youths pooled
over the last waves, stratified by ML — ``SurveyDesign(hdf, weights="poids", strata="ml")`` —
each ML against the rest of the region with the same contrast. MLs under the disclosure threshold
are hidden, with secondary suppression (:func:`arefie_studies.tables.protect_table`).

Companies carry no weight in the national file: their estimates are unweighted (weight 1), with
the same stratification and clustering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from arefie_studies.studies.contract import Report, Results

if TYPE_CHECKING:  # pragma: no cover
    from arefie_studies.io import Codebook
    from arefie_studies.project import StudyInputs
    from arefie_studies.survey import SurveyDesign

__all__ = [
    "NATION",
    "REGION",
    "REGION_CODE",
    "REST",
    "SATISFIED",
    "BarometreError",
    "BarometreResults",
    "Survey",
    "compute",
    "indicators",
    "kg_decisions",
    "load_survey",
    "ml_presentation",
    "ml_profile",
    "ml_trend",
    "ml_vs_region",
    "national_design",
    "participation",
    "region_likert",
    "region_profile",
    "region_vs_rest",
    "report",
    "satisfied_share",
    "survey_from_frame",
    "table_specs",
    "trend_change",
    "trends",
]

REGION_CODE = 32
REGION = "Hauts-de-France"
REST = "Reste de la France"
NATION = "France entière"
SATISFIED = "Satisfait"
NOT_SATISFIED = "Non satisfait"
LIKERT_CODES = (1, 2, 3, 4)  # très, plutôt, plutôt pas, pas du tout satisfait; 9 = ne sait pas
POPULATIONS = ("jeunes", "entreprises")
#: codebook variables that are not profile variables of the declared tables
PROFILE_EXCLUDED = ("id_reponse", "annee", "region", "ml", "poids", "recommande")


class BarometreError(ValueError):
    """Bad input to the baromètre study (unknown population, wave or ML; missing variable)."""


@dataclass(frozen=True)
class Survey:
    """One population of the barometer, recoded.

    ``data``: one row per answer with ``annee``, ``region``, ``ml``, ``poids``, ``strate``
    (year × region), ``zone`` (Hauts-de-France / Reste de la France), and per item ``<item>``
    (the four answers, ordered, "Ne sait pas" as missing) and ``ok_<item>`` (Satisfait / Non
    satisfait). ``items`` maps item names to their French labels (codebook order); ``likert``
    lists the four answers from the most positive; ``ml_names`` maps ML codes of the region to
    their names.
    """

    population: str
    data: pd.DataFrame
    items: dict[str, str]
    likert: tuple[str, ...]
    ml_names: dict[int, str]
    weighted: bool
    waves: tuple[int, ...] = field(default_factory=tuple)
    profile: dict[str, str] = field(default_factory=dict)

    def ok(self, item: str) -> str:
        """Name of the binary "satisfied" column of ``item``."""
        return f"ok_{item}"


def survey_from_frame(population: str, frame: pd.DataFrame, codebook: Codebook,
                      waves: Sequence[int] | None = None) -> Survey:
    """One population (``"jeunes"`` or ``"entreprises"``) recoded from its declared input.

    ``frame`` is the input as :func:`arefie_studies.project.load_study_inputs` reads it (labels
    as categoricals) and ``codebook`` its declared codebook; only the analysis columns (year,
    region, ML, ``sat_*`` items, weight) are kept, identifiers never. ``waves`` restricts the
    years (default all).
    """
    from arefie_studies.studies._common import codes_of

    if population not in POPULATIONS:
        raise BarometreError(
            f"population={population!r}: unknown population. Possible values are: "
            f"{', '.join(POPULATIONS)}.")
    book = codebook
    items = {v.name: v.label or v.name for v in book if v.name.startswith("sat_")}
    for needed in ("annee", "region", "ml", *items):
        if needed not in book or needed not in frame.columns:
            raise BarometreError(
                f"{population}: variable {needed!r} is missing from the data or its codebook; the "
                f"barometer needs annee, region, ml and sat_* items (data has "
                f"{', '.join(map(str, frame.columns))}).")
    if not items:
        raise BarometreError(f"{population}: no satisfaction item (sat_*) in the codebook.")
    weighted = "poids" in book
    raw = pd.DataFrame({"annee": pd.to_numeric(frame["annee"]).to_numpy()})
    for col in ("region", "ml", *items):
        raw[col] = codes_of(frame[col], book[col].value_labels, name=col)
    if weighted:
        raw["poids"] = pd.to_numeric(frame["poids"]).to_numpy(dtype=float)
    # profile variables (sexe, tranche_age, secteur...): the labelled answers, for the declared
    # tables (``tables:`` of studies/barometre.yaml); identifiers are never kept
    profile = {v.name: v.label or v.name for v in book
               if v.value_labels and v.name in frame.columns and v.name not in PROFILE_EXCLUDED
               and not v.name.startswith("sat_")
               and isinstance(frame[v.name].dtype, pd.CategoricalDtype)}
    for col in profile:
        raw[col] = frame[col].to_numpy()
    if waves is not None:
        waves = [int(w) for w in waves]
        missing = sorted(set(waves) - set(raw["annee"].unique()))
        if missing:
            raise BarometreError(f"waves: no {population} answer for year(s) {missing}; available "
                                 f"years: {sorted(int(y) for y in raw['annee'].unique())}.")
        raw = raw[raw["annee"].isin(waves)].reset_index(drop=True)
    present = tuple(sorted(int(y) for y in raw["annee"].unique()))
    ml_labels = book["ml"].value_labels
    region_ml = sorted(int(m) for m in raw.loc[raw["region"] == REGION_CODE, "ml"].unique())
    likert = tuple(book[next(iter(items))].value_labels[c] for c in LIKERT_CODES)
    data = recode(raw, list(items), likert, weighted)
    for col in profile:
        data[col] = pd.Categorical(raw[col].to_numpy(), categories=frame[col].cat.categories,
                                   ordered=frame[col].cat.ordered)
    return Survey(population, data, items, likert,
                  {m: str(ml_labels.get(m, ml_labels.get(float(m), m))) for m in region_ml},
                  weighted, present, profile)


def load_survey(population: str, *, root: str | Path | None = None,
                waves: Sequence[int] | None = None) -> Survey:
    """One population read as ``studies/barometre.yaml`` declares it (for exploration in a
    notebook; the study itself works from :func:`compute`'s inputs)."""
    from arefie_studies.project import load_study_inputs

    if population not in POPULATIONS:
        raise BarometreError(
            f"population={population!r}: unknown population. Possible values are: "
            f"{', '.join(POPULATIONS)}.")
    inputs = load_study_inputs("barometre", root, inputs=[population])
    return survey_from_frame(population, inputs.frames[population], inputs.codebooks[population],
                             waves)


def recode(raw: pd.DataFrame, items: Sequence[str], likert: Sequence[str],
           weighted: bool = True) -> pd.DataFrame:
    """Numeric codes -> analysis frame (see :class:`Survey`). Codes outside 1–4 (9 "Ne sait
    pas", blanks) become missing."""
    out = pd.DataFrame({
        "annee": raw["annee"].to_numpy(dtype=np.int64),
        "region": raw["region"].to_numpy(dtype=np.int64),
        "ml": raw["ml"].to_numpy(dtype=np.int64),
    })
    out["poids"] = raw["poids"].to_numpy(dtype=float) if weighted else 1.0
    out["strate"] = out["annee"] * 100 + out["region"]
    is_region = out["region"].to_numpy() == REGION_CODE
    out["zone"] = pd.Categorical.from_codes(np.where(is_region, 0, 1), [REGION, REST])
    for item in items:
        code = pd.to_numeric(raw[item], errors="coerce").to_numpy(dtype=float)
        valid = np.isin(code, LIKERT_CODES)
        idx = np.where(valid, np.nan_to_num(code, nan=1).astype(int) - 1, -1)
        out[item] = pd.Categorical.from_codes(idx, list(likert), ordered=True)
        ok = np.where(valid, np.where(code <= 2, 0, 1), -1)
        out[f"ok_{item}"] = pd.Categorical.from_codes(ok, [SATISFIED, NOT_SATISFIED])
    return out


def national_design(frame: pd.DataFrame) -> SurveyDesign:
    """Each year a survey stratified by region, clustered by ML.

    Mirrors: survey::svydesign(~ml, strata=~strate, weights=~poids, nest=TRUE, data=frame).
    """
    from arefie_studies.survey import SurveyDesign

    return SurveyDesign(frame, weights="poids", strata="strate", psu="ml", nest=True)


def region_design(frame: pd.DataFrame) -> SurveyDesign:
    """Youths (or companies) of the region, ML as fixed strata, respondents as units.

    Mirrors: survey::svydesign(~1, strata=~ml, weights=~poids, data=frame) with
    options(survey.lonely.psu="adjust") (an ML with a single respondent).
    """
    from arefie_studies.survey import SurveyDesign

    return SurveyDesign(frame, weights="poids", strata="ml", lonely_psu="adjust")


def satisfied_share(survey: Survey, wave: int) -> pd.DataFrame:
    """% satisfied (très + plutôt) per item in the region, the rest of France and the nation.

    Columns: item, label, group (Hauts-de-France, Reste de la France, France entière),
    estimate, se, ci_low, ci_high (logit CI on the design df, R's ``svyciprop`` default), n
    (unweighted answers), df (the domain's design df), decision and reason (the NCHS rule on the
    domain's Korn–Graubard interval, :func:`kg_decisions`).
    """
    d = national_design(_wave(survey, wave))
    ok = [survey.ok(i) for i in survey.items]
    cells = d.banner_cells(ok, ["zone"])
    cells = cells[cells["level"] == SATISFIED]
    zone = pd.DataFrame({"item": cells["question"].str[3:], "group": cells["group"].astype(str),
                         **{c: cells[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high", "n")}})
    nat = d.proportion(ok)
    nat = nat[nat["level"] == SATISFIED]
    nation = pd.DataFrame({"item": nat["variable"].str[3:].to_numpy(), "group": NATION,
                           **{c: nat[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high", "n")}})
    out = pd.concat([zone, nation], ignore_index=True)
    out = out.merge(kg_decisions(d, ok, "zone"), on=["item", "group"], how="left")
    out["label"] = out["item"].map(survey.items)
    order = {i: k for k, i in enumerate(survey.items)}
    gorder = {REGION: 0, REST: 1, NATION: 2}
    out = out.sort_values(["item", "group"], key=lambda s: s.map(order if s.name == "item" else gorder))
    return out[["item", "label", "group", "estimate", "se", "ci_low", "ci_high", "n", "df", "decision",
                "reason"]].reset_index(drop=True)


def kg_decisions(design: SurveyDesign, ok: Sequence[str], by: str | None = None,
                 groups: Sequence[str] = (REGION, REST)) -> pd.DataFrame:
    """The NCHS presentation rule on the Korn–Graubard interval of each "satisfied" share:
    per zone (``by``, only ``groups``) and for the nation (``NATION``).

    Mirrors ``svyciprop(~ok, subset(design, zone == g), method="beta")`` and ``degf`` of the
    subset, then :func:`arefie_studies.tables.presentation_rule`. Columns: item, group, df
    (design df of the domain), decision, reason.
    """
    from arefie_studies.tables import presentation_rule

    frames = []
    if by is not None:
        z = design.proportion(list(ok), by=by, ci_method="beta")
        z = z[(z["level"] == SATISFIED) & z[by].astype(str).isin(list(groups))]
        frames.append(z.assign(group=z[by].astype(str)))
    nat = design.proportion(list(ok), ci_method="beta")
    frames.append(nat[nat["level"] == SATISFIED].assign(group=NATION))
    kg = pd.concat(frames, ignore_index=True)
    ruled = presentation_rule(kg)
    return pd.DataFrame({"item": kg["variable"].str[3:].to_numpy(), "group": kg["group"].to_numpy(),
                         "df": kg["df"].to_numpy(dtype=float),
                         "decision": ruled["decision"].to_numpy(), "reason": ruled["reason"].to_numpy()})


def region_vs_rest(survey: Survey, wave: int) -> pd.DataFrame:
    """Difference of % satisfied, region minus rest of France, per item, with its test.

    Columns: item, label, diff, se_diff, ci_low, ci_high (t quantile on the design df,
    ``degf(design)`` = MLs minus regions), df,
    p_value (design-based t test of the difference, mirrors ``svycontrast`` of two ``svyby``
    domain means), chisq_p (Rao–Scott F test of the 4-answer distribution by zone, mirrors
    ``svychisq(~item + zone, statistic="F")``).
    """
    from scipy import stats

    d = national_design(_wave(survey, wave))
    ok = [survey.ok(i) for i in survey.items]
    cells = d.banner_cells(ok, ["zone"])
    cells = cells[(cells["level"] == SATISFIED) & (cells["group"].astype(str) == REGION)]
    dfs = np.full(len(cells), float(d.degf()))  # the design's df, as the t test of banner_cells
    q = stats.t.ppf(0.975, dfs)
    out = pd.DataFrame({
        "item": cells["question"].str[3:].to_numpy(),
        "diff": cells["diff"].to_numpy(), "se_diff": cells["se_diff"].to_numpy(),
        "ci_low": (cells["diff"] - q * cells["se_diff"]).to_numpy(),
        "ci_high": (cells["diff"] + q * cells["se_diff"]).to_numpy(),
        "df": dfs, "p_value": cells["p_value"].to_numpy(),
    })
    out["chisq_p"] = [float(d.chisq(i, "zone", statistic="F").p_value) for i in out["item"]]
    out.insert(1, "label", out["item"].map(survey.items))
    return out


def region_likert(survey: Survey, wave: int) -> pd.DataFrame:
    """Distribution of the four answers per item, region and rest of France (answers known).

    Columns: item, label, group, level (French answer), estimate, ci_low, ci_high, n.
    """
    d = national_design(_wave(survey, wave))
    frames = []
    for item in survey.items:
        p = d.proportion(item, by="zone")
        frames.append(pd.DataFrame({"item": item, "group": p["zone"].astype(str).to_numpy(),
                                    "level": p["level"].astype(str).to_numpy(),
                                    **{c: p[c].to_numpy() for c in ("estimate", "ci_low", "ci_high", "n")}}))
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "label", out["item"].map(survey.items))
    return out


def trends(survey: Survey, items: Sequence[str] | None = None) -> pd.DataFrame:
    """% satisfied per year for the region and the nation (each year its own survey).

    Columns: item, label, annee, group (Hauts-de-France, France entière), estimate, se, ci_low,
    ci_high (Korn–Graubard, ``svyciprop(method="beta")``), n, df, decision, reason (the NCHS
    rule, :func:`arefie_studies.tables.presentation_rule`).
    """
    d = national_design(survey.data)
    frames = []
    for item in items or list(survey.items):
        v = survey.ok(item)
        by_zone = d.proportion(v, by=["annee", "zone"], ci_method="beta")
        by_zone = by_zone[(by_zone["level"] == SATISFIED) & (by_zone["zone"].astype(str) == REGION)]
        nat = d.proportion(v, by="annee", ci_method="beta")
        nat = nat[nat["level"] == SATISFIED]
        for frame, group in ((by_zone, REGION), (nat, NATION)):
            frames.append(pd.DataFrame({"item": item, "annee": frame["annee"].to_numpy(dtype=int),
                                        "group": group,
                                        **{c: frame[c].to_numpy() for c in
                                           ("estimate", "se", "ci_low", "ci_high", "n", "df")}}))
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "label", out["item"].map(survey.items))
    return _ruled(out)


def _ruled(out: pd.DataFrame) -> pd.DataFrame:
    """``decision`` and ``reason`` of the NCHS rule on Korn–Graubard rows."""
    from arefie_studies.tables import presentation_rule

    ruled = presentation_rule(out)
    return out.assign(decision=ruled["decision"].to_numpy(), reason=ruled["reason"].to_numpy())


def pooled_waves(survey: Survey, wave: int, pool: int) -> tuple[int, ...]:
    """The ``pool`` most recent waves up to ``wave`` present in the data."""
    if wave not in survey.waves:
        raise BarometreError(f"wave={wave}: no {survey.population} answers that year; available "
                             f"years: {list(survey.waves)}.")
    if pool < 1:
        raise BarometreError(f"ml_pool_waves={pool}: expected a number of waves >= 1.")
    return tuple(w for w in survey.waves if w <= wave)[-pool:]


def ml_vs_region(survey: Survey, waves: Sequence[int], threshold: int,
                 items: Sequence[str] | None = None, presentation: bool = True) -> pd.DataFrame:
    """% satisfied in each ML of the region (``waves`` pooled) against the rest of the region.

    CIs are Korn–Graubard (``svyciprop(method="beta")``); where the estimate is 0 or 100 % (zero
    linearised variance, where R's interval is degenerate) the Clopper–Pearson interval on the
    ML's Kish effective size ``(sum w)^2 / sum w^2`` is used instead, so an ML with every answer
    "satisfied" on 20 answers gets [83 ; 100], not [100 ; 100].

    The test of the ML against the rest of the region is the design-based t test of
    ``banner_cells`` with one safeguard: the ML's variance is the larger of its linearised
    variance and the binomial variance at the region's rate on its Kish size,
    ``p_r (1 - p_r) / n_kish`` (the variance under the null hypothesis) — otherwise an ML at
    100 % has a zero variance and any gap would look significant.

    Columns: item, label, ml, ml_nom, estimate, se, ci_low, ci_high, n (answers of the ML),
    diff (ML minus rest of the region), se_diff (with the null-variance floor), se_diff_lin
    (the plain linearised SE, R's ``svycontrast``), df (answers minus MLs, R's ``degf`` of the
    item's answers), p_value, primary (n below ``threshold``),
    hidden (primary or secondary suppression: values of hidden rows are NaN). MLs without any
    answer get a row with n = 0 (hidden). With ``presentation`` (default), the NCHS rule's
    columns of :func:`ml_presentation` (rows it suppresses are blanked too).
    """
    from arefie_studies.tables import protect_table

    frame = survey.data
    frame = frame[(frame["region"] == REGION_CODE) & frame["annee"].isin(list(waves))]
    if frame.empty:
        raise BarometreError(f"waves={list(waves)}: no answer from {REGION} in these years.")
    d = region_design(frame.reset_index(drop=True))
    items = list(items or survey.items)
    cells = d.banner_cells([survey.ok(i) for i in items], ["ml"], ci_method="beta")
    cells = cells[cells["level"] == SATISFIED]
    out = pd.DataFrame({"item": cells["question"].str[3:].to_numpy(),
                        "ml": cells["group"].to_numpy(dtype=np.int64),
                        **{c: cells[c].to_numpy() for c in
                           ("estimate", "se", "ci_low", "ci_high", "n", "diff", "se_diff", "df", "p_value")}})
    out["df_ci"] = cells["df"].to_numpy(dtype=float)  # the ML's own design df (Korn–Graubard)
    out = _boundary_safe(out, frame, d, survey)
    full = pd.MultiIndex.from_product([items, sorted(survey.ml_names)], names=["item", "ml"])
    out = out.set_index(["item", "ml"]).reindex(full).reset_index()
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["primary"] = (out["n"] > 0) & (out["n"] < threshold)
    out["hidden"] = False
    for rows in out.groupby("item", sort=False).groups.values():
        n = out.loc[rows, "n"].to_numpy(dtype=float)
        _prim, hid = protect_table(n[None, :], threshold)
        out.loc[rows, "hidden"] = hid[0, :-1] | (n == 0)
    values = ["estimate", "se", "ci_low", "ci_high", "diff", "se_diff", "se_diff_lin", "df", "df_ci",
              "p_value"]
    out.loc[out["hidden"], values] = np.nan
    out.insert(1, "label", out["item"].map(survey.items))
    out.insert(3, "ml_nom", out["ml"].map(survey.ml_names))
    return ml_presentation(out) if presentation else out


def ml_presentation(ml: pd.DataFrame) -> pd.DataFrame:
    """The NCHS presentation rule (:func:`arefie_studies.tables.presentation_rule`) on each
    published ML estimate, then the ML's rank.

    Reads ``estimate, se, ci_low, ci_high, n`` and the ML's own design df ``df_ci`` (the df of
    its Korn–Graubard interval: R's ``degf`` of the ML's subset). Adds ``decision``: "hidden"
    (disclosure, every value already NaN), "suppress" (« nd »: the rule's values are blanked
    here too, so nothing of them is left), "flag" (« † ») or "show"; ``reason`` (French);
    ``significant`` (p < 5 % against the rest of the region, published rows only),
    ``diff_low``/``diff_high`` (95 % CI of the gap: ``diff ± t_{df, 0.975} se_diff``, the test's
    SE and df) and ``rank``
    (1 = highest among the item's published MLs, ties share the lowest rank) with ``ranked``
    (number of published MLs of the item).
    """
    from arefie_studies.tables import presentation_rule

    out = ml.copy()
    out["decision"] = "hidden"
    out["reason"] = ""
    shown = ~out["hidden"].to_numpy(dtype=bool)
    if shown.any():
        ruled = presentation_rule(out.loc[shown], df="df_ci")
        out.loc[shown, "decision"] = ruled["decision"].to_numpy()
        out.loc[shown, "reason"] = ruled["reason"].to_numpy()
    gone = (out["decision"] == "suppress").to_numpy()
    values = ["estimate", "se", "ci_low", "ci_high", "diff", "se_diff", "se_diff_lin", "p_value"]
    out.loc[gone, [c for c in values if c in out.columns]] = np.nan
    published = out["decision"].isin(["show", "flag"])
    out["significant"] = published & (out["p_value"] < 0.05)
    from scipy import stats

    q = stats.t.ppf(0.975, np.maximum(out["df"].to_numpy(dtype=float), 1))
    out["diff_low"] = out["diff"] - q * out["se_diff"]
    out["diff_high"] = out["diff"] + q * out["se_diff"]
    out["rank"] = np.nan
    out["ranked"] = 0
    for _item, rows in out.groupby("item", sort=False).groups.items():
        pub = published.loc[rows]
        est = out.loc[rows, "estimate"].where(pub)
        out.loc[rows, "rank"] = est.rank(ascending=False, method="min")
        out.loc[rows, "ranked"] = int(pub.sum())
    return out


def kish_sizes(frame: pd.DataFrame, column: str, unit: str = "ml") -> pd.Series:
    """Kish effective size ``(sum w)^2 / sum w^2`` per ``unit`` over rows where ``column`` is
    known (one bincount pass)."""
    ok = frame[column].notna().to_numpy()
    codes, uniq = pd.factorize(frame[unit].to_numpy()[ok])
    w = frame["poids"].to_numpy(dtype=float)[ok]
    s1 = np.bincount(codes, weights=w, minlength=len(uniq))
    s2 = np.bincount(codes, weights=w * w, minlength=len(uniq))
    return pd.Series(s1 * s1 / s2, index=uniq)


def _boundary_safe(out: pd.DataFrame, frame: pd.DataFrame, d, survey: Survey) -> pd.DataFrame:
    """Clopper–Pearson CI at 0 / 100 % and the null-variance floor of the test (see
    :func:`ml_vs_region`)."""
    from scipy import stats

    out = out.copy()
    frames = []
    for item in dict.fromkeys(out["item"]):
        k = kish_sizes(frame, survey.ok(item))
        frames.append(pd.DataFrame({"item": item, "ml": k.index.astype(np.int64), "n_kish": k.to_numpy()}))
    kish = pd.concat(frames, ignore_index=True)
    # design df of each item's answers (R: degf(subset(design, !is.na(item)))): answers - MLs
    valid_df = {}
    for item in dict.fromkeys(out["item"]):
        known = frame[survey.ok(item)].notna().to_numpy()
        valid_df[item] = float(known.sum() - np.unique(frame["ml"].to_numpy()[known]).size)
    out = out.merge(kish, on=["item", "ml"], how="left")
    region = d.proportion([survey.ok(i) for i in dict.fromkeys(out["item"])])
    region = region[region["level"] == SATISFIED].set_index("variable")["estimate"]
    p_r = out["item"].map(lambda i: region[survey.ok(i)]).to_numpy(dtype=float)
    p = out["estimate"].to_numpy(dtype=float)
    nk = out["n_kish"].to_numpy(dtype=float)
    edge = (p <= 0) | (p >= 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo_cp = np.where(p >= 1, stats.beta.ppf(0.025, nk, 1.0), 0.0)
        hi_cp = np.where(p <= 0, stats.beta.ppf(0.975, 1.0, nk), 1.0)
        out["ci_low"] = np.where(edge, lo_cp, out["ci_low"])
        out["ci_high"] = np.where(edge, hi_cp, out["ci_high"])
        v_ml = np.square(out["se"].to_numpy(dtype=float))
        v_floor = np.maximum(v_ml, p_r * (1 - p_r) / nk)
        se_diff = np.sqrt(np.maximum(np.square(out["se_diff"].to_numpy(dtype=float)) - v_ml, 0) + v_floor)
        t = out["diff"].to_numpy(dtype=float) / se_diff
        dfs = out["item"].map(valid_df).to_numpy(dtype=float)
        out["se_diff_lin"] = out["se_diff"]
        out["se_diff"] = se_diff
        out["df"] = dfs
        out["p_value"] = np.where(dfs > 0, 2 * stats.t.sf(np.abs(t), np.maximum(dfs, 1)), np.nan)
    return out.drop(columns="n_kish")


def _wave(survey: Survey, wave: int) -> pd.DataFrame:
    if wave not in survey.waves:
        raise BarometreError(f"wave={wave}: no {survey.population} answers that year; available "
                             f"years: {list(survey.waves)}.")
    return survey.data[survey.data["annee"] == wave].reset_index(drop=True)


def weights_summary(survey: Survey, wave: int) -> dict[str, float]:
    """Weights of one wave: answers, sum, min, median, max, Kish effective size n_eff =
    (sum w)^2 / sum w^2 and the weighting design effect n / n_eff."""
    w = _wave(survey, wave)["poids"].to_numpy(dtype=float)
    n_eff = w.sum() ** 2 / np.square(w).sum()
    return {"n": float(len(w)), "total": float(w.sum()), "min": float(w.min()),
            "median": float(np.median(w)), "max": float(w.max()), "n_eff": float(n_eff),
            "deff_w": float(len(w) / n_eff)}


def sample_sizes(survey: Survey) -> pd.DataFrame:
    """Answers per year: region, rest of France, number of MLs of the region with an answer."""
    d = survey.data
    is_r = d["region"] == REGION_CODE
    out = pd.DataFrame({
        "region": d[is_r].groupby("annee").size(),
        "rest": d[~is_r].groupby("annee").size(),
        "ml_region": d[is_r].groupby("annee")["ml"].nunique(),
    }).fillna(0).astype(int)
    return out.reset_index()


# --------------------------------------------------------------------------- results bundle
@dataclass(frozen=True)
class BarometreResults(Results):
    """Every table of one edition, for both populations (``jeunes``, ``entreprises``) and every
    Mission Locale of the region: the regional report shows them all, a per-ML report selects
    its own rows. See the functions named in each field for the columns."""

    wave: int = 0
    ml_waves: dict[str, tuple[int, ...]] = field(default_factory=dict)
    items: dict[str, dict[str, str]] = field(default_factory=dict)
    likert: tuple[str, ...] = ()
    ml_names: dict[int, str] = field(default_factory=dict)
    waves: dict[str, tuple[int, ...]] = field(default_factory=dict)
    share: dict[str, pd.DataFrame] = field(default_factory=dict)        # satisfied_share(wave)
    diff: dict[str, pd.DataFrame] = field(default_factory=dict)         # region_vs_rest(wave)
    likert_dist: dict[str, pd.DataFrame] = field(default_factory=dict)  # region_likert(wave)
    trend: dict[str, pd.DataFrame] = field(default_factory=dict)        # trends()
    change: dict[str, pd.DataFrame] = field(default_factory=dict)       # trend_change(trend, wave)
    ml: dict[str, pd.DataFrame] = field(default_factory=dict)           # ml_vs_region(ml_waves)
    pooled: dict[str, pd.DataFrame] = field(default_factory=dict)       # region and nation over ml_waves
    ml_trend: pd.DataFrame | None = None                                # youths, overall item, per ML and year
    sizes: dict[str, pd.DataFrame] = field(default_factory=dict)        # sample_sizes()
    weights: dict[str, float] = field(default_factory=dict)             # weights_summary(jeunes, wave)
    participation: pd.DataFrame | None = None                           # participation()
    profile: dict[str, pd.DataFrame] = field(default_factory=dict)      # region_profile(), declared tables
    meta: dict[str, str] = field(default_factory=dict)                  # config texts (title, partners...)


def indicators(root: str | Path | None = None) -> pd.DataFrame:
    """The study's indicators, read from the declared codebooks: per population, each
    satisfaction item (``sat_*``, the four answers), its binary column ``ok_<item>`` (« Satisfait »
    = très + plutôt) and its French label; the names to list under ``tables:`` (``indicators``).

        barometre.indicators().query("population == 'entreprises'")
    """
    from arefie_studies.io import Codebook
    from arefie_studies.project import find_root, study_config

    root = Path(root) if root is not None else find_root()
    config = study_config("barometre", root)
    rows = []
    for population in POPULATIONS:
        spec = config.inputs.get(population)
        if spec is None or spec.codebook is None:
            continue
        book = Codebook.from_yaml(root / spec.codebook)
        rows += [{"population": population, "name": v.name, "column": f"ok_{v.name}",
                  "label": v.label or v.name} for v in book if v.name.startswith("sat_")]
    return pd.DataFrame(rows, columns=["population", "name", "column", "label"])


def table_specs(config: Any, surveys: Mapping[str, Survey]) -> dict[str, Any]:
    """The profile tables declared under ``tables:`` in studies/barometre.yaml: one per
    population (table name ``jeunes`` or ``entreprises``), its items (``indicators``: ``sat_*``
    names, default all) × its breakdowns (the population's profile variables, ``Survey.profile``;
    a list = their crossing).  None declared: no profile table.  Unknown names are a
    StudyConfigError naming the file, the key and the close matches."""
    from arefie_studies.project import check_tables

    return check_tables(config, tables=list(surveys),
                        breakdowns={p: list(s.profile) for p, s in surveys.items()},
                        indicators={p: list(s.items) for p, s in surveys.items()})


def region_profile(survey: Survey, wave: int, breakdowns: Sequence[Any], threshold: int,
                   items: Sequence[str] | None = None) -> pd.DataFrame:
    """% satisfied per item among the region's respondents of ``wave``, by each breakdown
    (a profile variable, or a tuple of them: their crossing « Femme · 16-17 ans »).

    Domain estimates on the wave's national design (``subset(zone == "Hauts-de-France")``),
    Korn–Graubard intervals (R: ``svyby(~ok, ~b, subset(d, zone == "HdF"), svyciprop,
    method="beta")``) and the NCHS rule; ``hidden``: the group's satisfied / not satisfied
    counts protected by :func:`arefie_studies.tables.protected_shares` at ``threshold``.
    Columns: breakdown, breakdown_label, group, item, label, estimate, se, ci_low, ci_high, n,
    n_yes, df, hidden, decision, reason.
    """
    from arefie_studies.survey import cross, cross_label, cross_name
    from arefie_studies.tables import protected_shares

    items = list(items or survey.items)
    d = national_design(_wave(survey, wave))
    names, columns, labels = [], {}, dict(survey.profile)
    for b in breakdowns:
        if isinstance(b, str):
            names.append(b)
            continue
        name = cross_name(b)
        columns[name] = cross(d.data, list(b))
        labels[name] = cross_label(b, survey.profile)
        names.append(name)
    if columns:
        d = d.update(**columns)
    region = d.subset((d.data["zone"] == REGION).to_numpy())
    active = (np.asarray(region.domain) & (np.asarray(region.weights) > 0))
    frames = []
    for b in names:
        g_codes = d.data[b].cat.codes.to_numpy()
        groups = [str(g) for g in d.data[b].cat.categories]
        est = region.proportion([survey.ok(i) for i in items], by=b, ci_method="beta")
        est = est[est["level"] == SATISFIED]
        for item in items:
            y = d.data[survey.ok(item)].cat.codes.to_numpy()
            ok = active & (y >= 0) & (g_codes >= 0)
            yes = np.bincount(g_codes[ok & (y == 0)], minlength=len(groups))
            no = np.bincount(g_codes[ok & (y == 1)], minlength=len(groups))
            hidden = protected_shares(yes, no, threshold)
            e = est[est["variable"] == survey.ok(item)]
            pos = [groups.index(str(g)) for g in e[b]]
            frames.append(pd.DataFrame({
                "breakdown": b, "breakdown_label": labels.get(b, b),
                "group": [groups[j] for j in pos], "item": item, "label": survey.items[item],
                **{c: e[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high", "df")},
                "n": (yes + no)[pos], "n_yes": yes[pos], "hidden": hidden[pos]}))
    if not frames:
        return pd.DataFrame()
    return _ruled(pd.concat(frames, ignore_index=True))


def pooled_region_nation(survey: Survey, waves: Sequence[int]) -> pd.DataFrame:
    """% satisfied per item over ``waves`` pooled, region and nation, Korn–Graubard intervals and
    the NCHS rule (columns as :func:`trends` without ``annee``)."""
    frame = survey.data[survey.data["annee"].isin(list(waves))].reset_index(drop=True)
    d = national_design(frame)
    ok = [survey.ok(i) for i in survey.items]
    zone = d.proportion(ok, by="zone", ci_method="beta")
    zone = zone[(zone["level"] == SATISFIED) & (zone["zone"].astype(str) == REGION)]
    nat = d.proportion(ok, ci_method="beta")
    nat = nat[nat["level"] == SATISFIED]
    cols = ("estimate", "se", "ci_low", "ci_high", "n", "df")
    out = pd.concat([
        pd.DataFrame({"item": zone["variable"].str[3:].to_numpy(), "group": REGION,
                      **{c: zone[c].to_numpy() for c in cols}}),
        pd.DataFrame({"item": nat["variable"].str[3:].to_numpy(), "group": NATION,
                      **{c: nat[c].to_numpy() for c in cols}}),
    ], ignore_index=True)
    out.insert(1, "label", out["item"].map(survey.items))
    return _ruled(out)


def ml_yearly(survey: Survey, item: str) -> pd.DataFrame:
    """% satisfied of ``item`` per ML of the region and year (ML as fixed strata).
    Columns: ml, annee, estimate, se, ci_low, ci_high, n, df, decision, reason (NCHS rule)."""
    frame = survey.data[survey.data["region"] == REGION_CODE].reset_index(drop=True)
    p = region_design(frame).proportion(survey.ok(item), by=["ml", "annee"], ci_method="beta")
    p = p[p["level"] == SATISFIED]
    out = pd.DataFrame({"ml": p["ml"].to_numpy(dtype=np.int64), "annee": p["annee"].to_numpy(dtype=int),
                        **{c: p[c].to_numpy() for c in ("estimate", "se", "ci_low", "ci_high", "n", "df")}})
    return _ruled(out)


def participation(survey: Survey, accompanied: pd.DataFrame | None) -> pd.DataFrame | None:
    """Youths' answers over youths accompanied, per ML of the region and for the region, for
    the year of the reference list (its column ``accompagnes_<year>``).

    Columns: ml (0 = the region), annee, answers, accompanied, rate. None without the list.
    """
    if accompanied is None:
        return None
    cols = [c for c in accompanied.columns if str(c).startswith("accompagnes_")]
    if not cols or "ml_code" not in accompanied.columns:
        raise BarometreError(
            "reference missions_locales: expected the columns ml_code and accompagnes_<year> "
            f"(youths accompanied that year); got {list(accompanied.columns)}.")
    year = int(str(cols[-1]).rsplit("_", 1)[1])
    ref = pd.DataFrame({"ml": pd.to_numeric(accompanied["ml_code"]).astype(np.int64),
                        "accompanied": pd.to_numeric(accompanied[cols[-1]])})
    ref = ref[ref["ml"].isin(list(survey.ml_names))]
    d = survey.data
    answers = d[(d["region"] == REGION_CODE) & (d["annee"] == year)].groupby("ml").size()
    out = ref.assign(answers=ref["ml"].map(answers).fillna(0).astype(np.int64))
    total = pd.DataFrame({"ml": [0], "accompanied": [out["accompanied"].sum()],
                          "answers": [int(out["answers"].sum())]})
    out = pd.concat([total, out], ignore_index=True).assign(annee=year)
    out["rate"] = out["answers"] / out["accompanied"]
    return out[["ml", "annee", "answers", "accompanied", "rate"]]


def trend_change(trend: pd.DataFrame, wave: int) -> pd.DataFrame:
    """Change of % satisfied between two waves, per item and group (rows of :func:`trends`):
    ``wave`` against the first wave and against the previous one. Each wave is its own survey
    (independent samples): ``diff = p1 - p0``, ``se = sqrt(se0² + se1²)``, 95 % CI and p-value
    from the normal distribution (R: ``svycontrast`` of two independent ``svyciprop``, z test).

    Columns: item, group, since ("first" | "previous"), y0, y1, est0, est1, diff, se, ci_low,
    ci_high, p_value.
    """
    from scipy import stats

    rows = []
    for (item, group), g in trend.groupby(["item", "group"], sort=False):
        g = g.set_index("annee")
        years = sorted(y for y in g.index if y <= wave)
        if wave not in g.index or len(years) < 2:
            continue
        for since, y0 in (("first", years[0]), ("previous", years[-2])):
            a, b = g.loc[y0], g.loc[wave]
            diff = float(b["estimate"] - a["estimate"])
            se = float(np.hypot(a["se"], b["se"]))
            p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else np.nan
            rows.append({"item": item, "group": group, "since": since, "y0": int(y0), "y1": int(wave),
                         "est0": float(a["estimate"]), "est1": float(b["estimate"]), "diff": diff,
                         "se": se, "ci_low": diff - 1.959963984540054 * se,
                         "ci_high": diff + 1.959963984540054 * se, "p_value": p})
    return pd.DataFrame(rows)


def compute(inputs: StudyInputs, params: Mapping[str, Any]) -> BarometreResults:
    """All tables of the study for ``params["wave"]`` (youths and companies, region, nation and
    every Mission Locale of the region), read from the declared inputs only.

    ``params``: ``wave``, ``ml_pool_waves`` (youths' waves pooled per ML, default 2),
    ``ml_pool_waves_entreprises`` (companies', default 3), ``disclosure_threshold``.
    """
    wave = int(params["wave"])
    threshold = int(params["disclosure_threshold"])
    surveys = {p: survey_from_frame(p, inputs.frames[p], inputs.codebooks[p]) for p in POPULATIONS}
    pools = {"jeunes": int(params.get("ml_pool_waves", 2)),
             "entreprises": int(params.get("ml_pool_waves_entreprises", 3))}
    ml_waves = {p: pooled_waves(s, wave, pools[p]) for p, s in surveys.items()}
    young = surveys["jeunes"]
    specs = table_specs(inputs.config, surveys)
    profile = {p: region_profile(surveys[p], wave, spec.breakdowns, threshold, spec.indicators)
               for p, spec in specs.items()}
    return BarometreResults(
        **Results.base_fields(inputs, params),
        wave=wave, ml_waves=ml_waves,
        items={p: dict(s.items) for p, s in surveys.items()}, likert=young.likert,
        ml_names=dict(young.ml_names), waves={p: s.waves for p, s in surveys.items()},
        share={p: satisfied_share(s, wave) for p, s in surveys.items()},
        diff={p: region_vs_rest(s, wave) for p, s in surveys.items()},
        likert_dist={p: region_likert(s, wave) for p, s in surveys.items()},
        trend=(trend := {p: trends(s) for p, s in surveys.items()}),
        change={p: trend_change(t, wave) for p, t in trend.items()},
        ml={p: ml_vs_region(s, ml_waves[p], threshold) for p, s in surveys.items()},
        pooled={p: pooled_region_nation(s, ml_waves[p]) for p, s in surveys.items()},
        ml_trend=ml_yearly(young, next(iter(young.items))),
        sizes={p: sample_sizes(s) for p, s in surveys.items()},
        weights=weights_summary(young, wave),
        participation=participation(young, inputs.references.get("missions_locales")),
        profile=profile,
        meta={k: str(getattr(inputs.config, k, "") or "") for k in
              ("title", "description", "partners", "contact", "fieldwork")},
    )


def report(results: BarometreResults, params: Mapping[str, Any]) -> Report:
    """The regional report (``params["ml"]`` empty) or one Mission Locale's (its code)."""
    from arefie_studies.studies._barometre_report import build_report

    ml = str(params.get("ml", "") or "").strip()
    if ml and int(ml) not in results.ml_names:
        raise BarometreError(f"ml={ml!r}: not a Mission Locale of {REGION}. Known codes: "
                             f"{sorted(results.ml_names)}.")
    return build_report(results, int(ml) if ml else None)


def ml_profile(res: BarometreResults, population: str, ml: int) -> pd.DataFrame:
    """One ML beside its region and the nation (``res.ml_waves`` pooled), per item.

    Columns: item, label, group (the ML's name, Hauts-de-France, France entière), estimate,
    ci_low, ci_high, n, diff and p_value (ML minus the rest of the region, on the ML's rows),
    hidden (the ML's values are suppressed: NaN).
    """
    if ml not in res.ml_names:
        raise BarometreError(f"ml={ml!r}: not a Mission Locale of {REGION}. Known codes: "
                             f"{sorted(res.ml_names)}.")
    own = res.ml[population]
    own = own[own["ml"] == ml]
    cols = ["item", "label", "estimate", "ci_low", "ci_high", "n"]
    mine = own[[*cols, "diff", "p_value", "hidden"]].assign(group=res.ml_names[ml])
    pooled = res.pooled[population][[*cols, "group"]].assign(hidden=False)
    return pd.concat([mine, pooled], ignore_index=True)[
        ["item", "label", "group", "estimate", "ci_low", "ci_high", "n", "diff", "p_value", "hidden"]]


def ml_trend(res: BarometreResults, ml: int) -> pd.DataFrame:
    """Youths' overall satisfaction per year: the ML (years with at least ``res.threshold``
    answers whose estimate the NCHS rule publishes), the region and the nation. Columns: annee, group, estimate, ci_low, ci_high, n."""
    item = next(iter(res.items["jeunes"]))
    mine = res.ml_trend[(res.ml_trend["ml"] == ml) & (res.ml_trend["n"] >= res.threshold)
                        & res.ml_trend["decision"].isin(["show", "flag"])]
    mine = mine.assign(group=res.ml_names[ml])
    base = res.trend["jeunes"]
    base = base[base["item"] == item]
    cols = ["annee", "group", "estimate", "ci_low", "ci_high", "n"]
    return pd.concat([mine[cols], base[cols]], ignore_index=True)
