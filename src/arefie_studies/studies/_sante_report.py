"""The santé jeunes report of one variant, as contract blocks read from :class:`SanteResults`.

Nothing here estimates: every figure of a sentence, table, chart or key figure is selected and
formatted from the results' frames (the same rows the tables show). Département figures rest on
few PSUs (4 to 18 Missions Locales): they are shown with their Korn–Graubard interval and the
domain's degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import _sante_charts as C
from arefie_studies.studies._common import weighting_annex_html
from arefie_studies.studies._sante_recodes import (
    BREAKDOWNS,
    DEPARTEMENTS,
    INDICATORS,
    INSTRUMENTS,
    THEMES,
    VULNERABLE,
    Indicator,
    departement_label,
    indicators_by_theme,
)
from arefie_studies.studies.contract import (
    Annex,
    Figure,
    Heading,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Report,
    Table,
)
from arefie_studies.studies.glossary import glossary_markdown
from arefie_studies.tables import (
    NNBSP,
    SUPPRESSED_MARK,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
    indicator_table_html,
    plain_table_html,
)

__all__ = ["PARTS", "SanteReport", "build_report"]

#: The report's parts, in reading order (a notebook shows one per cell; a part a variant does
#: not have is empty: the département reports have no themes nor comparisons).
PARTS = ("introduction", "themes", "comparaisons", "annexe")


@dataclass
class SanteReport(Report):
    """The report's blocks, also reachable by part (:data:`PARTS`)."""

    parts: dict[str, list] = field(default_factory=dict)

    @classmethod
    def of(cls, parts: Mapping[str, list]) -> SanteReport:
        unknown = set(parts) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown report part(s) {sorted(unknown)}; parts: {PARTS}.")
        full = {p: list(parts.get(p, [])) for p in PARTS}
        return cls(blocks=[b for p in PARTS for b in full[p]], parts=full)

    def part(self, name: str) -> Report:
        """The blocks of one part, e.g. ``report.part("themes").show()``."""
        if name not in self.parts:
            raise KeyError(f"report part {name!r}: expected one of {', '.join(PARTS)}.")
        return Report(list(self.parts[name]))

TEST_HEADERS = {"sexe": "Test sexe", "tranche_age": "Test âge", "qualification": "Test qualif.",
                "departement": "Test"}
MARGIN_LABELS = {"sexe × tranche_age": "Sexe × tranche d’âge",
                 "departement × qualification": "Département × niveau de qualification"}
#: Under this many design degrees of freedom a variance estimate is itself unstable (NCHS
#: presentation standards, 2017): the report says so beside the figure.
LOW_DF = 8
KG_NOTE = ("Départements : intervalle de confiance de Korn–Graubard (méthode « beta », comme "
           "svyciprop(method = \"beta\") du logiciel R), calculé avec les degrés de liberté du "
           "plan dans le département (nombre de Missions Locales moins une strate) : {dfs}.")
LOW_DF_NOTE = (f"Avec moins de {LOW_DF} degrés de liberté, la variance repose sur trop peu de "
               "Missions Locales pour être elle-même bien estimée : l’intervalle affiché peut "
               "être nettement trop étroit ; les écarts sont à lire avec prudence.")


# ----------------------------------------------------------------------------- small helpers
def _source(r: Any) -> str:
    return (f"Source{NNBSP}: AREFIE, ARS Hauts-de-France, OR2S — Étude santé jeunes {r.wave} ; "
            "données pondérées.")


def _row(est: pd.DataFrame, name: str) -> pd.Series:
    return est.set_index("indicator").loc[name]


def _share(est: pd.DataFrame, name: str, digits: int = 0) -> str:
    r = _row(est, name)
    return SUPPRESSED_MARK if r["hidden"] else fmt_pct(r["estimate"], digits)


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"p{NNBSP}{fmt_p(p)}" if p < 0.001 else f"p{NNBSP}={NNBSP}{fmt_p(p)}"


def _label(ind: Indicator) -> str:
    return f"{ind.label} ({ind.universe})" if ind.universe else ind.label


def _lower_first(text: str) -> str:
    """'Fume quotidiennement' -> 'fume quotidiennement', 'A renoncé' -> 'a renoncé';
    an acronym ('IMC ≥ 30') stays as it is."""
    first = text.split()[0] if text.split() else ""
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def _kg(est: pd.DataFrame) -> pd.DataFrame:
    """Département estimates as shown: the Korn–Graubard interval in ``ci_low``/``ci_high``."""
    return est.assign(ci_low=est["kg_low"], ci_high=est["kg_high"])


