"""Sections of the santé jeunes report, as the notebook shows them.

:func:`build_context` loads the waves, computes scores and calibrated designs once;
each ``section_*`` function then displays one part of the report (French text, numbered
tables, captioned figures) through IPython's display, so the notebook stays a thin sequence
of calls. Regional sections and the light per-département sections are separate functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import _sante_report as R
from arefie_studies.studies import sante_jeunes as S
from arefie_studies.studies._common import load_study, weighting_annex_html
from arefie_studies.studies._common import show_figure as _fig
from arefie_studies.studies._common import show_html as _html
from arefie_studies.studies._common import show_markdown as _md
from arefie_studies.tables import fmt_int, fmt_pct

__all__ = ["SanteContext", "build_context"]

NNBSP = "\u202f"
MARGIN_LABELS = {"sexe × tranche_age": "Sexe × tranche d’âge",
                 "departement × qualification": "Département × niveau de qualification"}


@dataclass
class SanteContext:
    """Everything the sections share: parameters, designs and the overall estimates."""

    wave: int
    previous: int | None
    threshold: int
    method: str
    bounds: tuple[float, float]
    design: Any
    design_prev: Any | None
    benchmarks: pd.DataFrame
    departement: str = ""
    dep_label: str = ""
    overall: pd.DataFrame = field(default_factory=pd.DataFrame)
    overall_prev: pd.DataFrame | None = None
    n_ml: int = 0

    @property
    def regional(self) -> bool:
        return not self.departement

    @property
    def source(self) -> str:
        return (f"Source{NNBSP}: AREFIE, ARS Hauts-de-France, OR2S — Étude santé jeunes "
                f"{self.wave} ; données pondérées.")

    @property
    def n(self) -> int:
        return int((np.asarray(self.design.weights) > 0).sum())


def build_context(*, wave: int = 2024, compare_wave: int | None = 2020, departement: str = "",
                  calibration: str = "raking", bounds=(0.2, 5.0),
                  population: str = "data/reference/population_ml_2024.csv",
                  benchmarks: str = "data/reference/benchmarks_sante.csv",
                  threshold: int = 11, root=None) -> SanteContext:
    """Load the wave(s), compute scores and indicators, calibrate, estimate overall shares.

    A département report (``departement="59"``) reads only the current wave and skips the
    comparison with the previous one.
    """
    wave = int(wave)
    previous = int(compare_wave) if compare_wave and int(compare_wave) != wave else None
    if previous is not None and previous > wave:
        raise ValueError(f"compare_wave={compare_wave!r} is after wave={wave!r}: the comparison "
                         "wave must be an earlier edition (or 0 for none).")
    dep_label = S.departement_label(departement) if str(departement).strip() else ""
    names = [f"sante_{wave}"] + ([f"sante_{previous}"] if previous and not dep_label else [])
    data = load_study("sante_jeunes", root, inputs=names)
    root = data.root
    book = data.codebooks[f"sante_{wave}"]
    margins = S.population_margins(root / population, book)
    frame = S.prepare(data.frames[f"sante_{wave}"], book)
    if dep_label:
        frame["zone"] = pd.Categorical(
            np.where(frame["departement"].astype(object) == dep_label, dep_label,
                     "Reste de la région"), categories=[dep_label, "Reste de la région"])
    design = S.calibrated_design(frame, margins, calibration, tuple(bounds))
    ctx = SanteContext(wave=wave, previous=previous if not dep_label else None,
                       threshold=int(threshold), method=calibration, bounds=tuple(bounds),
                       design=design, design_prev=None,
                       benchmarks=pd.read_csv(root / benchmarks), departement=str(departement),
                       dep_label=dep_label, n_ml=int(frame["ml"].nunique()))
    ctx.overall = S.indicator_estimates(design, S.INDICATORS, threshold=ctx.threshold)
    if ctx.previous:
        pbook = data.codebooks[f"sante_{previous}"]
        pframe = S.prepare(data.frames[f"sante_{previous}"], pbook)
        ctx.design_prev = S.calibrated_design(pframe, margins, calibration, tuple(bounds))
        ctx.overall_prev = S.indicator_estimates(ctx.design_prev, S.INDICATORS,
                                                 threshold=ctx.threshold)
    return ctx


def _share(est: pd.DataFrame, name: str) -> str:
    r = est.set_index("indicator").loc[name]
    return "s" if r["hidden"] else fmt_pct(r["estimate"], 0)


# ----------------------------------------------------------------------------- regional
def section_introduction(ctx: SanteContext) -> None:
    """Key figures of the survey (French text)."""
    diag = ctx.design.weighting_diagnostics().summary.iloc[0]
    o = ctx.overall
    prev = (f" En {ctx.previous}, la même enquête avait été menée ; les évolutions sont "
            "présentées plus loin." if ctx.previous else "")
    _md(f"""## Les jeunes interrogés

