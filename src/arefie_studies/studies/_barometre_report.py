"""The baromètre's report, built from :class:`~arefie_studies.studies.barometre.BarometreResults`
only (:func:`build_report`): key figures, findings, French tables (:class:`arefie_studies.tables.Table`),
figures (:mod:`._barometre_figures`) and annex texts all read the same results, so a figure is
never computed twice.

Every hidden cell reads the same « s » (no "fewer than N answers" on primary cells: that would
tell which hidden cells hold 1 to N − 1 answers); estimates the NCHS presentation rule
suppresses read « nd » (no value, no interval, no gap), flagged ones carry « † ».
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from arefie_studies.studies._barometre_figures import (
    SOURCE,
    likert_figure,
    ml_caterpillar,
    ml_map,
    ml_trend_figure,
    share_figure,
    trend_figure,
)
from arefie_studies.studies.barometre import NATION, REGION, REST
from arefie_studies.studies.barometre import BarometreResults as Results
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
from arefie_studies.tables import (
    NNBSP,
    SUPPRESSED_MARK,
    Cell,
    Row,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
    presentation_rule_text,
)
from arefie_studies.tables import Table as TableBuilder

__all__ = [
    "KEY_ITEMS",
    "build_report",
    "key_figures",
    "ml_comparison_table",
    "ml_position_table",
    "ml_profile_table",
    "profile_table",
    "share_table",
    "synthesis",
]

POPULATION_FR = {"jeunes": "jeunes accompagnés", "entreprises": "entreprises partenaires"}
KEY_ITEMS = {"jeunes": ("sat_globale", "sat_comprehension", "sat_joignable"),
             "entreprises": ("sat_globale", "sat_reactivite")}
UP, DOWN = "▲", "▼"
PCT = "95" + NNBSP + "%"
PUBLISHED = ("show", "flag")


# --------------------------------------------------------------------------- small helpers
def _p_text(p: float) -> str:
    text = fmt_p(p)
    return f"p{NNBSP}{text}" if text.startswith("<") else f"p{NNBSP}={NNBSP}{text}"


def _mark(diff: float, p: float) -> str:
    if not np.isfinite(p) or p >= 0.05:
        return ""
    return UP if diff > 0 else DOWN


def _years(waves: Sequence[int]) -> str:
    waves = list(waves)
    return str(waves[0]) if len(waves) == 1 else f"{waves[0]}-{waves[-1]}"


def _est(row) -> str:
    return f"{fmt_pct(row['estimate'])} {fmt_ci(row['ci_low'], row['ci_high'])}"


def _la(name: str) -> str:
    """'ML de Lille' -> 'la ML de Lille' (the names start with "ML")."""
    return f"la {name}" if name.startswith("ML ") else name


def _sat(population: str) -> str:
    return "satisfaites" if population == "entreprises" else "satisfaits"


def _verdict(diff: float, p: float, population: str = "jeunes") -> str:
    if not np.isfinite(p) or p >= 0.05:
        return "l’écart n’est pas significatif au seuil de 5" + NNBSP + "%"
    sense = "plus" if diff > 0 else "moins"
    return f"significativement {sense} {_sat(population)} ({_p_text(p)})"


def _key_items(res: Results, population: str) -> list[str]:
    items = [i for i in KEY_ITEMS[population] if i in res.items[population]]
    return items or [next(iter(res.items[population]))]


def _first(res: Results, population: str) -> str:
    return next(iter(res.items[population]))


def _prop_cell(row, mark: str = "") -> Cell:
    """A proportion cell decided by the results: « s » (disclosure), « nd » (NCHS suppress),
    else the estimate and its interval, « † » when flagged."""
    decision = row.get("decision", "show")
    if decision == "hidden" or bool(row.get("hidden", False)):
        return Cell.hidden()
    if decision == "suppress":
        return Cell.not_shown()
    return Cell(kind="proportion", estimate=float(row["estimate"]), ci_low=float(row["ci_low"]),
                ci_high=float(row["ci_high"]), n=int(row["n"]), mark=mark, flag=decision == "flag")


def _gap_cell(row) -> Cell:
    """The ML − rest-of-region gap with its p-value (only for a published ML)."""
    decision = row.get("decision", "show")
    if decision == "hidden":
        return Cell.hidden()
    if decision == "suppress":
        return Cell.not_shown()
    return Cell(kind="text", text=f"{fmt_pct_points(row['diff'])} ({_p_text(row['p_value'])})",
                n=int(row["n"]))


def _champ(res: Results, population: str, years: str, scope: str) -> str:
    who = ("Jeunes accompagnés par une Mission Locale" if population == "jeunes"
           else "Entreprises partenaires d’une Mission Locale")
    return (f"Champ{NNBSP}: {who} ayant répondu au baromètre en {years}, {scope} ; avis exprimés "
            "(réponse « Ne sait pas » exclue).")


# --------------------------------------------------------------------------- tables
def share_table(res: Results, population: str) -> TableBuilder:
    """Items × (region, rest of France, nation, gap, tests) for ``res.wave``."""
    share = res.share[population].set_index(["item", "group"])
    diff = res.diff[population].set_index("item")
    rows = []
    for item, label in res.items[population].items():
        d = diff.loc[item]
        cells = [_prop_cell(share.loc[(item, g)]) for g in (REGION, REST, NATION)]
        if any(c.is_hidden for c in cells[:2]):
            cells += [Cell(kind="empty")] * 3
        else:
            mark = _mark(d["diff"], d["p_value"])
            cells += [Cell(kind="text", text=f"{fmt_pct_points(d['diff'])}{NNBSP + mark if mark else ''} "
                                             f"{fmt_ci(d['ci_low'], d['ci_high'])}"),
                      Cell(kind="text", text=fmt_p(d["p_value"]), css="test"),
                      Cell(kind="text", text=fmt_p(d["chisq_p"]), css="test")]
        rows.append(Row(label, tuple(cells)))
    first = share.loc[(_first(res, population), REGION)]
    notes = (
        _champ(res, population, str(res.wave), "France métropolitaine"),
        f"Lecture{NNBSP}: en {res.wave}, {fmt_pct(first['estimate'])} des {POPULATION_FR[population]} "
        f"des Hauts-de-France se déclarent très ou plutôt {_sat(population)} de leur Mission Locale "
        f"(intervalle de confiance à {PCT} {fmt_ci(first['ci_low'], first['ci_high'])}).",
        "Part de répondants « très » ou « plutôt » satisfaits. Entre crochets" + NNBSP
        + f": intervalle de confiance à {PCT}.",
        "Écart" + NNBSP + ": Hauts-de-France moins reste de la France, en points. " + UP + " / " + DOWN
        + NNBSP + ": écart significatif au seuil de 5" + NNBSP + "% (test de Student tenant compte du "
        "plan de sondage). p (4 modalités)" + NNBSP + ": test de Rao–Scott sur la répartition des quatre "
        "réponses.",
    )
    title = (f"Satisfaction des {POPULATION_FR[population]} en {res.wave} : Hauts-de-France et reste "
             "de la France")
    return TableBuilder(title=title, columns=(REGION, REST, NATION, "Écart (pts)", "p (écart)",
                                              "p (4 modalités)"),
                        rows=tuple(rows), notes=notes, source=SOURCE, threshold=res.threshold,
                        stub="Item", wide=True)


def profile_table(res: Results, population: str) -> TableBuilder:
    """Items × the groups of each declared breakdown (``tables:`` of studies/barometre.yaml),
    % satisfied in the region in ``res.wave`` with its Korn–Graubard interval; hidden and
    presentation decisions as in ``res.profile`` (:func:`..barometre.region_profile`)."""
    est = res.profile[population]
    cells = est.assign(row=est["label"], column=est["breakdown"] + ":" + est["group"])
    columns = list(dict.fromkeys(zip(cells["column"], cells["breakdown_label"] + "|" + cells["group"],
                                     strict=True)))
    shown = cells[~cells["hidden"].astype(bool) & cells["decision"].isin(PUBLISHED)]
    lecture = ""
    if len(shown):
        x = shown.iloc[0]
        lecture = (f"Lecture{NNBSP}: en {res.wave}, dans les Hauts-de-France, {fmt_pct(x['estimate'])} "
                   f"des {POPULATION_FR[population]} « {x['group']} » ({x['breakdown_label'].lower()}) "
                   f"se déclarent très ou plutôt {_sat(population)} pour « {x['label']} » "
                   f"(intervalle de confiance à {PCT} {fmt_ci(x['ci_low'], x['ci_high'])}).")
    breakdowns = " et ".join(dict.fromkeys(est["breakdown_label"].str.lower()))
    notes = (_champ(res, population, str(res.wave), "Hauts-de-France"), lecture,
             "Part de répondants « très » ou « plutôt » satisfaits. Entre crochets" + NNBSP
             + f": intervalle de confiance à {PCT} (Korn–Graubard).")
    return TableBuilder.from_estimates(
        cells, title=f"Satisfaction des {POPULATION_FR[population]} en {res.wave} selon "
                     f"{breakdowns} (Hauts-de-France)",
        columns=columns, threshold=res.threshold, presentation=True, notes=notes, source=SOURCE,
        stub="Item")


def ml_comparison_table(res: Results, population: str) -> TableBuilder:
    """Every ML of the region on the key items: answers, % satisfied with its interval (▲ ▼: a
    significant gap with the rest of the region), the region last."""
    items = _key_items(res, population)
    ml = res.ml[population].set_index(["item", "ml"])
    pooled = res.pooled[population].set_index(["item", "group"])
    first = items[0]
    rows = []
    for code, name in res.ml_names.items():
        base = ml.loc[(first, code)]
        cells = [Cell.hidden() if base["decision"] == "hidden" else Cell(kind="count", n=int(base["n"]))]
        for item in items:
            r = ml.loc[(item, code)]
            cells.append(_prop_cell(r, _mark(r["diff"], r["p_value"]) if r["significant"] else ""))
        rows.append(Row(name, tuple(cells)))
    region = [Cell(kind="count", n=int(pooled.loc[(first, REGION), "n"]))]
    region += [_prop_cell(pooled.loc[(i, REGION)]) for i in items]
    rows.append(Row(REGION, tuple(region), css="total"))
    years = _years(res.ml_waves[population])
    lecture = ""
    pub = res.ml[population]
    pub = pub[(pub["item"] == first) & pub["decision"].isin(PUBLISHED)]
    if len(pub):
        r = pub.iloc[0]
        lecture = (f"Lecture{NNBSP}: en {years}, {fmt_pct(r['estimate'])} des {POPULATION_FR[population]} "
                   f"de {_la(str(r['ml_nom']))} se déclarent très ou plutôt {_sat(population)} "
                   f"({res.items[population][first].lower()}), intervalle de confiance à {PCT} "
                   f"{fmt_ci(r['ci_low'], r['ci_high'])}.")
    notes = (
        _champ(res, population, years, f"Missions Locales des Hauts-de-France (réponses {years} cumulées)"),
        lecture,
        "Part de « très » ou « plutôt » satisfaits ; entre crochets" + NNBSP + f": intervalle de "
        f"confiance à {PCT} (Korn–Graubard). {UP} / {DOWN}" + NNBSP + ": écart significatif au seuil "
        "de 5" + NNBSP + "% avec le reste de la région. Réponses" + NNBSP + f": avis exprimés sur "
        f"« {res.items[population][first]} ».",
    )
    heads = ("Réponses", *(res.items[population][i] for i in items))
    return TableBuilder(title=f"Les {len(res.ml_names)} Missions Locales de la région : "
                              f"{POPULATION_FR[population]}, {years}",
                        columns=heads, rows=tuple(rows), notes=notes, source=SOURCE,
                        threshold=res.threshold, stub="Mission Locale", wide=len(heads) > 3)


def ml_profile_table(res: Results, population: str, ml: int) -> TableBuilder:
    """One ML: items × (the ML, the region, the nation, gap ML − rest of the region)."""
    mine = res.ml[population]
    mine = mine[mine["ml"] == ml].set_index("item")
    pooled = res.pooled[population].set_index(["item", "group"])
    name = res.ml_names[ml]
    rows = []
    for item, label in res.items[population].items():
        own = mine.loc[item]
        mark = _mark(own["diff"], own["p_value"]) if own["significant"] else ""
        rows.append(Row(label, (_prop_cell(own, mark), _prop_cell(pooled.loc[(item, REGION)]),
                                _prop_cell(pooled.loc[(item, NATION)]), _gap_cell(own))))
    years = _years(res.ml_waves[population])
    region = pooled.loc[(_first(res, population), REGION)]
    own = mine.loc[_first(res, population)]
    if own["decision"] in PUBLISHED:
        lecture = (f"Lecture{NNBSP}: en {years}, {fmt_pct(own['estimate'])} des {POPULATION_FR[population]} "
                   f"de {_la(name)} se déclarent très ou plutôt {_sat(population)} de leur Mission "
                   f"Locale, contre {fmt_pct(region['estimate'])} dans la région.")
    else:
        lecture = (f"Lecture{NNBSP}: en {years}, {fmt_pct(region['estimate'])} des "
                   f"{POPULATION_FR[population]} de la région se déclarent très ou plutôt "
                   f"{_sat(population)} de leur Mission Locale.")
    notes = (
        _champ(res, population, years, f"{name}, Hauts-de-France et France métropolitaine "
               f"(réponses {years} cumulées)"),
        lecture,
        "Part de « très » ou « plutôt » satisfaits ; entre crochets" + NNBSP + f": intervalle de "
        f"confiance à {PCT}. Écart" + NNBSP + ": la Mission Locale moins le reste de la région, en "
        f"points ; {UP} / {DOWN}" + NNBSP + ": écart significatif au seuil de 5" + NNBSP + "%.",
    )
    title = f"Satisfaction des {POPULATION_FR[population]} ({years}) : {name}, la région et la France"
    return TableBuilder(title=title, columns=(name, REGION, NATION, "Écart (pts)"), rows=tuple(rows),
                        notes=notes, source=SOURCE, threshold=res.threshold, stub="Item", wide=True)


def ml_position_table(res: Results, population: str, ml: int) -> TableBuilder:
    """Where one ML stands among the region's MLs on the key items: its estimate and interval,
    its rank among the published MLs, its gap with the rest of the region."""
    mine = res.ml[population]
    mine = mine[mine["ml"] == ml].set_index("item")
    rows = []
    for item in _key_items(res, population):
        r = mine.loc[item]
        mark = _mark(r["diff"], r["p_value"]) if r["significant"] else ""
        if r["decision"] in PUBLISHED:
            rank = Cell(kind="text", text=f"{int(r['rank'])}e sur {int(r['ranked'])}")
            gap = Cell(kind="text", text=f"{fmt_pct_points(r['diff'])} "
                                         f"{fmt_ci(r['diff_low'], r['diff_high'])}", n=int(r["n"]))
        else:
            rank = gap = Cell.hidden() if r["decision"] == "hidden" else Cell.not_shown()
        rows.append(Row(res.items[population][item], (_prop_cell(r, mark), rank, gap)))
    name = res.ml_names[ml]
    years = _years(res.ml_waves[population])
    first = mine.loc[_key_items(res, population)[0]]
    lecture = (f"Lecture{NNBSP}: sur « {res.items[population][_key_items(res, population)[0]]} », "
               f"{_la(name)} se classe {int(first['rank'])}e sur {int(first['ranked'])}, parmi les "
               f"Missions Locales dont le résultat est publié ; son écart avec le reste de la région est de "
               f"{fmt_pct_points(first['diff'])} {fmt_ci(first['diff_low'], first['diff_high'])}."
               if first["decision"] in PUBLISHED else "")
    notes = (
        _champ(res, population, years, f"Missions Locales des Hauts-de-France (réponses {years} cumulées)"),
        lecture,
        "Rang" + NNBSP + ": 1 = la part de satisfaits la plus élevée, parmi les Missions Locales "
        "dont le résultat est publié ; un rang se lit avec l’intervalle de confiance (des Missions "
        "Locales aux intervalles qui se chevauchent ne se distinguent pas). Écart" + NNBSP + ": la "
        "Mission Locale moins le reste de la région, en points, avec son intervalle de confiance à "
        + PCT + ".",
    )
    return TableBuilder(title=f"{name} parmi les Missions Locales de la région : "
                              f"{POPULATION_FR[population]}, {years}",
                        columns=("% satisfaits", "Rang", "Écart avec le reste de la région (pts)"),
                        rows=tuple(rows), notes=notes, source=SOURCE, threshold=res.threshold,
                        stub="Item")


# --------------------------------------------------------------------------- findings
def _change(res: Results, population: str, since: str = "first", group: str = REGION,
            item: str | None = None) -> pd.Series | None:
    ch = res.change.get(population)
    if ch is None or ch.empty:
        return None
    item = item or _first(res, population)
    sel = ch[(ch["item"] == item) & (ch["group"] == group) & (ch["since"] == since)]
    return None if sel.empty else sel.iloc[0]


def _significant(p: float) -> bool:
    return bool(np.isfinite(p) and p < 0.05)


def region_heading(res: Results, population: str) -> str:
    """Level-2 heading stating the region-vs-rest finding (neutral when nothing is significant)."""
    diff = res.diff[population]
    sig = diff[diff["p_value"] < 0.05]
    who = "jeunes" if population == "jeunes" else "entreprises"
    n = len(diff)
    if sig.empty:
        return f"Une satisfaction des {who} comparable à celle du reste de la France en {res.wave}"
    if (sig["diff"] > 0).all():
        return (f"Des {who} plus {_sat(population)} que dans le reste de la France sur {len(sig)} "
                f"item{'s' if len(sig) > 1 else ''} sur {n} en {res.wave}")
    if (sig["diff"] < 0).all():
        return (f"Des {who} moins {_sat(population)} que dans le reste de la France sur {len(sig)} "
                f"item{'s' if len(sig) > 1 else ''} sur {n} en {res.wave}")
    return f"Des écarts avec le reste de la France sur {len(sig)} items sur {n} en {res.wave}"


def trend_heading(res: Results, population: str) -> str:
    c = _change(res, population)
    who = "des jeunes" if population == "jeunes" else "des entreprises"
    if c is None:
        return f"Évolution de la satisfaction {who}"
    if not _significant(c["p_value"]):
        return f"La satisfaction globale {who} n’évolue pas significativement depuis {c['y0']}"
    return f"La satisfaction globale {who} {'progresse' if c['diff'] > 0 else 'recule'} depuis {c['y0']}"


def ml_heading(res: Results, population: str) -> str:
    ml = res.ml[population]
    ml = ml[(ml["item"] == _first(res, population)) & ml["significant"]]
    if ml.empty:
        return "Aucune Mission Locale ne se distingue significativement du reste de la région"
    # counts of MLs are never written as "<k> Missions Locales" (read as a head count by the
    # leak scan): the one ML is named, several are "k sur N"
    if len(ml) == 1:
        name = _la(str(ml["ml_nom"].iloc[0]))
        return f"{name[:1].upper()}{name[1:]} se distingue du reste de la région sur la satisfaction globale"
    return (f"Des Missions Locales qui se distinguent du reste de la région sur la satisfaction "
            f"globale ({len(ml)} sur {int(ml['ranked'].iloc[0])} publiées)")


def _enumerate(parts: list[str], limit: int) -> str:
    """``a ; b ; c`` — at most ``limit`` parts, then « et k autre(s) » (never « ; … . »)."""
    shown = " ; ".join(parts[:limit])
    more = len(parts) - limit
    return shown if more <= 0 else f"{shown} ; et {more} autre{'s' if more > 1 else ''}"


def synthesis(res: Results) -> list[str]:
    """3–6 French findings with their interval, significant differences only (region vs rest
    of France, change since the first and the previous wave, MLs vs the rest of the region)."""
    out = []
    for population in ("jeunes", "entreprises"):
        diff = res.diff[population]
        sig = diff[diff["p_value"] < 0.05]
        if len(sig):
            parts = [f"{r.label.lower()} ({fmt_pct_points(r.diff)} {fmt_ci(r.ci_low, r.ci_high)})"
                     for r in sig.itertuples()]
            sense = "plus" if (sig["diff"] > 0).all() else ("moins" if (sig["diff"] < 0).all() else "")
            head = (f"Les {POPULATION_FR[population]} de la région sont {sense} {_sat(population)} "
                    "que dans le reste de la France" if sense else
                    f"Les {POPULATION_FR[population]} de la région s’écartent du reste de la France")
            out.append(f"{head} en {res.wave} sur {len(sig)} item{'s' if len(sig) > 1 else ''} : "
                       + _enumerate(parts, 4) + ".")
        for since in ("first", "previous"):
            c = _change(res, population, since)
            if c is not None and _significant(c["p_value"]):
                out.append(f"Satisfaction globale des {POPULATION_FR[population]} de la région : de "
                           f"{fmt_pct(c['est0'])} en {c['y0']} à {fmt_pct(c['est1'])} en {c['y1']}, "
                           f"soit {fmt_pct_points(c['diff'])} {fmt_ci(c['ci_low'], c['ci_high'])}.")
        ml = res.ml[population]
        ml = ml[(ml["item"] == _first(res, population)) & ml["significant"]]
        if len(ml):
            parts = [f"{r.ml_nom} ({fmt_pct_points(r.diff)} {fmt_ci(r.diff_low, r.diff_high)})"
                     for r in ml.itertuples()]
            out.append(f"Satisfaction globale des {POPULATION_FR[population]} "
                       f"({_years(res.ml_waves[population])}) : écart significatif avec le reste "
                       "de la région pour " + ", ".join(parts) + ".")
    if not out:
        out.append("Aucun écart significatif au seuil de 5" + NNBSP + "% : ni entre la région et le "
                   "reste de la France, ni dans le temps, ni entre Missions Locales.")
    return out[:6]


def key_figures(res: Results) -> KeyFigures:
    """The regional key figures: youths' and companies' satisfaction with their interval and the
    rest of France, the youths' change since the first wave, answers and participation, MLs that
    differ from the rest of the region."""
    items = []
    for population in ("jeunes", "entreprises"):
        share = res.share[population].set_index(["item", "group"])
        first = _first(res, population)
        r, rest = share.loc[(first, REGION)], share.loc[(first, REST)]
        d = res.diff[population].set_index("item").loc[first]
        items.append(KeyFigure(
            f"des {POPULATION_FR[population]} {_sat(population)} de leur Mission Locale ({res.wave})",
            fmt_pct(r["estimate"]),
            f"IC à {PCT} {fmt_ci(r['ci_low'], r['ci_high'])} ; reste de la France "
            f"{fmt_pct(rest['estimate'])} ({'écart significatif' if _significant(d['p_value']) else 'écart non significatif'})"))
    c = _change(res, "jeunes")
    if c is not None:
        items.append(KeyFigure(
            f"évolution de la satisfaction des jeunes depuis {c['y0']}",
            fmt_pct_points(c["diff"]),
            f"de {fmt_pct(c['est0'])} à {fmt_pct(c['est1'])} ; IC à {PCT} "
            f"{fmt_ci(c['ci_low'], c['ci_high'])}" + ("" if _significant(c["p_value"]) else " (non significatif)")))
    sizes = res.sizes["jeunes"].set_index("annee")
    detail = ""
    part = res.participation
    if part is not None:
        reg = part[part["ml"] == 0].iloc[0]
        detail = (f"{fmt_pct(reg['rate'])} des {fmt_int(reg['accompanied'])} jeunes accompagnés en "
                  f"{int(reg['annee'])} ont répondu cette année-là")
    items.append(KeyFigure(f"réponses de jeunes de la région en {res.wave}",
                           fmt_int(sizes.loc[res.wave, "region"]), detail))
    ml_item = _ml_key_figure(res)
    if ml_item is not None:
        items.append(ml_item)
    return KeyFigures(tuple(items))


def _ml_key_figure(res: Results) -> KeyFigure | None:
    """The Missions Locales key figure: how many are above / below the rest of the region
    (significant gaps); when none is, « 0 / 0 » says nothing, so the range of the published
    ML estimates is shown instead; no figure when no ML result is published."""
    ml = res.ml["jeunes"]
    ml = ml[ml["item"] == _first(res, "jeunes")]
    published = ml[ml["decision"].isin(["show", "flag"])]
    if published.empty:
        return None
    years = _years(res.ml_waves["jeunes"])
    count = f"résultats publiés{NNBSP}: {len(published)} sur {len(ml)}"
    up, down = int((ml["significant"] & (ml["diff"] > 0)).sum()), int((ml["significant"] & (ml["diff"] < 0)).sum())
    if up + down:
        return KeyFigure(
            f"Missions Locales au-dessus / en dessous du reste de la région ({years})",
            f"{up} / {down}",
            f"satisfaction globale des jeunes, écart significatif à 5{NNBSP}% ; {count}")
    low, high = published["estimate"].min(), published["estimate"].max()
    return KeyFigure(
        f"des jeunes satisfaits, selon la Mission Locale ({years})",
        f"{fmt_pct(low)} à {fmt_pct(high)}",
        f"aucune Mission Locale ne s’écarte significativement du reste de la région (seuil "
        f"5{NNBSP}%) ; {count}")


def ml_key_figures(res: Results, ml: int) -> KeyFigures:
    """One ML's key figures: its youths' and companies' satisfaction (interval, rank, gap)."""
    items = []
    for population in ("jeunes", "entreprises"):
        own = res.ml[population]
        own = own[(own["ml"] == ml) & (own["item"] == _first(res, population))].iloc[0]
        years = _years(res.ml_waves[population])
        label = f"des {POPULATION_FR[population]} {_sat(population)} de leur Mission Locale ({years})"
        if own["decision"] in PUBLISHED:
            items.append(KeyFigure(
                label, fmt_pct(own["estimate"]) + (" †" if own["decision"] == "flag" else ""),
                f"IC à {PCT} {fmt_ci(own['ci_low'], own['ci_high'])} ; {int(own['rank'])}e sur "
                f"{int(own['ranked'])} ; écart avec le reste de la région "
                f"{fmt_pct_points(own['diff'])} ({'significatif' if own['significant'] else 'non significatif'})"))
        else:
            mark = SUPPRESSED_MARK if own["decision"] == "hidden" else "nd"
            items.append(KeyFigure(label, mark, "résultat non publié (secret statistique ou "
                                                "estimation trop imprécise)"))
        region = res.pooled[population].set_index(["item", "group"]).loc[(_first(res, population), REGION)]
        items.append(KeyFigure(f"dans la région ({years})", fmt_pct(region["estimate"]),
                               f"IC à {PCT} {fmt_ci(region['ci_low'], region['ci_high'])}"))
    return KeyFigures(tuple(items))