def _df_text(df: float) -> str:
    return fmt_int(df) + ("\u202f‡" if df < LOW_DF else "")


def _dep_dfs(r: Any) -> str:
    """« Aisne 3 ‡, Nord 17 ... » from the by-département estimates (the df of the domain)."""
    d = r.by("departement").groupby("group", sort=False)["df"].min()
    return ", ".join(f"{g} {_df_text(v)}" for g, v in d.items())


def _download(cells: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    """The table's download frame: hidden cells carry the mark and nothing else."""
    hid = cells["hidden"].astype(bool).to_numpy()
    out = pd.DataFrame({
        "indicateur": cells["row"].to_numpy(), "indicator": cells["indicator"].to_numpy(),
        "colonne": cells["column"].map(headers).to_numpy(),
        "estimate": np.where(hid, np.nan, cells["estimate"].to_numpy(dtype=float)),
        "ci_low": np.where(hid, np.nan, cells["ci_low"].to_numpy(dtype=float)),
        "ci_high": np.where(hid, np.nan, cells["ci_high"].to_numpy(dtype=float)),
        "n": np.where(hid, np.nan, cells["n"].to_numpy(dtype=float)),
        "affichage": np.where(hid, SUPPRESSED_MARK, [fmt_pct(v) for v in cells["estimate"]]),
    })
    return out


def _hide_small(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A text table's download frame: rows of 1 to ``threshold - 1`` respondents keep their
    label only (as :func:`plain_table_html` shows them); the count column is dropped."""
    small = ((frame["n"] > 0) & (frame["n"] < threshold)).to_numpy()
    out = frame.drop(columns="n").copy()
    values = [c for c in out.columns if c not in ("Variable", "Modalité")]
    out.loc[small, values] = SUPPRESSED_MARK
    return out


def _estimate_table(cells: pd.DataFrame, columns: Sequence[tuple[str, str]], *, name: str,
                    **kwargs: Any) -> Table:
    html = indicator_table_html(cells, columns=columns, **kwargs)
    return Table(html=html, frame=_download(cells, dict(columns)), name=name)


# ----------------------------------------------------------------------------- regional
def _introduction(r: Any) -> list:
    o = r.overall
    prev = (f" En {r.previous}, la même enquête avait été menée ; les évolutions sont présentées "
            "plus loin." if r.previous else "")
    key = [("detresse", "présentent une détresse psychologique"),
           ("renoncement", "ont renoncé à des soins dans l’année"),
           ("tabac_quotidien", "fument chaque jour"),
           ("surpoids_obesite", "sont en surpoids ou obèses")]
    items = tuple(KeyFigure(label=f"des jeunes {text}", value=fmt_pct(_row(o, n)["estimate"]),
                            detail=f"IC 95 % {fmt_ci(_row(o, n)['ci_low'], _row(o, n)['ci_high'])}")
                  for n, text in key if not _row(o, n)["hidden"])
    sample = r.sample.assign(
        Variable=r.sample["variable"].map(BREAKDOWNS), Modalité=r.sample["group"],
        Répondants=[fmt_int(v) for v in r.sample["n"]],
        **{"Échantillon brut": [fmt_pct(v) for v in r.sample["share_raw"]],
           "Après calage": [fmt_pct(v) for v in r.sample["share_weighted"]]})
    sample.loc[sample["Variable"].duplicated(), "Variable"] = ""
    shown = sample[["Variable", "Modalité", "Répondants", "Échantillon brut", "Après calage", "n"]]
    title = "Structure de l’échantillon avant et après calage"
    html = plain_table_html(
        shown, title=title, align_right=["Répondants", "Échantillon brut", "Après calage"],
        counts="n", threshold=r.threshold,
        notes=["Après calage, la structure est celle de la population des jeunes accompagnés "
               "par les Missions Locales (marges de calage)."])
    return [
        Heading("Les jeunes interrogés", 2),
        KeyFigures(items),
        Paragraph(f"En {r.wave}, **{fmt_int(r.n)} jeunes** accompagnés par **{r.n_ml} Missions "
                  f"Locales** des Hauts-de-France ont répondu à l’enquête santé. Leurs réponses sont "
                  f"pondérées pour représenter les {fmt_int(r.population_total)} jeunes accompagnés "
                  f"par le réseau (voir l’annexe méthodologique).{prev}\n\nEn résumé : "
                  f"{_share(o, 'detresse')} des jeunes présentent une détresse psychologique, "
                  f"{_share(o, 'renoncement')} ont renoncé à des soins dans l’année, "
                  f"{_share(o, 'tabac_quotidien')} fument chaque jour et "
                  f"{_share(o, 'surpoids_obesite')} sont en surpoids ou obèses."),
        Table(html=html, frame=_hide_small(shown, r.threshold), name="echantillon"),
    ]


def _instruments(r: Any) -> list:
    from arefie_studies.studies.sante_jeunes import INSTRUMENT_CLASSES

    est = r.instruments
    ep = est[est["variable"] == "classe_epices"]
    not_precarious = ep.iloc[0]
    text = (SUPPRESSED_MARK if ep["hidden"].any() else fmt_pct(1 - not_precarious["estimate"], 0))
    cells = est.assign(section=est["variable"].map(INSTRUMENT_CLASSES), row=est["level"],
                       column="Ensemble", indicator=est["variable"] + ":" + est["level"])
    return [
        Heading("Précarité et scores des instruments standardisés", 2),
        Paragraph("Les questionnaires validés permettent de comparer les résultats à d’autres "
                  f"enquêtes. Selon le score EPICES, **{text} des jeunes sont en situation de "
                  "précarité** (score ≥ 30). Les seuils et références de chaque instrument sont "
                  "détaillés en annexe."),
        _estimate_table(cells, [("Ensemble", "Part des jeunes")], name="instruments",
                        title="Classes des scores des instruments", threshold=r.threshold,
                        source=_source(r), stub_header="Classe",
                        notes=["Parts pondérées ; entre crochets, intervalle de confiance à 95 %. "
                               "Seuils et références des instruments : voir l’annexe."]),
    ]


def _tests(r: Any, breakdown: str) -> pd.Series:
    t = r.tests[r.tests["breakdown"] == breakdown]
    return pd.Series(t["p_value"].to_numpy(), index=t["indicator"])


def _marks(est: pd.DataFrame, tests: pd.Series) -> pd.Series:
    """'▲'/'▼' for the "Oui" group of a flag when it differs from the "Non" group (p < 5 %)."""
    piv = est.pivot(index="indicator", columns="group", values="estimate")
    out = {}
    for name, p in tests.items():
        if name in piv.index and np.isfinite(p) and p < 0.05:
            out[name] = "▲" if piv.loc[name, "Oui"] > piv.loc[name, "Non"] else "▼"
    return pd.Series(out, dtype=object)


def _breakdown_table(r: Any, indicators: Sequence[Indicator], breakdowns: Sequence[str], *,
                     title: str, name: str, overall: bool = True,
                     tests: Sequence[str] = (), marks: Sequence[str] = ()) -> Table:
    """Indicators (rows) × Ensemble and the groups of each breakdown (columns); a vulnerable
    flag in ``marks`` shows only its "Oui" group with ▲/▼ against the others."""
    headings = {**BREAKDOWNS, **VULNERABLE}
    names = {i.name: _label(i) for i in indicators}
    columns = [("Ensemble", "Ensemble")] if overall else []
    frames = [r.overall.assign(column="Ensemble")] if overall else []
    for b in breakdowns:
        est = r.by(b)
        est = est[est["indicator"].isin(names)]
        if b == "departement":
            est = _kg(est)
        if b in marks:
            est = est[est["group"] == "Oui"].assign(
                mark=lambda d, b=b: d["indicator"].map(_marks(r.by(b), _tests(r, b))).fillna(""))
        for g in dict.fromkeys(est["group"]):
            columns.append((f"{b}:{g}", headings[b] if b in marks else f"{headings[b]}|{g}"))
        frames.append(est.assign(column=lambda d, b=b: b + ":" + d["group"]))
    cells = pd.concat(frames, ignore_index=True)
    cells = cells[cells["indicator"].isin(names)]
    cells["row"] = cells["indicator"].map(names)
    order = {i.name: k for k, i in enumerate(indicators)}
    cells = cells.sort_values("indicator", key=lambda s: s.map(order), kind="stable")
    extra = {}
    notes = ["Parts pondérées ; entre crochets, intervalle de confiance à 95 %."]
    for b in tests:
        pv = _tests(r, b)
        cells[f"p_{b}"] = cells["indicator"].map(lambda n, pv=pv: _p_text(float(pv.get(n, np.nan))))
        extra[f"p_{b}"] = TEST_HEADERS.get(b, "Test")
    if tests:
        notes.append("Test : Rao–Scott (statistique F, plan de sondage pris en compte) de "
                     "l’indépendance entre l’indicateur et la variable de ventilation.")
    if marks:
        notes.append("▲ / ▼ : part significativement supérieure / inférieure à celle des autres "
                     "jeunes (test de Rao–Scott au seuil de 5 %).")
    if "departement" in breakdowns:
        notes += [KG_NOTE.format(dfs=_dep_dfs(r)), "‡ " + LOW_DF_NOTE]
    return _estimate_table(cells, columns, name=name, title=title, threshold=r.threshold,
                           notes=notes, source=_source(r), extra_columns=extra,
                           stub_header="Indicateur")


def _sex_sentence(r: Any, key: Sequence[Indicator]) -> str:
    """French sentence on the key indicators that differ significantly by sex."""
    est = r.by("sexe")
    tests = _tests(r, "sexe")
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


def _theme(r: Any, theme: str) -> list:
    inds = indicators_by_theme(theme)
    key = indicators_by_theme(theme, key_only=True)
    title = THEMES[theme]
    o = r.overall
    top = o[o["indicator"].isin([i.name for i in key]) & ~o["hidden"]]
    lines = "\n".join(f"- {x['label']} : **{fmt_pct(x['estimate'])}** "
                      f"{fmt_ci(x['ci_low'], x['ci_high'])}" for _, x in top.iterrows())
    prev = f" (losanges : {r.previous})" if r.previous else ""
    return [
        Heading(title, 2),
        Paragraph("Principaux indicateurs pour l’ensemble des jeunes (part pondérée et "
                  f"intervalle de confiance à 95 %) :\n\n{lines}"),
        Figure(draw=partial(C.theme_chart, o, key, title=title, source=_source(r),
                            previous=r.overall_prev, wave=r.wave, previous_wave=r.previous),
               caption=f"{title} : indicateurs clés, {r.wave}{prev}",
               alt=f"Barres horizontales : indicateurs clés du thème « {title} » en {r.wave} ; "
                   "les valeurs figurent dans la liste ci-dessus."),
        Paragraph(_sex_sentence(r, key)),
        _breakdown_table(r, inds, ["sexe", "tranche_age"], title=f"{title} selon le sexe et l’âge",
                         name=f"{theme}_sexe_age", tests=["sexe", "tranche_age"]),
        _breakdown_table(r, inds, ["qualification", *VULNERABLE], overall=False,
                         title=f"{title} selon la qualification et pour les publics vulnérables",
                         name=f"{theme}_qualification", tests=["qualification"],
                         marks=list(VULNERABLE)),
        _breakdown_table(r, inds, ["departement"], title=f"{title} selon le département",
                         name=f"{theme}_departement", tests=["departement"]),
    ]


def _evolution(r: Any) -> list:
    if r.evolution is None:
        return []
    key = [i.name for i in INDICATORS if i.key]
    comp = r.evolution[r.evolution["indicator"].isin(key)].copy()
    comp["theme_label"] = comp["theme"].map(THEMES)
    shown = comp[~comp["hidden"] & (comp["p_value"] < 0.05)]

    def lst(d: pd.DataFrame) -> str:
        return ", ".join(f"{_lower_first(x['label'])} ({fmt_pct_points(x['diff'])})"
                         for _, x in d.iterrows()) or "aucun indicateur"

    rows = []
    for _, x in comp.iterrows():
        hidden = bool(x["hidden"])
        common = {"row": x["label"], "indicator": x["indicator"], "section": x["theme_label"],
                  "hidden": hidden,
                  "diff_text": SUPPRESSED_MARK if hidden else
                  f"{fmt_pct_points(x['diff'])} {fmt_ci(x['diff_low'], x['diff_high'])}",
                  "p_text": SUPPRESSED_MARK if hidden else _p_text(x["p_value"])}
        rows.append({**common, "column": "prev", "estimate": x["estimate_prev"],
                     "ci_low": x["ci_low_prev"], "ci_high": x["ci_high_prev"], "n": x["n_prev"]})
        rows.append({**common, "column": "cur", "estimate": x["estimate"], "ci_low": x["ci_low"],
                     "ci_high": x["ci_high"], "n": x["n"]})
    cells = pd.DataFrame(rows)
    mental = comp[comp["theme"].isin(["mentale", "addictions", "soins"])]
    return [
        Heading(f"Évolution depuis {r.previous}", 2),
        Paragraph(f"Entre {r.previous} et {r.wave}, les hausses significatives (au seuil de 5 %) "
                  f"concernent : {lst(shown[shown['diff'] > 0])}. Les baisses significatives "
                  f"concernent : {lst(shown[shown['diff'] < 0])}. Les autres écarts ne sont pas "
                  "significatifs : ils peuvent relever des fluctuations d’échantillonnage. Les "
                  f"valeurs {r.previous} sont ré-estimées à partir des réponses de l’enquête "
                  f"{r.previous}, avec les définitions et le calage de {r.wave} : ce sont les "
                  f"seules valeurs {r.previous} de ce rapport."),
        _estimate_table(
            cells, [("prev", str(r.previous)), ("cur", str(r.wave))], name="evolution",
            title=f"Indicateurs clés en {r.previous} et en {r.wave}", threshold=r.threshold,
            source=_source(r), stub_header="Indicateur",
            extra_columns={"diff_text": "Écart en points [IC 95 %]", "p_text": "Test"},
            notes=[f"Parts pondérées ; chaque vague est calée sur la population des jeunes "
                   f"accompagnés. Écart = {r.wave} − {r.previous}, en points de pourcentage, avec "
                   "son intervalle de confiance à 95 % ; test de Wald de l’égalité des deux parts "
                   "(échantillons indépendants)."]),
        Figure(draw=partial(C.evolution_chart, mental, title=f"Évolution {r.previous}-{r.wave}",
                            source=_source(r), wave=r.wave, previous=r.previous),
               caption=(f"Accès aux soins, santé mentale et addictions : {r.previous} et "
                        f"{r.wave}"),
               alt="Points reliés : valeur de chaque indicateur aux deux vagues (valeurs dans le "
                   "tableau précédent)."),
    ]


def _own_references_text(r: Any) -> str:
    own = r.own_references
    if own.empty:
        return ""
    years = sorted(set(own["annee"].astype(int)))
    if r.wave in years:
        where = "ce sont les chiffres de ce rapport"
    elif r.previous in years:
        where = "c’est cette seule valeur qui figure dans le rapport (chapitre « Évolution »)"
    else:
        where = "aucune comparaison avec cette vague n’est demandée dans ce rapport"
    return (f"Les chiffres publiés par l’étude elle-même pour {', '.join(map(str, years))} "
            f"({len(own)} valeurs du fichier de valeurs de référence) ne sont pas repris comme "
            "repères : l’étude dispose des réponses de cette vague, qui est ré-estimée avec les "
            f"définitions et le calage de la présente édition ; {where}. Ces estimations peuvent "
            "différer des chiffres publiés à l’époque (définitions et pondération différentes).")


def _benchmarks(r: Any) -> list:
    bm = r.benchmarks
    rows = [{
        "Indicateur": x["label"],
        f"Jeunes en ML {r.wave} [IC 95 %]": SUPPRESSED_MARK if x["hidden"] else
        f"{fmt_pct(x['estimate'])} {fmt_ci(x['ci_low'], x['ci_high'])}",
        "Valeur de référence (autre source)": fmt_pct(x["benchmark"], 0),
        "Population, année et source de la référence":
            f"{x['population']}, {x['annee']} — {x['source']}",
        "Test": SUPPRESSED_MARK if x["hidden"] else _p_text(x["p_value"]),
    } for _, x in bm.iterrows()]
    frame = pd.DataFrame(rows)
    notes = ["Les valeurs de référence sont des repères extérieurs à l’enquête (population "
             "générale ou autres jeunes), publiés par les sources citées, pour la population et "
             "l’année indiquées ; les définitions et les âges diffèrent parfois : la comparaison "
             "est indicative.",
             "Test : écart entre la part estimée et la valeur de référence, celle-ci étant "
             "considérée comme fixe (test de Wald)."]
    html = plain_table_html(
        frame, title="Jeunes accompagnés et valeurs de référence extérieures",
        align_right=[f"Jeunes en ML {r.wave} [IC 95 %]", "Valeur de référence (autre source)",
                     "Test"],
        wrap=["Indicateur", "Population, année et source de la référence"], notes=notes)
    own = _own_references_text(r)
    return [
        Heading("Comparaison avec des repères extérieurs", 2),
        Paragraph("Les résultats sont mis en regard de **valeurs de référence publiées** pour la "
                  "population générale du même âge ou pour d’autres jeunes en insertion. Ces "
                  "repères ne proviennent pas de l’enquête : leurs définitions, âges et années "
                  "diffèrent parfois, la comparaison reste donc indicative." + (
                      f"\n\n{own}" if own else "")),
        Table(html=html, frame=bm.assign(estimate=bm["estimate"].where(~bm["hidden"]),
                                         ci_low=bm["ci_low"].where(~bm["hidden"]),
                                         ci_high=bm["ci_high"].where(~bm["hidden"]),
                                         p_value=bm["p_value"].where(~bm["hidden"]))
              .drop(columns=["n"]), name="references"),
        Figure(draw=partial(C.benchmark_chart, bm, title="Jeunes en ML et repères extérieurs",
                            source=_source(r) + " Valeurs de référence : voir le tableau "
                            "précédent.", wave=r.wave),
               caption="Jeunes accompagnés (barres, intervalle à 95 %) et valeurs de référence "
                       "extérieures (losanges)",
               alt="Barres : part estimée pour les jeunes en ML ; losanges : valeur de référence "
                   "(valeurs dans le tableau précédent)."),
    ]


def _model(r: Any) -> list:
    ors = r.model
    sig = ors[~ors["reference"] & (ors["p_value"] < 0.05)]
    lst = "; ".join(f"{_lower_first(x['variable'])} « {x['level']} » (rapport de cotes "
                    f"{fmt_num(x['odds_ratio'], 2)})" for _, x in sig.iterrows())
    frame = pd.DataFrame([{
        "Variable": x["variable"], "Modalité": x["level"],
        "Rapport de cotes": "1 (réf.)" if x["reference"] else fmt_num(x["odds_ratio"], 2),
        "IC à 95 %": "" if x["reference"] else fmt_ci(x["ci_low"], x["ci_high"], 2, scale=1.0),
        "Test": "" if x["reference"] else _p_text(x["p_value"]),
    } for _, x in ors.iterrows()])
    frame.loc[frame["Variable"].duplicated(), "Variable"] = ""
    title = "Détresse psychologique : rapports de cotes"
    html = plain_table_html(
        frame, title=title, align_right=["Rapport de cotes", "IC à 95 %", "Test"],
        notes=[f"Régression logistique pondérée tenant compte du plan de sondage "
               f"(n{NNBSP}={NNBSP}{fmt_int(r.model_n)} répondants ayant répondu à toutes les "
               "variables). Lecture : un rapport de cotes supérieur à 1 signifie une détresse "
               "plus fréquente que dans la modalité de référence, toutes choses égales par "
               "ailleurs.", _source(r)])
    return [
        Heading("Facteurs associés à la détresse psychologique", 2),
        Paragraph("Une régression logistique pondérée relie la détresse psychologique (score "
                  "ADRS ≥ 3) à la précarité (score EPICES), au logement, au sexe et à l’âge, chaque "
                  "facteur étant mesuré « toutes choses égales par ailleurs ». Facteurs "
                  f"significativement associés : {lst or 'aucun'}."),
        Table(html=html, frame=ors, name="modele_detresse"),
        Figure(draw=partial(C.forest_chart, ors, title=title, source=_source(r)),
               caption="Rapports de cotes de la détresse psychologique et intervalles de "
                       "confiance à 95 %",
               alt="Rapports de cotes sur une échelle logarithmique (valeurs dans le tableau "
                   "précédent)."),
    ]


# ----------------------------------------------------------------------------- annex
def methods_text(r: Any, *, regional: bool) -> str:
    """Markdown of the methods chapter (sample, weighting, variance, disclosure)."""
    b = r.bounds
    how = {
        "raking": "un calage sur marges par la méthode du raking (fonction de distance "
                  "exponentielle, équivalente à l’ajustement itératif des marges)",
        "logit": f"un calage sur marges par la méthode logit, le rapport entre poids final et "
                 f"poids initial étant borné entre {fmt_num(b[0], 2)} et {fmt_num(b[1], 2)}",
        "ipf": "un raking (ajustement proportionnel itératif des marges)",
    }[r.calibration]
    prev = (f" La vague {r.previous} est calée de la même façon sur les mêmes marges ; les "
            "écarts entre vagues sont testés comme entre deux échantillons indépendants."
            if regional and r.previous else "")
    tables = ("Les tableaux de l’annexe donnent" if regional
              else "L’annexe du rapport régional donne")
    return f"""
### Échantillon

L’enquête {r.wave} a été proposée aux jeunes reçus dans les Missions Locales des Hauts-de-France :
{fmt_int(r.n)} jeunes y ont répondu dans {r.n_ml} Missions Locales. Il ne s’agit pas d’un tirage
aléatoire : les jeunes rencontrés ne représentent pas, tels quels, l’ensemble des jeunes
accompagnés (les femmes, les 22-25 ans et le Nord y sont par exemple surreprésentés).

### Pondération

Chaque répondant reçoit d’abord le poids N / n, puis les poids sont calés, par {how}, sur la
population des {fmt_int(r.population_total)} jeunes accompagnés par les Missions Locales en 2024
(tableau de référence : sexe × tranche d’âge et département × niveau de qualification). {tables}
la distribution des poids et vérifie{"nt" if regional else ""} que chaque marge est atteinte. La
taille effective d’échantillon (Kish) est de {fmt_int(r.n_eff)} jeunes.{prev}

### Estimation de la précision

Les variances sont estimées par linéarisation, en traitant les Missions Locales comme des
grappes stratifiées par département et en tenant compte du calage (résidus de la régression
de calage). Les intervalles de confiance à 95 % des parts régionales utilisent la transformation
logit (comme la fonction svyciprop du logiciel R survey) et les degrés de liberté du plan. Dans un
département, la variance ne repose que sur ses Missions Locales ({_dep_dfs(r)} degrés de liberté) :
les parts départementales sont données avec l’intervalle de Korn–Graubard (méthode « beta ») et
leurs degrés de liberté ; ‡ signale moins de {LOW_DF} degrés de liberté. {LOW_DF_NOTE} Les tests
d’association sont des tests du khi-deux corrigés de Rao–Scott ; le modèle de la détresse
psychologique est une régression logistique pondérée avec variance « sandwich » du plan.

### Secret statistique

Aucune part n’est publiée lorsqu’elle repose sur moins de {r.threshold} répondants (dans
l’une ou l’autre des réponses), ni lorsqu’elle permettrait de retrouver par différence une
valeur masquée : ces cases portent la lettre « {SUPPRESSED_MARK} ». Les graphiques n’affichent
pas les valeurs masquées.
"""


def _definitions(r: Any) -> Annex:
    """Definitions, stated once: the shared glossary's terms, the indicators' universes."""
    universes = " ; ".join(f"« {i.label} » : parmi les {i.universe}"
                           for i in INDICATORS if i.universe)
    return Annex("notes", "Définitions (étude santé jeunes) :\n\n"
                 + glossary_markdown(["sans_logement_stable", "qpv"])
                 + "\n\nSauf mention contraire, les parts sont calculées parmi l’ensemble des "
                   f"jeunes ayant répondu à la question ; {universes}.")


def _annex(r: Any) -> list:
    diag = SimpleNamespace(summary=r.weighting_summary, margins=r.weighting_margins)
    instruments = pd.DataFrame(INSTRUMENTS).rename(columns={
        "instrument": "Instrument", "calcul": "Calcul du score", "seuils": "Seuils retenus",
        "reference": "Référence"})
    title = "Instruments standardisés : calcul et seuils publiés"
    return [
        Heading("Annexe méthodologique de l’étude", 2),
        Paragraph(methods_text(r, regional=True)),
        Table(html=weighting_annex_html(diag, title=f"Calage {r.wave}", labels=MARGIN_LABELS),
              frame=r.weighting_margins, name="calage"),
        Heading("Instruments et seuils", 3),
        Table(html=plain_table_html(instruments, title=title, wrap=list(instruments.columns)),
              frame=instruments, name="instruments_seuils"),
        _definitions(r),
    ]


def _regional(r: Any) -> SanteReport:
    return SanteReport.of({
        "introduction": [*_introduction(r), *_instruments(r)],
        "themes": [b for theme in THEMES for b in _theme(r, theme)],
        "comparaisons": [*_evolution(r), *_benchmarks(r), *_model(r)],
        "annexe": _annex(r)})


# ----------------------------------------------------------------------------- département
def _departement(r: Any, code: str) -> SanteReport:
    label = departement_label(code)
    code = next(c for c, lab in DEPARTEMENTS.items() if lab == label)
    info = r.departements.set_index("departement").loc[code]
    key = [i for i in INDICATORS if i.key]
    dep = _kg(r.departement(code))
    o = r.overall
    t = r.dep_tests[r.dep_tests["departement"] == code]
    tests = pd.Series(t["p_value"].to_numpy(), index=t["indicator"])
    names = {i.name: _label(i) for i in key}
    theme_of = {i.name: THEMES[i.theme] for i in key}
    cells = pd.concat([dep.assign(column="dep"), o.assign(column="reg")], ignore_index=True)
    cells = cells[cells["indicator"].isin(names)]
    cells["row"] = cells["indicator"].map(names)
    cells["section"] = cells["indicator"].map(theme_of)
    order = {i.name: k for k, i in enumerate(key)}
    cells = cells.sort_values("indicator", key=lambda s: s.map(order), kind="stable")
    d = dep.set_index("indicator")
    cells["p_text"] = cells["indicator"].map(
        lambda n: SUPPRESSED_MARK if d.loc[n, "hidden"] else _p_text(float(tests.get(n, np.nan))))
    cells["df_text"] = cells["indicator"].map(lambda n: _df_text(d.loc[n, "df"]))
    dfs = _dep_dfs(r)
    items = tuple(
        KeyFigure(label=f"{text} ({label})", value=fmt_pct(d.loc[n, "estimate"]),
                  detail=f"IC 95 % (Korn–Graubard) {fmt_ci(d.loc[n, 'ci_low'], d.loc[n, 'ci_high'])}"
                         f", {fmt_int(d.loc[n, 'df'])} degrés de liberté ; région : "
                         f"{_share(o, n, 1)}")
        for n, text in (("detresse", "Détresse psychologique"),
                        ("renoncement", "Renoncement aux soins")) if not d.loc[n, "hidden"])
    low = d["df"].min() < LOW_DF
    src = _source(r)
    return SanteReport.of({"introduction": [
        Heading(f"{label} : les jeunes interrogés", 2),
        KeyFigures(items),
        Paragraph(f"En {r.wave}, **{fmt_int(info['n'])} jeunes** accompagnés par les "
                  f"{fmt_int(info['n_ml'])} Missions Locales du département ({label}) ont répondu "
                  f"à l’enquête santé, sur {fmt_int(r.n)} dans la région. Les résultats sont "
                  "pondérés (calage régional sur la population des jeunes accompagnés) et "
                  "présentés à côté de ceux de l’ensemble des Hauts-de-France. Le rapport régional "
                  f"détaille chaque thème.\n\nEn {label}, {_share(dep, 'detresse')} des jeunes "
                  f"présentent une détresse psychologique (région : {_share(o, 'detresse')}) et "
                  f"{_share(dep, 'renoncement')} ont renoncé à des soins dans l’année (région : "
                  f"{_share(o, 'renoncement')})."
                  + (f"\n\n**Précision** : les intervalles du département reposent sur "
                     f"{fmt_int(info['n_ml'])} Missions Locales seulement "
                     f"({fmt_int(d['df'].min())} degrés de liberté). {LOW_DF_NOTE}" if low else "")),
        Figure(draw=partial(C.departement_chart, dep, o, key, dep_label=label,
                            title=f"{label} et Hauts-de-France",
                            source=src + f" {label} : intervalle de Korn–Graubard, "
                            f"{fmt_int(d['df'].min())} degrés de liberté."),
               caption=(f"Indicateurs clés : {label} (points, intervalle de Korn–Graubard à "
                        f"95 %, {fmt_int(d['df'].min())} degrés de liberté) et région (losanges)"),
               alt=f"Points : parts du département {label} ; losanges : parts régionales "
                   "(valeurs dans le tableau suivant)."),
        _estimate_table(
            cells, [("dep", label), ("reg", "Hauts-de-France")], name=f"indicateurs_{code}",
            title=f"Indicateurs clés : {label} et Hauts-de-France", threshold=r.threshold,
            source=src, stub_header="Indicateur",
            extra_columns={"df_text": "Degrés de liberté (département)", "p_text": "Test"},
            notes=["Parts pondérées ; entre crochets, intervalle de confiance à 95 % : logit "
                   f"pour les Hauts-de-France ; pour {label}, intervalle de Korn–Graubard (méthode "
                   "« beta », comme svyciprop(method = \"beta\") du logiciel R) avec les degrés de "
                   "liberté du plan dans le département (Missions Locales moins une strate ; "
                   f"tous départements : {dfs}).",
                   "‡ " + LOW_DF_NOTE,
                   f"Test : Rao–Scott, {label} comparé au reste de la région."])],
        "annexe": [
        Heading("Annexe méthodologique de l’étude", 2),
        Paragraph(methods_text(r, regional=False) + "\nLes instruments standardisés (ADRS, "
                  "AUDIT-C, CAST, EPICES, IMC, IPAQ), leur calcul et leurs seuils publiés sont "
                  "décrits dans l’annexe du rapport régional."),
        _definitions(r)]})


def build_report(results: Any, params: Mapping[str, Any]) -> SanteReport:
    """The regional report (``departement`` empty) or a département's light report."""
    code = str(params.get("departement", "") or "").strip()
    return _departement(results, code) if code else _regional(results)