En {ctx.wave}, **{fmt_int(ctx.n)} jeunes** accompagnés par **{ctx.n_ml} Missions Locales** des
Hauts-de-France ont répondu à l’enquête santé. Leurs réponses sont pondérées pour représenter
les {fmt_int(diag["total"])} jeunes accompagnés par le réseau (voir l’annexe méthodologique).{prev}

En résumé : {_share(o, "detresse")} des jeunes présentent une détresse psychologique,
{_share(o, "renoncement")} ont renoncé à des soins dans l’année, {_share(o, "tabac_quotidien")}
fument chaque jour et {_share(o, "surpoids_obesite")} sont en surpoids ou obèses.""")
    _html(R.sample_table(ctx.design.data, ctx.design.weights,
                         title="Structure de l’échantillon avant et après calage"))


def section_instruments(ctx: SanteContext) -> None:
    """Distribution of the instruments' classes."""
    labels = {"classe_epices": "Précarité (score EPICES)",
              "classe_adrs": "Dépression (échelle ADRS)",
              "classe_audit": "Alcool (AUDIT-C)", "classe_cast": "Cannabis (CAST)",
              "classe_imc": "Corpulence (IMC)"}
    est = ctx.design.proportion(list(labels), ci_method="logit")
    rows = []
    for var in labels:
        codes = ctx.design.data[var].cat.codes.to_numpy()
        counts = np.bincount(codes[codes >= 0], minlength=len(ctx.design.data[var].cat.categories))
        hidden = (counts > 0) & (counts < ctx.threshold)
        if hidden.sum() == 1:  # one small class would be recovered from the total
            order = np.argsort(np.where(hidden, np.inf, counts))
            hidden[order[0]] = True
        sub = est[est["variable"] == var].copy()
        sub["n"] = counts.sum()
        sub["hidden"] = hidden
        rows.append(sub)
    est = pd.concat(rows, ignore_index=True)
    ep = est[(est["variable"] == "classe_epices")]
    precarious = 1 - float(ep["estimate"].iloc[0])
    _md(f"""## Précarité et scores des instruments standardisés

Les questionnaires validés permettent de comparer les résultats à d’autres enquêtes. Selon le
score EPICES, **{fmt_pct(precarious, 0)} des jeunes sont en situation de précarité** (score
≥ 30). Les seuils et références de chaque instrument sont détaillés en annexe.""")
    _html(R.instruments_table(est, labels, title="Classes des scores des instruments",
                              source=ctx.source, threshold=ctx.threshold))


def _tests(ctx: SanteContext, inds, by: str) -> pd.Series:
    return S.group_tests(ctx.design, inds, by)


def _marks(est: pd.DataFrame, tests: pd.Series) -> pd.Series:
    """'▲'/'▼' for the "Oui" group of a flag when it differs from the "Non" group (p < 5 %)."""
    piv = est.pivot(index="indicator", columns="group", values="estimate")
    out = {}
    for name, p in tests.items():
        if name in piv.index and np.isfinite(p) and p < 0.05:
            out[name] = "▲" if piv.loc[name, "Oui"] > piv.loc[name, "Non"] else "▼"
    return pd.Series(out, dtype=object)