# --------------------------------------------------------------------------- texts
def key_findings(res: Results, population: str) -> str:
    """French Markdown: overall satisfaction, region vs rest, count of items above / below."""
    first = _first(res, population)
    share = res.share[population].set_index(["item", "group"])
    diff = res.diff[population].set_index("item")
    d = diff.loc[first]
    sig = diff[diff["p_value"] < 0.05]
    up, down = int((sig["diff"] > 0).sum()), int((sig["diff"] < 0).sum())
    n_items = len(res.items[population])
    who = POPULATION_FR[population]
    text = (
        f"En {res.wave}, **{fmt_pct(share.loc[(first, REGION), 'estimate'])}** des {who} des "
        f"Hauts-de-France se déclarent {_sat(population)} de leur Mission Locale "
        f"(intervalle de confiance à {PCT} {fmt_ci(share.loc[(first, REGION), 'ci_low'], share.loc[(first, REGION), 'ci_high'])}), "
        f"contre {_est(share.loc[(first, REST)])} dans le reste de la France : "
        f"écart de {fmt_pct_points(d['diff'])}, {_verdict(d['diff'], d['p_value'], population)}. "
    )
    if up or down:
        parts = []
        if up:
            parts.append(f"{up} item{'s' if up > 1 else ''} sur {n_items} au-dessus du reste de la France")
        if down:
            parts.append(f"{down} en dessous")
        text += "La région se situe " + " et ".join(parts) + " (écarts significatifs au seuil de 5" + NNBSP + "%)."
    else:
        text += f"Aucun des {n_items} items ne s’écarte significativement du reste de la France."
    return text


