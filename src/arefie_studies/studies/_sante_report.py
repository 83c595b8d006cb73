"""The santé jeunes report of one variant, as contract blocks read from :class:`SanteResults`.

Nothing here estimates: every figure of a sentence, table, chart or key figure is selected and
formatted from the results' frames (the same rows the tables show). Every proportion is shown
with its Korn–Graubard 95 % interval (``kg_low``/``kg_high``) and goes through the NCHS
presentation rule decided in ``compute`` (``decision``): « nd » when suppressed (no value, no
interval anywhere), « † » when flagged (e.g. a département with fewer than 8 degrees of freedom).

Chapters are level-1 headings with the anchors the notebook shows one per cell
(:data:`CHAPTERS`, through ``Report.chapter(anchor)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies import french
from arefie_studies import tables as T
from arefie_studies.studies import _sante_charts as C
from arefie_studies.studies._common import weighting_annex_tables
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
from arefie_studies.survey import cross_name
from arefie_studies.tables import (
    FLAG_MARK,
    NNBSP,
    NOT_SHOWN_MARK,
    SUPPRESSED_MARK,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
    plain_table,
    presentation_rule_text,
)

__all__ = ["CHAPTERS", "COMPARED", "build_report", "champ", "methods_sections"]

#: Level-1 chapters (anchor -> heading), in reading order; the département report has the first
#: three (its tables of calibration and instruments are in the regional report). The methods
#: texts are annex blocks: the renderer prints them once, in the « Annexe méthodologique ».
CHAPTERS: dict[str, str] = {
    "introduction": "Principaux résultats",
    "themes": "Résultats par thème",
    "comparaisons": "Comparaisons",
    "annexe": "Annexe statistique : calage des poids et instruments",
}
#: The key indicators on which the five départements are compared.
COMPARED = ("detresse", "renoncement", "tabac_quotidien", "surpoids_obesite")

TEST_HEADERS = {"sexe": "Test sexe", "tranche_age": "Test âge", "qualification": "Test qualif.",
                "departement": "Test"}
MARGIN_LABELS = {"sexe × tranche_age": "Sexe × tranche d’âge",
                 "departement × qualification": "Département × niveau de qualification"}
KG_NOTE = ("Parts pondérées ; entre crochets, intervalle de confiance à 95 % de Korn–Graubard "
           "(méthode « beta », comme svyciprop(method = \"beta\") du logiciel R), calculé avec "
           "les degrés de liberté du plan dans le domaine ; départements : {dfs}.")


# ----------------------------------------------------------------------------- small helpers
def _source(r: Any) -> str:
    return (f"Source{NNBSP}: AREFIE, ARS Hauts-de-France, OR2S — Étude santé jeunes {r.wave} ; "
            "données pondérées.")


def champ(r: Any, universe: str = "", where: str = "des Hauts-de-France") -> str:
    """The "Champ :" line: youths met in the Missions Locales who answered (and the
    indicator's universe when there is one)."""
    extra = f" ; pour chaque indicateur, les jeunes concernés ({universe})" if universe else ""
    return (f"Champ{NNBSP}: jeunes accompagnés par les Missions Locales {where}, ayant répondu "
            f"à l’enquête santé {r.wave}{extra}.")


def _row(est: pd.DataFrame, name: str) -> pd.Series:
    return est.set_index("indicator").loc[name]


def _pub(est: pd.DataFrame) -> pd.DataFrame:
    """Estimates as published: the Korn–Graubard interval in ``ci_low``/``ci_high``."""
    return est.assign(ci_low=est["kg_low"], ci_high=est["kg_high"])


def _kg(est: pd.DataFrame) -> pd.DataFrame:
    return _pub(est)


def _visible(x: pd.Series) -> bool:
    return not bool(x["hidden"]) and x["decision"] != "suppress"


def _value(x: pd.Series, digits: int = 1) -> str:
    """« 23,4 % », « 23,4 % † » (flagged), « nd » (suppressed) or « s » (disclosure)."""
    if bool(x["hidden"]):
        return SUPPRESSED_MARK
    if x["decision"] == "suppress":
        return NOT_SHOWN_MARK
    flag = f"{NNBSP}{FLAG_MARK}" if x["decision"] == "flag" else ""
    return fmt_pct(x["estimate"], digits) + flag


def _value_ci(x: pd.Series, digits: int = 1) -> str:
    """Value and its Korn–Graubard interval, or the mark alone."""
    if not _visible(x):
        return _value(x)
    return f"{_value(x, digits)} {fmt_ci(x['kg_low'], x['kg_high'])}"


def _share(est: pd.DataFrame, name: str, digits: int = 0) -> str:
    return _value(_row(est, name), digits)


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


def _dep_dfs(r: Any) -> str:
    """« Aisne 3, Nord 17 ... » from the by-département estimates (the df of the domain)."""
    d = r.by("departement").groupby("group", sort=False)["df"].min()
    return ", ".join(f"{g} {fmt_int(v)}" for g, v in d.items())


def _lecture(cells: pd.DataFrame, headers: Mapping[str, str], wave: int) -> str:
    """« Lecture : » from the first published cell of a table (its row, column, value, CI)."""
    ok = cells[~cells["hidden"].astype(bool) & (cells["decision"] != "suppress")]
    if ok.empty:
        return ""
    x = ok.iloc[0]
    col = headers.get(x["column"], str(x["column"])).replace("|", " : ")
    where = ("l’ensemble des jeunes" if col in ("Ensemble", "Part des jeunes") else
             "les Hauts-de-France" if col == "Hauts-de-France" else
             french.le(col) if col in DEPARTEMENTS.values() else col)
    return (f"Lecture{NNBSP}: en {wave}, pour {where}, la part « {x['row']} » est estimée à "
            f"{_value(x)} (intervalle de confiance à 95 % : {fmt_ci(x['ci_low'], x['ci_high'])}).")


def _estimate_table(r: Any, cells: pd.DataFrame, columns: Sequence[tuple[str, str]], *,
                    name: str, title: str, notes: Sequence[str] = (), universe: str = "",
                    where: str = "des Hauts-de-France", lecture: str | None = None,
                    **kwargs: Any) -> Table:
    """A contract table from tidy cells (Korn–Graubard in ``ci_low``/``ci_high``, ``se``,
    ``df``, ``n``, ``hidden``): the NCHS rule decides « nd » / « † »; notes end with Champ,
    Lecture and Source."""
    lecture = _lecture(cells, dict(columns), r.wave) if lecture is None else lecture
    table = T.Table.from_estimates(
        cells, title=title, columns=columns, threshold=r.threshold, presentation=True,
        notes=[*notes, champ(r, universe, where), lecture], source=_source(r),
        stub_width="34mm", **kwargs)
    return Table.of(table, name)


def _plain(frame: pd.DataFrame, *, name: str, title: str, notes: Sequence[str],
           **kwargs: Any) -> Table:
    return Table.of(plain_table(frame, title=title, notes=notes, **kwargs), name)


def _figure_notes(r: Any, lecture: str, universe: str = "",
                  where: str = "des Hauts-de-France") -> Paragraph:
    """Champ and Lecture under a figure (its source is drawn in the image)."""
    return Paragraph(f"{champ(r, universe, where)}  \n{lecture}")


def _universes(indicators: Sequence[Indicator]) -> str:
    return " ; ".join(f"« {i.label} » : {i.universe}" for i in indicators if i.universe)


# ----------------------------------------------------------------------------- findings
def _key_items(r: Any) -> tuple[KeyFigure, ...]:
    o = r.overall
    key = [("detresse", "des jeunes présentent une détresse psychologique"),
           ("renoncement", "ont renoncé à des soins dans l’année"),
           ("tabac_quotidien", "fument chaque jour"),
           ("surpoids_obesite", "sont en surpoids ou obèses")]
    items = [KeyFigure(label=text, value=_value(_row(o, n)),
                       detail=f"IC 95 % {fmt_ci(_row(o, n)['kg_low'], _row(o, n)['kg_high'])}")
             for n, text in key if _visible(_row(o, n))]
    ep = r.instruments[r.instruments["variable"] == "classe_epices"]
    prec = ep.iloc[1:]
    if len(prec) == 1 and _visible(prec.iloc[0]):
        x = prec.iloc[0]
        items.append(KeyFigure(label="sont en situation de précarité (score EPICES ≥ 30)",
                               value=_value(x), detail=f"IC 95 % {fmt_ci(x['kg_low'], x['kg_high'])}"))
    items.append(KeyFigure(label=f"jeunes interrogés dans {r.n_ml} Missions Locales",
                           value=fmt_int(r.n),
                           detail=f"représentant {fmt_int(r.population_total)} jeunes accompagnés"))
    return tuple(items)


def synthesis(r: Any) -> list[str]:
    """Bullet findings (3 to 6): significant differences only, each with its intervals —
    sex differences on key indicators, evolutions since the previous wave, départements that
    differ from the rest of the region."""
    out: list[str] = []
    key = [i for i in INDICATORS if i.key]
    sx = r.by("sexe")
    tests = _tests(r, "sexe")
    for ind in key:
        p = float(tests.get(ind.name, np.nan))
        g = sx[sx["indicator"] == ind.name].set_index("group")
        if not (np.isfinite(p) and p < 0.05) or not {"Femme", "Homme"} <= set(g.index):
            continue
        f, h = g.loc["Femme"], g.loc["Homme"]
        if not (_visible(f) and _visible(h)):
            continue
        hi, lo = (("jeunes femmes", f), ("jeunes hommes", h))[:: 1 if f["estimate"] > h["estimate"]
                                                              else -1]
        out.append(f"{ind.label} : {_value_ci(hi[1])} des {hi[0]} contre {_value_ci(lo[1])} des "
                   f"{lo[0]} ({_p_text(p)}).")
        if len(out) >= 2:
            break
    if r.evolution is not None:
        ev = r.evolution[r.evolution["indicator"].isin([i.name for i in key])
                         & ~r.evolution["hidden"] & (r.evolution["p_value"] < 0.05)]
        ev = ev[(ev["decision"] != "suppress") & (ev["decision_prev"] != "suppress")]
        ev = ev.reindex(ev["diff"].abs().sort_values(ascending=False).index)
        for _, x in ev.head(2).iterrows():
            way = "hausse" if x["diff"] > 0 else "baisse"
            out.append(f"{x['label']} : {fmt_pct(x['estimate_prev'])} en {r.previous}, "
                       f"{fmt_pct(x['estimate'])} en {r.wave} ({way} de "
                       f"{fmt_pct_points(x['diff'])} {fmt_ci(x['diff_low'], x['diff_high'])}, "
                       f"{_p_text(x['p_value'])}).")
    dep = _dep_differences(r)
    out += dep[: max(0, 6 - len(out))]
    return out[:6]


def _dep_differences(r: Any, codes: Sequence[str] | None = None) -> list[str]:
    """Sentences on the départements whose compared indicator differs significantly from the
    rest of the region (Rao–Scott, 5 %), published estimates only."""
    out = []
    by = r.by("departement").set_index(["group", "indicator"])
    o = r.overall.set_index("indicator")
    for code in codes or DEPARTEMENTS:
        lab = DEPARTEMENTS[code]
        t = r.dep_tests[(r.dep_tests["departement"] == code)
                        & r.dep_tests["indicator"].isin(COMPARED)]
        for _, tt in t.iterrows():
            x = by.loc[(lab, tt["indicator"])]
            if not (tt["p_value"] < 0.05 and _visible(x)):
                continue
            side = "plus" if x["estimate"] > o.loc[tt["indicator"], "estimate"] else "moins"
            out.append(f"{lab} : {_lower_first(x['label'])} {side} fréquent que dans le reste de "
                       f"la région ({_value_ci(x)}, région {_value_ci(o.loc[tt['indicator']])} ; "
                       f"{_p_text(tt['p_value'])}).")
    return out


def _findings_block(r: Any) -> list:
    items = synthesis(r)
    text = ("\n".join(f"- {t}" for t in items) if items else
            "- Aucun écart significatif au seuil de 5 % entre les groupes comparés sur les "
            "indicateurs clés.")
    return [Heading("L’essentiel", 2),
            Paragraph("Écarts significatifs au seuil de 5 % (intervalles de confiance à 95 % entre "
                      "crochets) :\n\n" + text)]


def _about(r: Any, where: str) -> Paragraph:
    """Fieldwork dates, response rate, authors, contact (from the results / the config)."""
    rate = r.n / r.population_total if r.population_total else np.nan
    field_ = f"Enquête réalisée {r.fieldwork}. " if r.fieldwork else ""
    contact = f" Contact{NNBSP}: {r.contact}." if r.contact else ""
    return Paragraph(
        f"**À propos de cette étude.** {field_}{fmt_int(r.n)} jeunes ont répondu {where}, soit "
        f"{fmt_pct(rate)} des {fmt_int(r.population_total)} jeunes accompagnés par les Missions "
        "Locales (taux de sondage ; l’enquête est proposée aux jeunes reçus, le nombre de jeunes "
        "sollicités n’est pas connu). Auteurs : Observatoire AREFIE"
        + (f", avec {r.partners}" if r.partners else "") + f".{contact}")


def _cite(r: Any, variant: str) -> Annex:
    return Annex("notes", f"Pour citer ce rapport{NNBSP}: AREFIE (2026), *{r.title}*, édition "
                 f"{r.wave}, {variant}.")


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


def _heading(r: Any, breakdown: str) -> str:
    """French heading of a breakdown: the study's own, else the label the results hold (the
    codebook's, « Département × Sexe » for a crossing), else the name."""
    own = {**BREAKDOWNS, **VULNERABLE}
    return own.get(breakdown) or (r.breakdown_labels or {}).get(breakdown, breakdown)


def _breakdown_table(r: Any, indicators: Sequence[Indicator], breakdowns: Sequence[str], *,
                     title: str, name: str, overall: bool = True,
                     tests: Sequence[str] = (), marks: Sequence[str] = ()) -> Table:
    """Indicators (rows) × Ensemble and the groups of each breakdown (columns); a vulnerable
    flag in ``marks`` shows only its "Oui" group with ▲/▼ against the others."""
    headings = {b: _heading(r, b) for b in breakdowns}
    names = {i.name: _label(i) for i in indicators}
    columns = [("Ensemble", "Ensemble")] if overall else []
    frames = [r.overall.assign(column="Ensemble")] if overall else []
    for b in breakdowns:
        est = r.by(b)
        est = est[est["indicator"].isin(names)]
        if b in marks:
            est = est[est["group"] == "Oui"].assign(
                mark=lambda d, b=b: d["indicator"].map(_marks(r.by(b), _tests(r, b))).fillna(""))
        for g in dict.fromkeys(est["group"]):
            columns.append((f"{b}:{g}", headings[b] if b in marks else f"{headings[b]}|{g}"))
        frames.append(est.assign(column=lambda d, b=b: b + ":" + d["group"]))
    cells = _pub(pd.concat(frames, ignore_index=True))
    cells = cells[cells["indicator"].isin(names)].copy()
    cells["row"] = cells["indicator"].map(names)
    order = {i.name: k for k, i in enumerate(indicators)}
    cells = cells.sort_values("indicator", key=lambda s: s.map(order), kind="stable")
    extra = {}
    notes = [KG_NOTE.format(dfs=_dep_dfs(r))]
    for b in tests:
        pv = _tests(r, b)
        cells[f"p_{b}"] = cells["indicator"].map(lambda n, pv=pv: _p_text(float(pv.get(n, np.nan))))
        extra[f"p_{b}"] = TEST_HEADERS.get(b, f"Test {_lower_first(headings[b])}")
    if tests:
        notes.append("Test : Rao–Scott (statistique F, plan de sondage pris en compte) de "
                     "l’indépendance entre l’indicateur et la variable de ventilation.")
    if marks:
        notes.append("▲ / ▼ : part significativement supérieure / inférieure à celle des autres "
                     "jeunes (test de Rao–Scott au seuil de 5 %).")
    return _estimate_table(r, cells, columns, name=name, title=title, notes=notes,
                           universe=_universes(indicators), extra_columns=extra,
                           stub="Indicateur")


def _sex_sentence(r: Any, key: Sequence[Indicator]) -> str:
    """French sentence on the key indicators that differ significantly by sex."""
    est = r.by("sexe")
    tests = _tests(r, "sexe")
    piv = est[~est["hidden"] & (est["decision"] != "suppress")].pivot(index="indicator", columns="group", values="estimate")
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


def _theme_heading(r: Any, theme: str, key: Sequence[Indicator]) -> str:
    """A finding when a key indicator of the theme differs by sex (Rao–Scott, 5 %), else the
    theme's name."""
    title = THEMES[theme]
    sx = r.by("sexe")
    tests = _tests(r, "sexe")
    for ind in key:
        p = float(tests.get(ind.name, np.nan))
        g = sx[sx["indicator"] == ind.name].set_index("group")
        if np.isfinite(p) and p < 0.05 and {"Femme", "Homme"} <= set(g.index) \
                and _visible(g.loc["Femme"]) and _visible(g.loc["Homme"]):
            who = ("les jeunes femmes" if g.loc["Femme", "estimate"] > g.loc["Homme", "estimate"]
                   else "les jeunes hommes")
            return f"{title} : « {_lower_first(ind.label)} » plus fréquent chez {who}"
    return title


def _theme(r: Any, theme: str) -> list:
    inds = indicators_by_theme(theme)
    key = indicators_by_theme(theme, key_only=True)
    title = THEMES[theme]
    o = r.overall
    top = o[o["indicator"].isin([i.name for i in key])]
    lines = "\n".join(f"- {x['label']} : **{_value(x)}** "
                      + (fmt_ci(x["kg_low"], x["kg_high"]) if _visible(x) else "")
                      for _, x in top.iterrows())
    prev = f" (losanges : {r.previous})" if r.previous else ""
    first = top[[_visible(x) for _, x in top.iterrows()]]
    lecture = (f"Lecture{NNBSP}: en {r.wave}, {_value(first.iloc[0])} des jeunes sont concernés "
               f"par « {first.iloc[0]['label']} »." if len(first) else "")
    return [
        Heading(_theme_heading(r, theme, key), 2),
        Paragraph("Principaux indicateurs pour l’ensemble des jeunes (part pondérée et "
                  f"intervalle de confiance à 95 %) :\n\n{lines}"),
        Figure(draw=partial(C.theme_chart, _pub(o), key, title=title, source=_source(r),
                            previous=_pub(r.overall_prev) if r.overall_prev is not None else None,
                            wave=r.wave, previous_wave=r.previous),
               caption=f"{title} : indicateurs clés, {r.wave}{prev}",
               alt=f"Barres horizontales : indicateurs clés du thème « {title} » en {r.wave} ; "
                   "les valeurs figurent dans la liste ci-dessus."),
        _figure_notes(r, lecture, _universes(key)),
        Paragraph(_sex_sentence(r, key)),
        *_declared_tables(r, theme, inds),
    ]


def _declared_tables(r: Any, theme: str, inds: Sequence[Indicator]) -> list[Table]:
    """The theme's tables as declared (``r.table_specs``: ``tables:`` of
    studies/sante_jeunes.yaml over ``sante_jeunes.TABLES``): a vulnerable flag shows its « Oui »
    group with ▲/▼, every other breakdown its Rao–Scott test column."""
    from arefie_studies.studies.sante_jeunes import TABLES

    out = []
    for spec in (r.table_specs or TABLES).values():
        rows = [i for i in inds if spec.indicators is None or i.name in spec.indicators]
        if not rows:
            continue
        names = [b if isinstance(b, str) else cross_name(b) for b in spec.breakdowns]
        title = (f"{THEMES[theme]} {spec.title}" if spec.title else
                 f"{THEMES[theme]} selon " + " et ".join(
                     _lower_first(_heading(r, b)) for b in names))
        out.append(_breakdown_table(
            r, rows, names, title=title, name=f"{theme}_{spec.name}", overall=spec.total,
            tests=[b for b in names if b not in VULNERABLE],
            marks=[b for b in names if b in VULNERABLE]))
    return out


# ----------------------------------------------------------------------------- territories
def _comparison_cells(r: Any) -> pd.DataFrame:
    """Départements (rows) × compared indicators (columns), and the region as last row;
    ▲/▼ when a département differs from the rest of the region (Rao–Scott, 5 %)."""
    by = r.by("departement")
    names = {i.name: i.label for i in INDICATORS if i.name in COMPARED}
    t = r.dep_tests.assign(group=r.dep_tests["departement"].map(DEPARTEMENTS))
    pv = t.set_index(["group", "indicator"])["p_value"]
    reg = r.overall.set_index("indicator")["estimate"]
    cells = by[by["indicator"].isin(names)].copy()

    def mark(x: pd.Series) -> str:
        p = float(pv.get((x["group"], x["indicator"]), np.nan))
        if not (np.isfinite(p) and p < 0.05):
            return ""
        return "▲" if x["estimate"] > reg[x["indicator"]] else "▼"

    cells["mark"] = [mark(x) for _, x in cells.iterrows()]
    region = r.overall[r.overall["indicator"].isin(names)].assign(group="Hauts-de-France", mark="")
    cells = _pub(pd.concat([cells, region], ignore_index=True))
    cells["row"] = cells["group"]
    cells["column"] = cells["indicator"]
    return cells


def _comparison(r: Any, code: str = "") -> list:
    """The five départements on the compared key indicators: a table and a caterpillar chart
    (each département's estimate with its interval, sorted, the region as a line)."""
    names = {i.name: i.label for i in INDICATORS if i.name in COMPARED}
    cells = _comparison_cells(r)
    n_sig = sum(1 for m in cells["mark"] if m)
    head = (f"Les cinq départements : {n_sig} écart{'s' if n_sig > 1 else ''} significatif"
            f"{'s' if n_sig > 1 else ''} au reste de la région sur les indicateurs clés"
            if n_sig else "Les cinq départements : pas d’écart significatif au reste de la région "
            "sur les indicateurs clés")
    columns = [(n, names[n]) for n in COMPARED if n in names]
    dep_cells = cells[cells["row"] != "Hauts-de-France"]
    ok = dep_cells[[_visible(x) for _, x in dep_cells.iterrows()]]
    lecture = ""
    if len(ok):
        x = ok.iloc[0]
        where = french.dans(x["group"])
        lecture = (f"Lecture{NNBSP}: {where}, la part « {names[x['indicator']]} » est "
                   f"estimée à {_value_ci(x)}")
    table = _estimate_table(
        r, cells, columns, lecture=lecture + "." if lecture else "",
        name="comparaison_departements",
        title="Indicateurs clés par département", stub="Département",
        notes=[KG_NOTE.format(dfs=_dep_dfs(r)),
               "▲ / ▼ : part significativement supérieure / inférieure à celle du reste de la "
               "région (test de Rao–Scott au seuil de 5 %)."])
    blocks: list = [Heading(head, 2)]
    if code:
        blocks.append(Paragraph(_position(r, code)))
    else:
        diffs = _dep_differences(r)
        blocks.append(Paragraph(
            "Chaque département est comparé au reste de la région (test de Rao–Scott). "
            + ("Écarts significatifs :\n\n" + "\n".join(f"- {t}" for t in diffs) if diffs else
               "Aucun écart n’est significatif au seuil de 5 % : les différences visibles entre "
               "départements peuvent relever des fluctuations d’échantillonnage.")))
    blocks.append(table)
    reg = cells[cells["row"] == "Hauts-de-France"].set_index("indicator")
    for key, label in columns:
        sub = dep_cells[dep_cells["indicator"] == key]
        ok_k = sub[[_visible(x) for _, x in sub.iterrows()]].sort_values("estimate")
        lect = ""
        if len(ok_k):
            x = ok_k.iloc[-1]
            lect = (f"Lecture{NNBSP}: {french.dans(x['group'])}, la part « "
                    f"{label} » est estimée à {_value_ci(x)} (la plus élevée des départements "
                    f"publiés) ; le trait vertical est la valeur régionale "
                    f"({_value(reg.loc[key])}).")
        blocks += [
            Figure(draw=partial(C.caterpillar_chart, cells, key, region="Hauts-de-France",
                                title=label, source=_source(r) + " Intervalles de Korn–Graubard."),
                   caption=f"{label} par département (point et intervalle à 95 %, en couleur "
                           "si l’écart au reste de la région est significatif) et valeur "
                           "régionale (trait vertical)",
                   alt=f"{label} : les départements classés par valeur estimée, avec leur "
                       "intervalle de confiance (valeurs dans le tableau précédent)."),
            _figure_notes(r, lect),
        ]
        if key == columns[0][0]:   # the first compared indicator also on the map
            blocks.append(Figure(
                draw=partial(C.departement_map, cells, key, region="Hauts-de-France", title=label,
                             source=_source(r)),
                caption=f"{label} : carte schématique des cinq départements (contour épais si "
                        "l’écart au reste de la région est significatif)",
                alt=f"{label} : carte des cinq départements colorés selon la valeur estimée "
                    "(valeurs dans le tableau précédent)."))
            blocks.append(_figure_notes(r, lect.replace("le trait vertical est la valeur régionale",
                                                        "les départements hachurés ne sont pas publiés ; "
                                                        "valeur régionale")))
    return blocks


def _position(r: Any, code: str) -> str:
    """Where the département stands: estimate, interval, and whether it differs from the
    rest of the region, for each compared indicator."""
    lab = DEPARTEMENTS[code]
    by = r.by("departement").set_index(["group", "indicator"])
    t = r.dep_tests[r.dep_tests["departement"] == code].set_index("indicator")["p_value"]
    o = r.overall.set_index("indicator")
    lines = []
    for n in COMPARED:
        x = by.loc[(lab, n)]
        if not _visible(x):
            lines.append(f"- {x['label']} : {_value(x)} (non diffusé pour le département).")
            continue
        p = float(t.get(n, np.nan))
        sig = ("significativement " + ("supérieure" if x["estimate"] > o.loc[n, "estimate"]
                                       else "inférieure") + " à celle du reste de la région"
               if np.isfinite(p) and p < 0.05 else
               "pas significativement différente de celle du reste de la région")
        lines.append(f"- {x['label']} : {_value_ci(x)}, {sig} (région {_value_ci(o.loc[n])} ; "
                     f"{_p_text(p)}).")
    return (f"Place {french.de(lab)} parmi les cinq départements (intervalles de "
            "Korn–Graubard à 95 %) :\n\n" + "\n".join(lines))


# ----------------------------------------------------------------------------- evolution
def _evolution(r: Any) -> list:
    if r.evolution is None:
        return []
    key = [i.name for i in INDICATORS if i.key]
    comp = r.evolution[r.evolution["indicator"].isin(key)].copy()
    comp["theme_label"] = comp["theme"].map(THEMES)
    ok = ~comp["hidden"] & (comp["decision"] != "suppress") & (comp["decision_prev"] != "suppress")
    shown = comp[ok & (comp["p_value"] < 0.05)]

    def lst(d: pd.DataFrame, what: str, verb: str) -> str:
        if d.empty:
            return f"Aucun indicateur clé ne {verb} significativement (au seuil de 5 %)."
        return (f"Les {what} significatives (au seuil de 5 %) concernent : "
                + ", ".join(f"{_lower_first(x['label'])} ({fmt_pct_points(x['diff'])})"
                            for _, x in d.iterrows()) + ".")

    rows = []
    for i, x in comp.iterrows():
        visible = bool(ok.loc[i])
        common = {"row": x["label"], "indicator": x["indicator"], "section": x["theme_label"],
                  "hidden": bool(x["hidden"]),
                  "diff_text": f"{fmt_pct_points(x['diff'])} {fmt_ci(x['diff_low'], x['diff_high'])}"
                  if visible else "–",
                  "p_text": _p_text(x["p_value"]) if visible else "–"}
        rows.append({**common, "column": "prev", "estimate": x["estimate_prev"],
                     "se": x["se_prev"], "df": x["df_prev"], "decision": x["decision_prev"],
                     "ci_low": x["kg_low_prev"], "ci_high": x["kg_high_prev"], "n": x["n_prev"]})
        rows.append({**common, "column": "cur", "estimate": x["estimate"], "se": x["se"],
                     "df": x["df"], "decision": x["decision"], "ci_low": x["kg_low"],
                     "ci_high": x["kg_high"], "n": x["n"]})
    cells = pd.DataFrame(rows)
    mental = comp[comp["theme"].isin(["mentale", "addictions", "soins"])]
    up, down = shown[shown["diff"] > 0], shown[shown["diff"] < 0]
    def count(k: int, what: str) -> str:
        return (f"{k} indicateur{'s' if k > 1 else ''} clé{'s' if k > 1 else ''} en {what}"
                if k else f"aucun en {what}")

    head = (f"Depuis {r.previous}, {count(len(up), 'hausse')} et {count(len(down), 'baisse')} "
            "significative" if len(shown) else
            f"Évolution depuis {r.previous} : aucun écart significatif")
    lect = ""
    if len(shown):
        x = shown.iloc[0]
        lect = (f"Lecture{NNBSP}: la part « {x['label']} » passe de {fmt_pct(x['estimate_prev'])} "
                f"en {r.previous} à {fmt_pct(x['estimate'])} en {r.wave} (écart "
                f"{fmt_pct_points(x['diff'])}, significatif au seuil de 5 %).")
    return [
        Heading(head, 2),
        Paragraph(f"Indicateurs clés entre {r.previous} et {r.wave}. "
                  f"{lst(up, 'hausses', 'augmente')} {lst(down, 'baisses', 'baisse')} "
                  "Les autres écarts ne sont pas significatifs : ils peuvent relever des "
                  f"fluctuations d’échantillonnage. Les valeurs {r.previous} sont ré-estimées à "
                  f"partir des réponses de l’enquête {r.previous}, avec les définitions et le "
                  f"calage de {r.wave} : ce sont les seules valeurs {r.previous} de ce rapport."),
        _estimate_table(
            r, cells, [("prev", str(r.previous)), ("cur", str(r.wave))], name="evolution",
            title=f"Indicateurs clés en {r.previous} et en {r.wave}", stub="Indicateur",
            universe=_universes([i for i in INDICATORS if i.key]),
            extra_columns={"diff_text": "Écart en points [IC 95 %]", "p_text": "Test"},
            notes=[f"Parts pondérées (intervalle de Korn–Graubard) ; chaque vague est calée sur "
                   f"la population des jeunes accompagnés. Écart = {r.wave} − {r.previous}, en "
                   "points de pourcentage, avec son intervalle de confiance à 95 % ; test de Wald "
                   "de l’égalité des deux parts (échantillons indépendants)."]),
        Figure(draw=partial(C.evolution_chart, mental, title=f"Évolution {r.previous}-{r.wave}",
                            source=_source(r), wave=r.wave, previous=r.previous),
               caption=(f"Accès aux soins, santé mentale et addictions : {r.previous} et "
                        f"{r.wave}"),
               alt="Points reliés : valeur de chaque indicateur aux deux vagues (valeurs dans le "
                   "tableau précédent)."),
        _figure_notes(r, lect),
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
        f"Jeunes en ML {r.wave} [IC 95 %]": _value_ci(x),
        "Valeur de référence (autre source)": fmt_pct(x["benchmark"], 0),
        "Population, année et source de la référence":
            f"{x['population']}, {x['annee']} — {x['source']}",
        "Test": _p_text(x["p_value"]) if _visible(x) else "–",
    } for _, x in bm.iterrows()]
    frame = pd.DataFrame(rows)
    first = bm[[_visible(x) for _, x in bm.iterrows()]]
    lect = ""
    if len(first):
        x = first.iloc[0]
        lect = (f"Lecture{NNBSP}: « {x['label']} » concerne {_value(x)} des jeunes en ML en "
                f"{r.wave}, contre {fmt_pct(x['benchmark'], 0)} ({x['population']}, "
                f"{x['annee']}).")
    notes = ["Les valeurs de référence sont des repères extérieurs à l’enquête (population "
             "générale ou autres jeunes), publiés par les sources citées, pour la population et "
             "l’année indiquées ; les définitions et les âges diffèrent parfois : la comparaison "
             "est indicative.",
             "Test : écart entre la part estimée et la valeur de référence, celle-ci étant "
             "considérée comme fixe (test de Wald).", champ(r), lect, _source(r)]
    own = _own_references_text(r)
    return [
        Heading("Comparaison avec des repères extérieurs", 2),
        Paragraph("Les résultats sont mis en regard de **valeurs de référence publiées** pour la "
                  "population générale du même âge ou pour d’autres jeunes en insertion. Ces "
                  "repères ne proviennent pas de l’enquête : leurs définitions, âges et années "
                  "diffèrent parfois, la comparaison reste donc indicative." + (
                      f"\n\n{own}" if own else "")),
        _plain(frame, name="references",
               title="Jeunes accompagnés et valeurs de référence extérieures",
               align_right=[f"Jeunes en ML {r.wave} [IC 95 %]",
                            "Valeur de référence (autre source)", "Test"],
               wrap=["Indicateur", "Population, année et source de la référence"], notes=notes),
        Figure(draw=partial(C.benchmark_chart, _pub(bm), title="Jeunes en ML et repères extérieurs",
                            source=_source(r) + " Valeurs de référence : voir le tableau "
                            "précédent.", wave=r.wave),
               caption="Jeunes accompagnés (barres, intervalle à 95 %) et valeurs de référence "
                       "extérieures (losanges)",
               alt="Barres : part estimée pour les jeunes en ML ; losanges : valeur de référence "
                   "(valeurs dans le tableau précédent)."),
        _figure_notes(r, lect),
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
    lect = ""
    if len(sig):
        x = sig.iloc[0]
        lect = (f"Lecture{NNBSP}: toutes choses égales par ailleurs, la modalité « {x['level']} » "
                f"({_lower_first(x['variable'])}) multiplie la cote de la détresse psychologique "
                f"par {fmt_num(x['odds_ratio'], 2)} par rapport à la modalité de référence.")
    head = (f"Détresse psychologique : {len(sig)} facteur{'s' if len(sig) > 1 else ''} "
            "significativement associé" + ("s" if len(sig) > 1 else "")
            if len(sig) else "Facteurs associés à la détresse psychologique")
    return [
        Heading(head, 2),
        Paragraph("Une régression logistique pondérée relie la détresse psychologique (score "
                  "ADRS ≥ 3) à la précarité (score EPICES), au logement, au sexe et à l’âge, chaque "
                  "facteur étant mesuré « toutes choses égales par ailleurs ». "
                  + (f"Facteurs significativement associés : {lst}." if lst else
                     "Aucun facteur n’est significativement associé (au seuil de 5 %).")),
        _plain(frame, name="modele_detresse", title=title,
               align_right=["Rapport de cotes", "IC à 95 %", "Test"],
               notes=[f"Régression logistique pondérée tenant compte du plan de sondage "
                      f"(n{NNBSP}={NNBSP}{fmt_int(r.model_n)} répondants ayant répondu à toutes les "
                      "variables). Un rapport de cotes supérieur à 1 signifie une détresse plus "
                      "fréquente que dans la modalité de référence, toutes choses égales par "
                      "ailleurs.", champ(r), lect, _source(r)]),
        Figure(draw=partial(C.forest_chart, ors, title=title, source=_source(r)),
               caption="Rapports de cotes de la détresse psychologique et intervalles de "
                       "confiance à 95 %",
               alt="Rapports de cotes sur une échelle logarithmique (valeurs dans le tableau "
                   "précédent)."),
        _figure_notes(r, lect),
    ]


# ----------------------------------------------------------------------------- introduction
def _sample_table(r: Any) -> Table:
    sample = r.sample.assign(
        Variable=r.sample["variable"].map(BREAKDOWNS), Modalité=r.sample["group"],
        Répondants=[fmt_int(v) for v in r.sample["n"]],
        **{"Échantillon brut": [fmt_pct(v) for v in r.sample["share_raw"]],
           "Après calage": [fmt_pct(v) for v in r.sample["share_weighted"]]})
    sample.loc[sample["Variable"].duplicated(), "Variable"] = ""
    shown = sample[["Variable", "Modalité", "Répondants", "Échantillon brut", "Après calage", "n"]]
    ok = r.sample[(r.sample["n"] >= r.threshold)]
    lect = ""
    if len(ok):
        x = ok.iloc[0]
        lect = (f"Lecture{NNBSP}: « {x['group']} » représente {fmt_pct(x['share_raw'])} des "
                f"répondants et {fmt_pct(x['share_weighted'])} après calage.")
    return _plain(shown, name="echantillon",
                  title="Structure de l’échantillon avant et après calage",
                  align_right=["Répondants", "Échantillon brut", "Après calage"],
                  counts="n", threshold=r.threshold,
                  notes=["Après calage, la structure est celle de la population des jeunes "
                         "accompagnés par les Missions Locales (marges de calage).", champ(r),
                         lect, _source(r)])


def _introduction(r: Any) -> list:
    o = r.overall
    prev = (f" En {r.previous}, la même enquête avait été menée ; les évolutions sont présentées "
            "plus loin." if r.previous else "")
    return [
        Heading(CHAPTERS["introduction"], 1, "introduction"),
        KeyFigures(_key_items(r)),
        *_findings_block(r),
        Heading("Les jeunes interrogés", 2),
        Paragraph(f"En {r.wave}, **{fmt_int(r.n)} jeunes** accompagnés par **{r.n_ml} Missions "
                  f"Locales** des Hauts-de-France ont répondu à l’enquête santé. Leurs réponses sont "
                  f"pondérées pour représenter les {fmt_int(r.population_total)} jeunes accompagnés "
                  f"par le réseau (voir l’annexe méthodologique).{prev}\n\nEn résumé : "
                  f"{_share(o, 'detresse')} des jeunes présentent une détresse psychologique, "
                  f"{_share(o, 'renoncement')} ont renoncé à des soins dans l’année, "
                  f"{_share(o, 'tabac_quotidien')} fument chaque jour et "
                  f"{_share(o, 'surpoids_obesite')} sont en surpoids ou obèses."),
        _about(r, f"dans {r.n_ml} Missions Locales"),
        _sample_table(r),
    ]


def _instruments(r: Any) -> list:
    from arefie_studies.studies.sante_jeunes import INSTRUMENT_CLASSES

    est = r.instruments
    ep = est[est["variable"] == "classe_epices"]
    text = _value(ep.iloc[1], 0) if len(ep) == 2 else SUPPRESSED_MARK
    cells = _pub(est.assign(section=est["variable"].map(INSTRUMENT_CLASSES), row=est["level"],
                            column="Ensemble"))
    return [
        Heading("Précarité et scores des instruments standardisés", 2),
        Paragraph("Les questionnaires validés permettent de comparer les résultats à d’autres "
                  f"enquêtes. Selon le score EPICES, **{text} des jeunes sont en situation de "
                  "précarité** (score ≥ 30). Les seuils et références de chaque instrument sont "
                  "détaillés en annexe."),
        _estimate_table(r, cells, [("Ensemble", "Part des jeunes")], name="instruments",
                        title="Classes des scores des instruments", stub="Classe",
                        notes=["Parts pondérées ; entre crochets, intervalle de confiance à 95 % "
                               "de Korn–Graubard. Seuils et références des instruments : voir "
                               "l’annexe."]),
    ]


# ----------------------------------------------------------------------------- annex
def methods_sections(r: Any, *, regional: bool) -> dict[str, str]:
    """The methods annex by section (``sample``, ``weighting``, ``variance``, ``disclosure``):
    markdown the renderer prints once, under the annex's headings."""
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
    tables = ("Les tableaux de l’annexe statistique donnent" if regional
              else "L’annexe statistique du rapport régional donne")
    field_ = f" L’enquête a été réalisée {r.fieldwork}." if r.fieldwork else ""
    return {
        "sample": f"""L’enquête {r.wave} a été proposée aux jeunes reçus dans les Missions Locales des Hauts-de-France :
{fmt_int(r.n)} jeunes y ont répondu dans {r.n_ml} Missions Locales, soit
{fmt_pct(r.n / r.population_total)} des jeunes accompagnés.{field_} Il ne s’agit pas d’un tirage
aléatoire : les jeunes rencontrés ne représentent pas, tels quels, l’ensemble des jeunes
accompagnés (les femmes, les 22-25 ans et le Nord y sont par exemple surreprésentés).""",
        "weighting": f"""Chaque répondant reçoit d’abord le poids N / n, puis les poids sont calés, par {how}, sur la
population des {fmt_int(r.population_total)} jeunes accompagnés par les Missions Locales
(tableau de référence : sexe × tranche d’âge et département × niveau de qualification). {tables}
la distribution des poids et vérifie{"nt" if regional else ""} que chaque marge est atteinte. La
taille effective d’échantillon (Kish) est de {fmt_int(r.n_eff)} jeunes.{prev}""",
        "variance": f"""Les variances sont estimées par linéarisation, en traitant les Missions Locales comme des
grappes stratifiées par département et en tenant compte du calage (résidus de la régression
de calage). Chaque part est donnée avec son intervalle de confiance à 95 % de Korn–Graubard
(méthode « beta », comme svyciprop(method = "beta") du logiciel R survey), calculé avec les
degrés de liberté du plan dans le domaine estimé. Dans un département, la variance ne repose que
sur ses Missions Locales ({_dep_dfs(r)} degrés de liberté). Les tests d’association sont des
tests du khi-deux corrigés de Rao–Scott ; le modèle de la détresse psychologique est une
régression logistique pondérée avec variance « sandwich » du plan.""",
        "disclosure": f"""Aucune part n’est publiée lorsqu’elle repose sur moins de {r.threshold} répondants (dans
l’une ou l’autre des réponses), ni lorsqu’elle permettrait de retrouver par différence une
valeur masquée : ces cases portent la lettre « {SUPPRESSED_MARK} ». Les graphiques n’affichent
pas les valeurs masquées.""",
    }


def _definitions(r: Any) -> Annex:
    """Definitions, stated once: the shared glossary's terms, the indicators' universes."""
    universes = " ; ".join(f"« {i.label} » : parmi les {i.universe}"
                           for i in INDICATORS if i.universe)
    return Annex("notes", "Définitions (étude santé jeunes) :\n\n"
                 + glossary_markdown(["sans_logement_stable", "qpv"])
                 + "\n\nSauf mention contraire, les parts sont calculées parmi l’ensemble des "
                   f"jeunes ayant répondu à la question ; {universes}.")


def _methods_annex(r: Any, variant: str, *, regional: bool) -> list:
    """The methods texts, each section once (annex blocks), with the definitions and the
    citation; the département report points to the regional one for the instruments."""
    m = methods_sections(r, regional=regional)
    if not regional:
        m["notes"] = ("Les instruments standardisés (ADRS, AUDIT-C, CAST, EPICES, IMC, IPAQ), leur "
                      "calcul et leurs seuils publiés sont décrits dans l’annexe statistique du "
                      "rapport régional.")
    m["variance"] += "\n\n" + presentation_rule_text()
    return [*Annex.sections(m), _definitions(r), _cite(r, variant)]


def _annex(r: Any, variant: str) -> list:
    """The regional report's statistical annex (calibration and instruments tables) and the
    methods texts."""
    diag = SimpleNamespace(summary=r.weighting_summary, margins=r.weighting_margins)
    instruments = pd.DataFrame(INSTRUMENTS).rename(columns={
        "instrument": "Instrument", "calcul": "Calcul du score", "seuils": "Seuils retenus",
        "reference": "Référence"})
    title = "Instruments standardisés : calcul et seuils publiés"
    return [
        Heading(CHAPTERS["annexe"], 1, "annexe"),
        Heading(f"Calage des poids {r.wave}", 2),
        *(Table.of(t, name) for t, name in zip(
            weighting_annex_tables(diag, title=f"Calage {r.wave}", labels=MARGIN_LABELS),
            ("calage_poids", "calage_marges"), strict=True)),
        Paragraph(f"{champ(r)}  \nLecture{NNBSP}: pour chaque marge de calage, le total visé "
                  "(population des jeunes accompagnés) et le total atteint par les poids calés."),
        Heading("Instruments et seuils", 2),
        _plain(instruments, name="instruments_seuils", title=title,
               wrap=list(instruments.columns),
               notes=[f"Champ{NNBSP}: instruments utilisés dans le questionnaire {r.wave}.",
                      f"Lecture{NNBSP}: chaque ligne donne le calcul du score d’un instrument et "
                      "les seuils publiés retenus pour le classer.",
                      "Source : références citées dans la dernière colonne."]),
        *_methods_annex(r, variant, regional=True),
    ]


def _regional(r: Any) -> Report:
    return Report([
        *_introduction(r), *_instruments(r),
        Heading(CHAPTERS["themes"], 1, "themes"),
        *[b for theme in THEMES for b in _theme(r, theme)],
        Heading(CHAPTERS["comparaisons"], 1, "comparaisons"),
        *_comparison(r), *_evolution(r), *_benchmarks(r), *_model(r),
        *_annex(r, "rapport régional (Hauts-de-France)")])


# ----------------------------------------------------------------------------- département
def _departement(r: Any, code: str) -> Report:
    label = departement_label(code)
    code = next(c for c, lab in DEPARTEMENTS.items() if lab == label)
    info = r.departements.set_index("departement").loc[code]
    key = [i for i in INDICATORS if i.key]
    dep = r.departement(code)
    o = r.overall
    t = r.dep_tests[r.dep_tests["departement"] == code]
    tests = pd.Series(t["p_value"].to_numpy(), index=t["indicator"])
    names = {i.name: _label(i) for i in key}
    theme_of = {i.name: THEMES[i.theme] for i in key}
    cells = _pub(pd.concat([dep.assign(column="dep"), o.assign(column="reg")], ignore_index=True))
    cells = cells[cells["indicator"].isin(names)].copy()
    cells["row"] = cells["indicator"].map(names)
    cells["section"] = cells["indicator"].map(theme_of)
    order = {i.name: k for k, i in enumerate(key)}
    cells = cells.sort_values("indicator", key=lambda s: s.map(order), kind="stable")
    d = dep.set_index("indicator")
    cells["p_text"] = cells["indicator"].map(
        lambda n: _p_text(float(tests.get(n, np.nan))) if _visible(d.loc[n]) else "–")
    cells["df_text"] = cells["indicator"].map(lambda n: fmt_int(d.loc[n, "df"]))
    items = tuple(
        KeyFigure(label=f"{text} ({label})", value=_value(d.loc[n]),
                  detail=f"IC 95 % {fmt_ci(d.loc[n, 'kg_low'], d.loc[n, 'kg_high'])} ; région : "
                         f"{_value_ci(_row(o, n))}")
        for n, text in (("detresse", "Détresse psychologique"),
                        ("renoncement", "Renoncement aux soins"),
                        ("tabac_quotidien", "Tabagisme quotidien"),
                        ("surpoids_obesite", "Surpoids ou obésité")) if _visible(d.loc[n]))
    findings = _dep_differences(r, [code])
    in_dep = french.dans(label)
    # a count of Missions Locales under the threshold is design information: not published
    many = int(info["n_ml"]) >= r.threshold
    mls = f"les {fmt_int(info['n_ml'])} Missions Locales" if many else "les Missions Locales"
    mls_few = (f"{fmt_int(info['n_ml'])} Missions Locales" if many
               else "peu de Missions Locales")
    src = _source(r)
    where = french.de(label)
    fig_lect = ""
    okd = dep[[_visible(x) and x["indicator"] in names for _, x in dep.iterrows()]]
    if len(okd):
        x = okd.iloc[0]
        fig_lect = (f"Lecture{NNBSP}: {french.dans(label)}, la part « {x['label']} » est estimée à "
                    f"{_value_ci(_pub(okd).iloc[0])} ; le losange donne la valeur régionale.")
    dp = _pub(dep)
    return Report([
        Heading(CHAPTERS["introduction"], 1, "introduction"),
        KeyFigures(items),
        Heading("L’essentiel", 2),
        Paragraph("Écarts significatifs au reste de la région (test de Rao–Scott, seuil de 5 %) :"
                  "\n\n" + ("\n".join(f"- {t}" for t in findings) if findings else
                            f"- Sur les indicateurs clés comparés, {label} ne diffère pas "
                            "significativement du reste de la région.")),
        Heading(f"{label} : les jeunes interrogés", 2),
        Paragraph(f"En {r.wave}, **{fmt_int(info['n'])} jeunes** accompagnés par {mls} du "
                  f"département ({label}) ont répondu "
                  f"à l’enquête santé, sur {fmt_int(r.n)} dans la région. Les résultats sont "
                  "pondérés (calage régional sur la population des jeunes accompagnés) et "
                  "présentés à côté de ceux de l’ensemble des Hauts-de-France. Le rapport régional "
                  f"détaille chaque thème.\n\n{in_dep[:1].upper() + in_dep[1:]}, "
                  f"{_share(dep, 'detresse')} des jeunes "
                  f"présentent une détresse psychologique (région : {_share(o, 'detresse')}) et "
                  f"{_share(dep, 'renoncement')} ont renoncé à des soins dans l’année (région : "
                  f"{_share(o, 'renoncement')}). Les intervalles du département reposent sur "
                  f"{mls_few} ({fmt_int(d['df'].min())} degrés de "
                  "liberté) ; une part marquée « † » est à interpréter avec prudence."),
        _about(r, "dans la région"),
        Heading(CHAPTERS["themes"], 1, "themes"),
        Heading(f"Indicateurs clés : {label} et Hauts-de-France", 2),
        Figure(draw=partial(C.departement_chart, dp, _pub(o), key, dep_label=label,
                            title=f"{label} et Hauts-de-France",
                            source=src + f" {label} : intervalle de Korn–Graubard, "
                            f"{fmt_int(d['df'].min())} degrés de liberté."),
               caption=(f"Indicateurs clés : {label} (points, intervalle de Korn–Graubard à "
                        f"95 %, {fmt_int(d['df'].min())} degrés de liberté) et région (losanges)"),
               alt=f"Points : parts du département {label} ; losanges : parts régionales "
                   "(valeurs dans le tableau suivant)."),
        _figure_notes(r, fig_lect, _universes(key), where),
        _estimate_table(
            r, cells, [("dep", label), ("reg", "Hauts-de-France")], name=f"indicateurs_{code}",
            title=f"Indicateurs clés : {label} et Hauts-de-France", stub="Indicateur",
            universe=_universes(key),
            extra_columns={"df_text": "Degrés de liberté (département)", "p_text": "Test"},
            notes=[KG_NOTE.format(dfs=_dep_dfs(r)),
                   f"Test : Rao–Scott, {label} comparé au reste de la région."]),
        Heading(CHAPTERS["comparaisons"], 1, "comparaisons"),
        *_comparison(r, code),
        *_methods_annex(r, f"rapport départemental ({label})", regional=False)])


def build_report(results: Any, params: Mapping[str, Any]) -> Report:
    """The regional report (``departement`` empty) or a département's light report; both have
    the chapters of :data:`CHAPTERS` (level-1 headings with their anchors)."""
    code = str(params.get("departement", "") or "").strip()
    return _departement(results, code) if code else _regional(results)