def section_theme(ctx: SanteContext, theme: str) -> None:
    """One theme: French summary, chart of the key indicators, tables by group."""
    inds = S.indicators_by_theme(theme)
    key = S.indicators_by_theme(theme, key_only=True)
    title = S.THEMES[theme]
    o = ctx.overall
    top = o[o["indicator"].isin([i.name for i in key]) & ~o["hidden"]]
    lines = "\n".join(f"- {r['label']} : **{fmt_pct(r['estimate'])}** "
                      f"[{fmt_pct(r['ci_low'])} ; {fmt_pct(r['ci_high'])}]"
                      for _, r in top.iterrows())
    _md(f"## {title}\n\nPrincipaux indicateurs pour l’ensemble des jeunes (part pondérée et "
        f"intervalle de confiance à 95 %) :\n\n{lines}")
    _fig(R.theme_chart(o, key, title=title, source=ctx.source, previous=ctx.overall_prev,
                       wave=ctx.wave, previous_wave=ctx.previous),
         f"{title} : indicateurs clés, {ctx.wave}"
         + (f" (losanges : {ctx.previous})" if ctx.previous else ""))
    t = ctx.threshold
    by1 = {b: S.indicator_estimates(ctx.design, inds, by=b, threshold=t)
           for b in ("sexe", "tranche_age")}
    tests1 = {b: _tests(ctx, inds, b) for b in by1}
    _md(_sex_sentence(by1["sexe"], tests1["sexe"], key))
    _html(R.breakdown_table(inds, o, by1, title=f"{title} selon le sexe et l’âge", threshold=t,
                            source=ctx.source, tests=tests1))
    by2 = {"qualification": S.indicator_estimates(ctx.design, inds, by="qualification",
                                                  threshold=t)}
    marks = {}
    for flag in S.VULNERABLE:
        by2[flag] = S.indicator_estimates(ctx.design, inds, by=flag, threshold=t)
        marks[flag] = _marks(by2[flag], _tests(ctx, inds, flag))
    _html(R.breakdown_table(
        inds, None, by2, title=f"{title} selon la qualification et pour les publics vulnérables",
        threshold=t, source=ctx.source, tests={"qualification": _tests(ctx, inds,
                                                                         "qualification")},
        marks=marks, group_filter={f: ["Oui"] for f in S.VULNERABLE}))
    by3 = {"departement": S.indicator_estimates(ctx.design, inds, by="departement", threshold=t)}
    _html(R.breakdown_table(inds, o, by3, title=f"{title} selon le département", threshold=t,
                            source=ctx.source, tests={"departement": _tests(ctx, inds,
                                                                             "departement")}))


def _lower_first(text: str) -> str:
    """'Fume quotidiennement' -> 'fume quotidiennement', 'A renoncé' -> 'a renoncé';
    an acronym ('IMC ≥ 30') stays as it is."""
    first = text.split()[0] if text.split() else ""
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def _sex_sentence(est: pd.DataFrame, tests: pd.Series, key) -> str:
    """French sentence on the key indicators that differ significantly by sex."""
    piv = est[~est["hidden"]].pivot(index="indicator", columns="group", values="estimate")
    parts = []
    for ind in key:
        p = float(tests.get(ind.name, np.nan))
        if ind.name not in piv.index or not np.isfinite(p) or p >= 0.05:
            continue
        f, h = piv.loc[ind.name, "Femme"], piv.loc[ind.name, "Homme"]
        if np.isnan(f) or np.isnan(h):
            continue
        hi, lo = (("jeunes femmes", f), ("jeunes hommes", h))[:: 1 if f > h else -1]
        parts.append(f"{_lower_first(ind.label)} : {fmt_pct(hi[1], 0)} des {hi[0]} contre "
                     f"{fmt_pct(lo[1], 0)} des {lo[0]}")
    if not parts:
        return ("Aucun des indicateurs clés ne diffère significativement entre jeunes femmes et "
                "jeunes hommes (test de Rao–Scott, seuil de 5 %).")
    return ("Différences significatives selon le sexe (test de Rao–Scott, seuil de 5 %) : "
            + " ; ".join(parts) + ".")