def trend_text(res: Results, population: str) -> str:
    """French Markdown: first and last wave of the overall item, region and nation, and the
    change with its interval."""
    first = _first(res, population)
    tr = res.trend[population]
    tr = tr[tr["item"] == first]
    y0, y1 = int(tr["annee"].min()), int(tr["annee"].max())
    r = tr.set_index(["annee", "group"])
    text = (f"Entre {y0} et {y1}, la satisfaction globale passe de {fmt_pct(r.loc[(y0, REGION), 'estimate'])} "
            f"à {fmt_pct(r.loc[(y1, REGION), 'estimate'])} dans la région et de "
            f"{fmt_pct(r.loc[(y0, NATION), 'estimate'])} à {fmt_pct(r.loc[(y1, NATION), 'estimate'])} "
            "en France.")
    c = _change(res, population)
    if c is not None:
        text += (f" Dans la région, l’écart entre {c['y0']} et {c['y1']} est de "
                 f"{fmt_pct_points(c['diff'])} {fmt_ci(c['ci_low'], c['ci_high'])} : "
                 + ("significatif au seuil de 5" + NNBSP + "%." if _significant(c["p_value"])
                    else "il n’est pas significatif au seuil de 5" + NNBSP + "%."))
    p = _change(res, population, "previous")
    if p is not None:
        text += (f" Par rapport à {p['y0']}, l’écart est de {fmt_pct_points(p['diff'])} "
                 f"{fmt_ci(p['ci_low'], p['ci_high'])}"
                 + (" (significatif)." if _significant(p["p_value"]) else " (non significatif)."))
    return text


def ml_text(res: Results, population: str) -> str:
    """French Markdown: how many MLs are published, above / below the rest of the region."""
    first = _first(res, population)
    ml = res.ml[population]
    ml = ml[ml["item"] == first]
    shown = ml[ml["decision"].isin(PUBLISHED)]
    sig = shown[shown["significant"]]
    years = _years(res.ml_waves[population])
    count = f"Les {len(ml)}" if len(shown) == len(ml) else f"{len(shown)} des {len(ml)}"
    text = (f"Les réponses {years} sont cumulées pour disposer d’effectifs suffisants par Mission "
            f"Locale. {count} Missions Locales ont un résultat publié sur la satisfaction globale")
    hidden = len(ml) - len(shown)
    text += (f" ; pour les {hidden} autres, il n’est pas publié (secret statistique « "
             f"{SUPPRESSED_MARK} » ou estimation trop imprécise « nd »)." if hidden else ".")
    up, down = int((sig["diff"] > 0).sum()), int((sig["diff"] < 0).sum())
    if not up and not down:
        return text + " Aucune ne s’écarte significativement du reste de la région (seuil de 5" + NNBSP + "%)."
    text += f" Au seuil de 5{NNBSP}%, {up} se situe{'nt' if up > 1 else ''} au-dessus du reste de la région"
    return text + f" et {down} en dessous."