def section_evolution(ctx: SanteContext) -> None:
    """Previous wave vs current wave on the key indicators."""
    if not ctx.previous or ctx.overall_prev is None:
        return
    key = [i for i in S.INDICATORS if i.key]
    comp = S.wave_comparison(ctx.overall, ctx.overall_prev)
    comp = comp[comp["indicator"].isin([i.name for i in key])].copy()
    comp["theme_label"] = comp["theme"].map(S.THEMES)
    up = comp[(comp["p_value"] < 0.05) & (comp["diff"] > 0) & ~comp["hidden"]]
    down = comp[(comp["p_value"] < 0.05) & (comp["diff"] < 0) & ~comp["hidden"]]

    def lst(d):
        return ", ".join(f"{_lower_first(r['label'])} ({R.fmt_pct_points(r['diff'])})"
                         for _, r in d.iterrows()) or "aucun indicateur"

    _md(f"""## Évolution depuis {ctx.previous}

Entre {ctx.previous} et {ctx.wave}, les hausses significatives (au seuil de 5 %) concernent :
{lst(up)}. Les baisses significatives concernent : {lst(down)}. Les autres écarts ne sont pas
significatifs : ils peuvent relever des fluctuations d’échantillonnage.""")
    _html(R.evolution_table(comp, title=f"Indicateurs clés en {ctx.previous} et en {ctx.wave}",
                            threshold=ctx.threshold, source=ctx.source, wave=ctx.wave,
                            previous=ctx.previous))
    mental = comp[comp["theme"].isin(["mentale", "addictions", "soins"])]
    _fig(R.evolution_chart(mental, title=f"Évolution {ctx.previous}-{ctx.wave}",
                           source=ctx.source, wave=ctx.wave, previous=ctx.previous),
         f"Accès aux soins, santé mentale et addictions : {ctx.previous} et {ctx.wave}")


def section_benchmarks(ctx: SanteContext) -> None:
    """Comparison with external references (general population, other youths)."""
    bm = S.benchmark_comparison(ctx.overall, ctx.benchmarks)
    _md("""## Comparaison avec des repères extérieurs

Les résultats sont mis en regard de **valeurs de référence publiées** pour la population
générale du même âge ou pour d’autres jeunes en insertion. Ces repères ne proviennent pas de
l’enquête : leurs définitions, âges et années diffèrent parfois, la comparaison reste donc
indicative.""")
    _html(R.benchmark_table(bm, title="Jeunes accompagnés et valeurs de référence",
                            wave=ctx.wave))
    _fig(R.benchmark_chart(bm, title="Jeunes en ML et repères extérieurs", source=ctx.source
                           + " Valeurs de référence : voir le tableau précédent.",
                           wave=ctx.wave),
         "Jeunes accompagnés (barres, intervalle à 95 %) et valeurs de référence (losanges)")


def section_model(ctx: SanteContext) -> None:
    """Logistic model of psychological distress."""
    ors, fit = S.distress_model(ctx.design)
    sig = ors[~ors["reference"] & (ors["p_value"] < 0.05)]
    lst = "; ".join(f"{_lower_first(r['variable'])} « {r['level']} » (rapport de cotes "
                    f"{R.fmt_num(r['odds_ratio'], 2)})" for _, r in sig.iterrows())
    _md(f"""## Facteurs associés à la détresse psychologique

Une régression logistique pondérée relie la détresse psychologique (score ADRS ≥ 3) à la
précarité (score EPICES), au logement, au sexe et à l’âge, chaque facteur étant mesuré
« toutes choses égales par ailleurs ». Facteurs significativement associés : {lst or "aucun"}.""")
    _html(R.model_table(ors, title="Détresse psychologique : rapports de cotes",
                        n=int(fit.nobs), source=ctx.source))
    _fig(R.forest_chart(ors, title="Détresse psychologique : rapports de cotes",
                        source=ctx.source),
         "Rapports de cotes de la détresse psychologique et intervalles de confiance à 95 %")