def figure_note(champ: str, lecture: str) -> Paragraph:
    """The "Champ :" and "Lecture :" lines under a figure."""
    return Paragraph(f"*{champ}*  \n*{lecture}*")


def likert_lecture(res: Results, population: str) -> str:
    dist = res.likert_dist[population]
    first = _first(res, population)
    r = dist[(dist["item"] == first) & (dist["group"] == REGION) & (dist["level"] == res.likert[0])].iloc[0]
    return (f"Lecture{NNBSP}: en {res.wave}, {fmt_pct(r['estimate'])} des {POPULATION_FR[population]} "
            f"des Hauts-de-France se déclarent « {res.likert[0].lower()} » "
            f"({res.items[population][first].lower()}).")


def share_lecture(res: Results, population: str) -> str:
    share = res.share[population].set_index(["item", "group"])
    item = list(res.items[population])[1] if len(res.items[population]) > 1 else _first(res, population)
    r, o = share.loc[(item, REGION)], share.loc[(item, REST)]
    return (f"Lecture{NNBSP}: en {res.wave}, {fmt_pct(r['estimate'])} des {POPULATION_FR[population]} "
            f"des Hauts-de-France sont satisfaits sur « {res.items[population][item]} » "
            f"{fmt_ci(r['ci_low'], r['ci_high'])}, contre {fmt_pct(o['estimate'])} dans le reste de la France.")


def trend_lecture(res: Results, population: str) -> str:
    tr = res.trend[population]
    first = _first(res, population)
    tr = tr[(tr["item"] == first) & (tr["group"] == REGION)].sort_values("annee").iloc[0]
    return (f"Lecture{NNBSP}: en {int(tr['annee'])}, {fmt_pct(tr['estimate'])} des "
            f"{POPULATION_FR[population]} des Hauts-de-France se déclaraient {_sat(population)} de leur "
            f"Mission Locale {fmt_ci(tr['ci_low'], tr['ci_high'])} ; les bandes colorées donnent "
            f"l’intervalle de confiance à {PCT} de chaque année.")


def caterpillar_lecture(res: Results, population: str, item: str) -> str:
    ml = res.ml[population]
    ml = ml[(ml["item"] == item) & ml["decision"].isin(PUBLISHED)].sort_values("estimate")
    region = res.pooled[population].set_index(["item", "group"]).loc[(item, REGION)]
    text = (f"Lecture{NNBSP}: chaque point est la part de satisfaits d’une Mission Locale, le trait "
            f"son intervalle de confiance à {PCT} ; la ligne pointillée, la valeur régionale "
            f"({fmt_pct(region['estimate'])}).")
    if len(ml):
        r = ml.iloc[0]
        name = _la(str(r["ml_nom"]))
        text += (f" {name[:1].upper()}{name[1:]} a le résultat publié le "
                 f"plus bas : {fmt_pct(r['estimate'])} {fmt_ci(r['ci_low'], r['ci_high'])}.")
    return text


def annex_texts(res: Results) -> dict[str, str]:
    """Methods-annex Markdown: sample, weighting, variance (with the NCHS rule), disclosure,
    notes (fieldwork, participation, authors, contact, how to cite)."""
    rows = ["| Année | Jeunes : Hauts-de-France | Jeunes : reste de la France | Entreprises : Hauts-de-France | Entreprises : reste de la France |",
            "|---|---:|---:|---:|---:|"]
    sj = res.sizes["jeunes"].set_index("annee")
    se = res.sizes["entreprises"].set_index("annee")
    for y in sj.index:
        e_r = fmt_int(se.loc[y, "region"]) if y in se.index else "–"
        e_o = fmt_int(se.loc[y, "rest"]) if y in se.index else "–"
        rows.append(f"| {y} | {fmt_int(sj.loc[y, 'region'])} | {fmt_int(sj.loc[y, 'rest'])} | {e_r} | {e_o} |")
    w = res.weights
    meta = res.meta
    fieldwork = f" Collecte{NNBSP}: {meta['fieldwork']}." if meta.get("fieldwork") else ""
    part = ""
    if res.participation is not None:
        reg = res.participation[res.participation["ml"] == 0].iloc[0]
        part = (f" Participation{NNBSP}: en {int(reg['annee'])}, {fmt_int(reg['answers'])} réponses de "
                f"jeunes pour {fmt_int(reg['accompanied'])} jeunes accompagnés par les Missions Locales "
                f"de la région, soit {fmt_pct(reg['rate'])} (questionnaire en ligne ouvert à tous les "
                "jeunes accompagnés, sans tirage d’échantillon).")
    return {
        "sample": (
            "Baromètre national de satisfaction de l’Union nationale des Missions Locales : "
            "questionnaire en ligne proposé chaque année aux jeunes accompagnés (depuis 2018) et "
            "aux entreprises partenaires (depuis 2023) des Missions Locales des 13 régions "
            f"métropolitaines ; les Hauts-de-France comptent {len(res.ml_names)} Missions Locales."
            + fieldwork + part + " Items à quatre modalités (très, plutôt, plutôt pas, pas du tout "
            "satisfait) ; la réponse « Ne sait pas » est exclue des pourcentages. Nombre de réponses "
            "par année :\n\n" + "\n".join(rows)),
        "weighting": (
            "Les réponses des jeunes sont pondérées par le poids fourni avec le fichier national "
            "(post-stratification de chaque année sur la région et le sexe des jeunes accompagnés). "
            f"En {res.wave}{NNBSP}: poids de {fmt_num(w['min'], 2)} à "
            f"{fmt_num(w['max'], 2)} (médiane "
            f"{fmt_num(w['median'], 2)}), taille effective "
            f"d’échantillon (Kish) {fmt_int(w['n_eff'])} pour {fmt_int(w['n'])} réponses, effet de "
            f"plan dû à la pondération {fmt_num(w['deff_w'], 2)}. "
            "Le fichier des entreprises ne comporte pas de poids : leurs résultats sont non pondérés."),
        "variance": (
            "Chaque année est traitée comme une enquête stratifiée par région et en grappes par "
            "Mission Locale (les réponses d’une même Mission Locale se ressemblent) ; les variances "
            "sont estimées par linéarisation, comme le fait le package R *survey* (plan stratifié à "
            "un degré, grappes emboîtées dans les strates). Intervalles de confiance à " + PCT + " des "
            "pourcentages de la région, du reste de la France et de la France entière par la "
            "méthode logit (R `svyciprop`), avec les degrés de liberté du plan ; évolutions et "
            "résultats cumulés sur plusieurs années, intervalles de Korn–Graubard. Écart région – reste "
            "de la France : différence de deux domaines et son écart-type linéarisé, test de Student "
            "(degrés de liberté du plan) ; répartition des quatre réponses : test de Rao–Scott (fonction "
            "svychisq de R, statistique F). Évolution entre deux années : différence des deux années "
            "(échantillons indépendants), test de la loi normale. Missions Locales : chaque Mission Locale est un domaine fixe "
            "(strate), comparée au reste de la région ; intervalles de Korn–Graubard, adaptés aux "
            "petits effectifs (Clopper–Pearson sur la taille effective lorsque toutes les réponses "
            "sont satisfaites, ou aucune) ; pour le test, la variance d’une Mission Locale ne descend pas sous "
            "la variance binomiale au taux régional, afin qu’un petit effectif à 100" + NNBSP + "% ne "
            "paraisse pas significatif à tort. Le rang d’une Mission Locale est calculé parmi les "
            "Missions Locales dont le résultat est publié.\n\n" + presentation_rule_text()
            + " La règle est appliquée à chaque pourcentage publié : celui de chaque Mission "
            "Locale (intervalle de Korn–Graubard et degrés de liberté de la Mission Locale), de la "
            "région, du reste de la France et de la France entière (intervalle de Korn–Graubard "
            "du domaine). Les pourcentages de satisfaction étant élevés, leur complément (les "
            "insatisfaits) est souvent imprécis : beaucoup de résultats par Mission Locale portent "
            "la marque « † »."),
        "disclosure": (
            f"Aucun résultat n’est publié sur moins de {res.threshold} réponses. Toute case masquée "
            f"porte la même marque « {SUPPRESSED_MARK} », qu’elle compte trop peu de réponses, "
            "aucune, ou qu’elle soit masquée en complément pour empêcher de retrouver un résultat "
            "masqué par différence avec le total régional. Aucune donnée individuelle ni aucun "
            "identifiant ne figurent dans ce rapport."),
        "notes": about_text(res),
    }