def section_annex(ctx: SanteContext) -> None:
    """Methods annex: sample, weighting with diagnostics, variance, disclosure, instruments."""
    diag = ctx.design.weighting_diagnostics()
    s = diag.summary.iloc[0]
    _md("## Annexe méthodologique de l’étude\n" + R.methods_text(
        wave=ctx.wave, n=ctx.n, n_ml=ctx.n_ml, method=ctx.method, bounds=ctx.bounds,
        population_total=float(s["total"]), n_eff=float(s["n_eff"]), threshold=ctx.threshold,
        previous=ctx.previous))
    _html(weighting_annex_html(diag, title=f"Calage {ctx.wave}", labels=MARGIN_LABELS))
    _md("### Instruments et seuils")
    _html(R.instruments_annex_html(title="Instruments standardisés : calcul et seuils publiés"))
    universes = [i for i in S.INDICATORS if i.universe]
    if universes:
        _md("Sauf mention contraire, les parts sont calculées parmi l’ensemble des jeunes ayant "
            "répondu à la question ; " + " ; ".join(
                f"« {i.label} » : parmi les {i.universe}" for i in universes) + ". « Sans "
            "logement stable » regroupe l’hébergement chez des tiers, l’hébergement d’urgence "
            "ou social et la rue, le squat ou le véhicule.")


# ----------------------------------------------------------------------------- département
def section_departement(ctx: SanteContext) -> None:
    """Light per-département report: the département's figures beside the region's."""
    t = ctx.threshold
    dom = ctx.design.subset(ctx.design.data["zone"].astype(object).eq(ctx.dep_label).to_numpy(),
                            label=ctx.dep_label)
    n_dep = int(ctx.design.data["zone"].astype(object).eq(ctx.dep_label).sum())
    dep = S.indicator_estimates(dom, S.INDICATORS, threshold=t)
    key = [i for i in S.INDICATORS if i.key]
    tests = S.group_tests(ctx.design, key, "zone")
    _md(f"""## {ctx.dep_label} : les jeunes interrogés

En {ctx.wave}, **{fmt_int(n_dep)} jeunes** accompagnés par les Missions Locales du département
({ctx.dep_label}) ont répondu à l’enquête santé, sur {fmt_int(ctx.n)} dans la région. Les
résultats sont pondérés (calage régional sur la population des jeunes accompagnés) et présentés
à côté de ceux de l’ensemble des Hauts-de-France. Le rapport régional détaille chaque thème.

En {ctx.dep_label}, {_share(dep, "detresse")} des jeunes présentent une détresse psychologique
(région : {_share(ctx.overall, "detresse")}) et {_share(dep, "renoncement")} ont renoncé à des
soins dans l’année (région : {_share(ctx.overall, "renoncement")}).""")
    _fig(R.departement_chart(dep, ctx.overall, key, dep_label=ctx.dep_label,
                             title=f"{ctx.dep_label} et Hauts-de-France", source=ctx.source),
         f"Indicateurs clés : {ctx.dep_label} (points, intervalle à 95 %) et région (losanges)")
    _html(R.departement_table(key, dep, ctx.overall, tests, dep_label=ctx.dep_label,
                              title=f"Indicateurs clés : {ctx.dep_label} et Hauts-de-France",
                              threshold=t, source=ctx.source, themes=S.THEMES))


def section_departement_annex(ctx: SanteContext) -> None:
    """Short methods annex of the département report (details in the regional report)."""
    s = ctx.design.weighting_diagnostics().summary.iloc[0]
    text = R.methods_text(
        wave=ctx.wave, n=ctx.n, n_ml=ctx.n_ml, method=ctx.method, bounds=ctx.bounds,
        population_total=float(s["total"]), n_eff=float(s["n_eff"]), threshold=ctx.threshold,
        previous=None)
    text = text.replace("Les tableaux de l’annexe donnent", "L’annexe du rapport régional donne")
    _md("## Annexe méthodologique de l’étude\n" + text + "\nLes instruments standardisés "
        "(ADRS, AUDIT-C, CAST, EPICES, IMC, IPAQ), leur calcul et leurs seuils publiés sont "
        "décrits dans l’annexe du rapport régional.")