def about_text(res: Results, variant: str = "rapport régional") -> str:
    """Authors, partners, contact and how to cite (from the study's configuration)."""
    meta = res.meta
    title = meta.get("title") or "Baromètre régional de satisfaction"
    text = "Auteurs" + NNBSP + ": Observatoire AREFIE"
    if meta.get("partners"):
        text += f", en partenariat avec {meta['partners']}"
    text += "."
    if meta.get("contact"):
        text += f" Contact{NNBSP}: {meta['contact']}."
    text += (f" Pour citer ce document{NNBSP}: AREFIE (2026), *{title}*, édition {res.wave}, "
             f"{variant}.")
    return text


def regional_intro(res: Results) -> str:
    """French Markdown opening the regional report: scope, fieldwork, answers."""
    sj = res.sizes["jeunes"].set_index("annee").loc[res.wave]
    text = (
        f"Ce rapport présente la déclinaison régionale du baromètre national de satisfaction des "
        f"Missions Locales pour l’année {res.wave} : les Hauts-de-France comparés au reste de la "
        f"France sur chaque item, l’évolution depuis {res.waves['jeunes'][0]} (jeunes) et "
        f"{res.waves['entreprises'][0]} (entreprises), et chacune des {len(res.ml_names)} Missions "
        f"Locales de la région comparée au reste de la région. En {res.wave}, "
        f"{fmt_int(sj['region'])} jeunes de la région ont répondu")
    if res.meta.get("fieldwork"):
        text += f". Collecte{NNBSP}: {res.meta['fieldwork']}"
    return text + (". Tous les pourcentages sont accompagnés de leur intervalle de confiance à "
                   + PCT + " (entre crochets) ; seuls les écarts significatifs au seuil de 5" + NNBSP
                   + "% sont retenus ci-dessous.")


def ml_intro(res: Results, ml: int) -> str:
    """French Markdown opening a per-ML report."""
    name = res.ml_names[ml]
    return (
        f"Ce document présente les résultats du baromètre de satisfaction pour **{_la(name)}**, "
        f"à côté de ceux de la région Hauts-de-France et de la France entière, et sa place parmi "
        f"les {len(res.ml_names)} Missions Locales de la région. Pour disposer "
        f"d’effectifs suffisants, les réponses {_years(res.ml_waves['jeunes'])} (jeunes) et "
        f"{_years(res.ml_waves['entreprises'])} (entreprises) sont cumulées. Les résultats fondés sur "
        f"moins de {res.threshold} réponses ne sont pas publiés (« {SUPPRESSED_MARK} »), ni ceux "
        "trop imprécis (« nd »)."
    )


def ml_profile_text(res: Results, population: str, ml: int) -> str:
    """French Markdown: the ML's overall satisfaction beside the region's, its rank and gap."""
    first = _first(res, population)
    own = res.ml[population]
    own = own[(own["ml"] == ml) & (own["item"] == first)].iloc[0]
    region = res.pooled[population].set_index(["item", "group"]).loc[(first, REGION)]
    name = res.ml_names[ml]
    who = POPULATION_FR[population]
    years = _years(res.ml_waves[population])
    if own["decision"] not in PUBLISHED:
        return (f"Pour les {who}, le résultat de {_la(name)} en {years} n’est pas publié (secret "
                f"statistique ou estimation trop imprécise). Pour mémoire, {_est(region)} des {who} "
                f"de la région sont {_sat(population)}.")
    return (f"En {years}, **{fmt_pct(own['estimate'])}** des {who} de {_la(name)} se déclarent {_sat(population)} "
            f"{fmt_ci(own['ci_low'], own['ci_high'])} ({fmt_int(own['n'])} réponses), contre "
            f"{_est(region)} dans la région ; elle se classe {int(own['rank'])}e sur "
            f"{int(own['ranked'])}, parmi les Missions Locales dont le résultat est publié ; écart de {fmt_pct_points(own['diff'])} "
            f"{fmt_ci(own['diff_low'], own['diff_high'])} avec le reste de la région, "
            f"{_verdict(own['diff'], own['p_value'], population)}.")


def ml_trend_figure_available(res: Results, ml: int) -> bool:
    """True when the ML has at least two published years for its trend line."""
    from arefie_studies.studies.barometre import ml_trend

    return int((ml_trend(res, ml)["group"] == res.ml_names[ml]).sum()) >= 2


# --------------------------------------------------------------------------- the report
def _population_regional(res: Results, population: str) -> list:
    who = POPULATION_FR[population]
    waves = res.waves[population]
    years = _years(res.ml_waves[population])
    first = _first(res, population)
    champ_wave = _champ(res, population, str(res.wave), "France métropolitaine")
    blocks = [
        Heading(region_heading(res, population), 2, f"{population}-region"),
        Paragraph(key_findings(res, population)),
        Figure(lambda: likert_figure(res, population),
               f"Répartition des réponses des {who}, {res.wave} : Hauts-de-France et reste de la France"),
        figure_note(champ_wave, likert_lecture(res, population)),
    ]
    if population == "jeunes":
        blocks += [Figure(lambda: share_figure(res, population),
                          f"Part de {who} satisfaits (très ou plutôt) par item, {res.wave}, avec "
                          f"intervalles de confiance à {PCT}"),
                   figure_note(champ_wave, share_lecture(res, population))]
    blocks += [Table.of(share_table(res, population), f"{population}-region")]
    if population in res.profile:  # declared under tables: in studies/barometre.yaml
        blocks += [Table.of(profile_table(res, population), f"{population}-profil")]
    blocks += [
        Heading(trend_heading(res, population), 2, f"{population}-evolution"),
        Paragraph(trend_text(res, population)),
        Figure(lambda: trend_figure(res, population),
               f"Part des {who} {_sat(population)} par année, Hauts-de-France et France entière, "
               f"{waves[0]}-{waves[-1]}"),
        figure_note(_champ(res, population, f"{waves[0]}-{waves[-1]}",
                           "Hauts-de-France et France métropolitaine"), trend_lecture(res, population)),
        Heading(ml_heading(res, population), 2, f"{population}-ml"),
        Paragraph(ml_text(res, population)),
        Figure(lambda: ml_caterpillar(res, population, first),
               f"{res.items[population][first]} ({who}, {years}) : chaque Mission Locale avec son "
               f"intervalle de confiance à {PCT}"),
        figure_note(_champ(res, population, years, "Missions Locales des Hauts-de-France"),
                    caterpillar_lecture(res, population, first)),
        Figure(lambda: ml_map(res, population, first),
               f"{res.items[population][first]} ({who}, {years}) : carte des Missions Locales",
               alt=f"Carte schématique des {len(res.ml_names)} Missions Locales colorées selon la part "
                   f"de {who} {_sat(population)} ; les zones non publiées sont hachurées."),
        figure_note(_champ(res, population, years, "Missions Locales des Hauts-de-France"),
                    caterpillar_lecture(res, population, first)),
        Table.of(ml_comparison_table(res, population), f"{population}-ml"),
    ]
    return blocks


def _population_ml(res: Results, population: str, ml: int) -> list:
    who = POPULATION_FR[population]
    years = _years(res.ml_waves[population])
    first = _first(res, population)
    blocks = [Paragraph(ml_profile_text(res, population, ml)),
              Table.of(ml_profile_table(res, population, ml), f"{population}-ml"),
              Heading("Sa place parmi les Missions Locales de la région", 2, f"{population}-position"),
              Table.of(ml_position_table(res, population, ml), f"{population}-position"),
              Figure(lambda: ml_caterpillar(res, population, first, highlight=ml),
                     f"{res.items[population][first]} ({who}, {years}) : les Missions Locales de la "
                     f"région, {res.ml_names[ml]} en gras"),
              figure_note(_champ(res, population, years, "Missions Locales des Hauts-de-France"),
                          caterpillar_lecture(res, population, first))]
    return blocks


def build_report(res: Results, ml: int | None) -> Report:
    """The regional report (``ml`` None) or the report of one Mission Locale, as blocks."""
    r = Report()
    texts = annex_texts(res)
    if ml is not None:
        texts["notes"] = about_text(res, res.ml_names[ml])
    r.add(*(Annex(key, text) for key, text in texts.items()))
    r.add(Heading("Synthèse", 1, "synthese"))
    if ml is None:
        r.add(key_figures(res), Paragraph(regional_intro(res)),
              Paragraph("\n".join(f"- {t}" for t in synthesis(res))))
        r.add(Heading("Les jeunes accompagnés", 1, "jeunes"), *_population_regional(res, "jeunes"))
        r.add(Heading("Les entreprises partenaires", 1, "entreprises"),
              *_population_regional(res, "entreprises"))
        return r
    r.add(ml_key_figures(res, ml), Paragraph(ml_intro(res, ml)))
    r.add(Heading("Les jeunes accompagnés", 1, "jeunes"), *_population_ml(res, "jeunes", ml),
          Heading("Évolution de la satisfaction globale", 2, "jeunes-evolution"))
    if ml_trend_figure_available(res, ml):
        r.add(Figure(lambda: ml_trend_figure(res, ml),
                     f"Satisfaction globale des jeunes par année : {res.ml_names[ml]}, la région et la France"),
              figure_note(_champ(res, "jeunes", _years(res.waves["jeunes"]),
                                 f"{res.ml_names[ml]}, Hauts-de-France et France métropolitaine"),
                          trend_lecture(res, "jeunes")))
    else:
        r.add(Paragraph(f"L’évolution annuelle de {_la(res.ml_names[ml])} n’est pas publiée : trop "
                        "peu de réponses par année pour une estimation précise."))
    r.add(Heading("Les entreprises partenaires", 1, "entreprises"), *_population_ml(res, "entreprises", ml))
    return r
