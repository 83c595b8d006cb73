"""What a CEJ report says first: key figures, the synthesis of significant findings, the chapter
comparing the 42 Missions Locales (raw and case-mix adjusted) and the report's furniture (fieldwork,
response rate, authors, contact, how to cite) — every figure read from ``CejResults``.

A difference is a finding only when it is significant: an ML's interval excludes the regional
value (or its observed/expected ratio's interval excludes 1); two groups of the region differ when
their intervals are disjoint (a conservative test). Nothing else is stated as a difference.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd

from arefie_studies.studies import _cej_figures as F
from arefie_studies.studies._cej_estimates import REGION
from arefie_studies.studies._cej_texts import cox_label
from arefie_studies.studies.contract import Figure, Heading, KeyFigure, KeyFigures, Paragraph
from arefie_studies.tables import Cell, Row, fmt_ci, fmt_int, fmt_num, fmt_pct
from arefie_studies.tables import Table as TTable

__all__ = ["comparison_blocks", "furniture_markdown", "group_findings", "key_figures", "labels", "ml_position",
           "synthesis_items"]


def labels(exit_months, low_hours: float) -> dict[str, str]:
    """French labels of the comparison indicators."""
    return {"entrees": "Jeunes entrés en CEJ",
            "emploi": f"En emploi {exit_months[0]} mois après l'entrée",
            "emploi_durable": f"En emploi durable {exit_months[-1]} mois après l'entrée",
            "delai_median": "Délai médian d'accès au premier emploi (mois)",
            "semaines_basses": f"Semaines de moins de {fmt_num(low_hours, 0)} h d'activité"}


def _row(r, territory: str, indicator: str) -> pd.Series:
    c = r.ml_compare
    return c[(c["territory"] == territory) & (c["indicator"] == indicator)].iloc[0]


def _shown(x: pd.Series) -> bool:
    return not bool(x["hidden"]) and x["decision"] != "suppress" and np.isfinite(x["estimate"])


def _value(x: pd.Series) -> str:
    v = fmt_pct(x["estimate"]) if x["kind"] == "proportion" else fmt_num(x["estimate"], 1)
    return v + (" †" if x["decision"] == "flag" else "")


def _ci(x: pd.Series) -> str:
    if x["kind"] == "proportion":
        return fmt_ci(x["ci_low"], x["ci_high"])
    return fmt_ci(x["ci_low"], x["ci_high"], 1, scale=1.0)


# ------------------------------------------------------------------ key figures, synthesis
def key_figures(r, ml: str, exit_months, low_hours: float) -> KeyFigures:
    """4–6 key figures, each with its interval (or its comparison) in ``detail``."""
    t = ml or REGION
    lab = labels(exit_months, low_hours)
    o = r.overview.set_index("territory").loc[t]
    items = [KeyFigure("jeunes entrés en CEJ", fmt_int(o["youths"]),
                       f"{fmt_pct(o['share_region'])} des entrées de la région" if ml else
                       f"entrées de {_month(o['first_month'])} à {_month(o['last_month'])}")]
    for ind in ("emploi", "emploi_durable", "semaines_basses"):
        x = _row(r, t, ind)
        if _shown(x):
            detail = "IC à 95 % " + _ci(x)
            if ml:
                reg = _row(r, REGION, ind)
                detail += f" ; région : {_value(reg)}"
            items.append(KeyFigure(lab[ind][:1].lower() + lab[ind][1:], _value(x), detail))
    cm = r.casemix.set_index("territory")
    if ml and not cm.loc[ml, "hidden"]:
        c = cm.loc[ml]
        items.append(KeyFigure("emploi durable observé / attendu (profil des jeunes)", fmt_num(c["estimate"], 2),
                               "IC à 95 % " + fmt_ci(c["ci_low"], c["ci_high"], 2, scale=1.0)))
    elif not ml:
        e = r.exits
        x = e[(e["territory"] == REGION) & (e["breakdown"] == "") & (e["indicator"] == "positive")
              & (e["mois"] == exit_months[0])].iloc[0]
        if not x["hidden"] and x["decision"] != "suppress":
            items.append(KeyFigure(f"en sortie positive {exit_months[0]} mois après l'entrée (emploi, alternance, "
                                   "formation ou études)", fmt_pct(x["estimate"]),
                                   "IC à 95 % " + fmt_ci(x["ci_low"], x["ci_high"])))
    return KeyFigures(tuple(items[:6]))


def _month(p) -> str:
    from arefie_studies.studies._cej_texts import month_fr

    return month_fr(p)


def group_findings(r, exit_months) -> list[str]:
    """Significant differences between the region's profile groups (disjoint intervals) in
    durable employment ``exit_months[-1]`` months after entry: highest vs lowest group of each
    breakdown, stated only when their intervals are disjoint."""
    e = r.exits
    e = e[(e["territory"] == REGION) & (e["breakdown"] != "") & (e["indicator"] == "emploi_durable")
          & (e["mois"] == exit_months[-1]) & ~e["hidden"] & (e["decision"] != "suppress")]
    out = []
    names = {"sexe": "le sexe", "tranche_age": "l'âge à l'entrée", "qualification": "le niveau de qualification",
             "qpv": "la résidence en QPV"}
    declared = getattr(r, "exit_breakdown_labels", None) or {}
    for var, g in e.groupby("breakdown", sort=False):
        if len(g) < 2:
            continue
        hi, lo = g.loc[g["estimate"].idxmax()], g.loc[g["estimate"].idxmin()]
        name = names.get(var) or declared.get(var, var).lower()
        if hi["ci_low"] > lo["ci_high"]:
            out.append(f"L'emploi durable {exit_months[-1]} mois après l'entrée varie selon {name} : "
                       f"{fmt_pct(hi['estimate'])} {fmt_ci(hi['ci_low'], hi['ci_high'])} pour « {hi['group']} », "
                       f"{fmt_pct(lo['estimate'])} {fmt_ci(lo['ci_low'], lo['ci_high'])} pour « {lo['group']} ».")
    return out


def synthesis_items(r, ml: str, exit_months, low_hours: float) -> list[str]:
    """3–6 bullet findings with their intervals — significant differences only (fallback: a
    neutral statement that no key indicator differs significantly)."""
    lab = labels(exit_months, low_hours)
    items: list[str] = []
    cm = r.casemix.set_index("territory")
    if ml:
        for ind in ("emploi", "emploi_durable", "semaines_basses"):
            x, reg = _row(r, ml, ind), _row(r, REGION, ind)
            if _shown(x) and bool(x["differs"]):
                way = "plus" if x["estimate"] > reg["estimate"] else "moins"
                items.append(f"{lab[ind]} : {_value(x)} {_ci(x)}, {way} que dans l'ensemble de la région "
                             f"({_value(reg)}).")
        c = cm.loc[ml]
        if not c["hidden"] and bool(c["differs"]):
            way = "supérieur" if c["estimate"] > 1 else "inférieur"
            items.append(f"À profil des jeunes égal, l'emploi durable {exit_months[-1]} mois après l'entrée est "
                         f"{way} à ce que donneraient les taux régionaux : rapport observé / attendu "
                         f"{fmt_num(c['estimate'], 2)} {fmt_ci(c['ci_low'], c['ci_high'], 2, scale=1.0)}.")
        if not items:
            items.append("Sur les indicateurs clés (sorties en emploi, emploi durable, heures d'activité), la Mission "
                         "Locale ne se distingue pas significativement de l'ensemble de la région.")
        return items[:6]
    items += group_findings(r, exit_months)[:3]
    sig = cm[cm["differs"] & (cm.index != REGION)]
    if len(sig):
        names = r.overview.set_index("territory")["name"]
        parts = [f"{names[t]} ({fmt_num(x['estimate'], 2)} {fmt_ci(x['ci_low'], x['ci_high'], 2, scale=1.0)})"
                 for t, x in sig.sort_values("estimate").iterrows()]
        items.append(f"À profil des jeunes égal, {_how_many(len(sig), len(cm) - 1, r.threshold)} ont un emploi durable "
                     "différent de ce que donneraient les taux régionaux (rapport observé / attendu) : "
                     + " ; ".join(parts) + ".")
    c = r.ml_compare
    for ind in ("emploi", "semaines_basses"):
        d = c[(c["indicator"] == ind) & c["differs"]]
        if len(d):
            reg = _row(r, REGION, ind)
            names = r.overview.set_index("territory")["name"]
            who = (_how_many(len(d), 42, r.threshold) if len(d) >= r.threshold
                   else "les Missions Locales suivantes : " + ", ".join(names[t] for t in d["territory"]) + ",")
            items.append(f"{lab[ind]} : {who} ont un intervalle qui exclut la valeur régionale ({_value(reg)} "
                         f"{_ci(reg)}).")
    cox = r.cox
    sig = cox[(cox["ci_low"] > 1) | (cox["ci_high"] < 1)]
    if len(sig):
        x = sig.loc[(np.log(sig["hazard_ratio"])).abs().idxmax()]
        items.append(f"À autres caractéristiques égales, le facteur le plus lié à la vitesse d'accès au premier "
                     f"emploi est « {cox_label(x)} » (rapport de risques "
                     f"{fmt_num(x['hazard_ratio'], 2)} {fmt_ci(x['ci_low'], x['ci_high'], 2, scale=1.0)}, "
                     f"référence : {x['reference']}).")
    if not items:
        items.append("Aucun écart significatif entre Missions Locales ni entre groupes de jeunes sur les "
                     "indicateurs clés.")
    return items[:6]


def _how_many(n: int, of: int, threshold: int) -> str:
    """"12 Missions Locales sur 42", or "certaines Missions Locales" under the disclosure threshold
    (the text names them: a count of organisations under the threshold is never printed)."""
    return f"{fmt_int(n)} Missions Locales sur {fmt_int(of)}" if n >= threshold else "certaines Missions Locales"


# ------------------------------------------------------------------ the 42 ML compared
def _cell(x: pd.Series | None) -> Cell:
    if x is None:
        return Cell(kind="empty")
    if x["hidden"]:
        return Cell.hidden()
    if x["decision"] == "suppress":
        return Cell.not_shown()
    if x["kind"] == "count":
        return Cell(kind="count", n=int(x["n"]))
    if not np.isfinite(x["estimate"]):
        return Cell(kind="empty")
    return Cell(kind=str(x["kind"]), estimate=float(x["estimate"]), ci_low=_f(x["ci_low"]), ci_high=_f(x["ci_high"]),
                n=int(x["base"]), flag=x["decision"] == "flag", mark="*" if bool(x["differs"]) else "")


def _f(v) -> float | None:
    return float(v) if v is not None and np.isfinite(v) else None


def comparison_table(r, exit_months, low_hours: float, source: str, territories=None, highlight: str = "") -> TTable:
    """All territories (region first) × key indicators, raw and adjusted; ``highlight``: the code
    of the report's ML (its row label marked ►)."""
    lab = labels(exit_months, low_hours)
    c = r.ml_compare.set_index(["territory", "indicator"])
    cm = r.casemix.set_index("territory")
    order = ["region", *[t for t in r.overview["territory"] if t != REGION]] if territories is None else territories
    inds = ["entrees", "emploi", "emploi_durable", "delai_median", "semaines_basses"]
    rows = []
    for t in order:
        cells = [_cell(c.loc[(t, i)] if (t, i) in c.index else None) for i in inds]
        x = cm.loc[t]
        if x["hidden"]:
            cells.insert(3, Cell.hidden())
        elif t == REGION:
            cells.insert(3, Cell(kind="text", text="1,00 (référence)"))
        else:
            cells.insert(3, Cell(kind="text", n=int(x["n"]), text=f"{fmt_num(x['estimate'], 2)}"
                                 + (" *" if x["differs"] else "")
                                 + f" {fmt_ci(x['ci_low'], x['ci_high'], 2, scale=1.0)}"))
        rows.append(Row(label=("► " if t == highlight else "") + r.name(t), cells=tuple(cells)))
    heads = (lab["entrees"], lab["emploi"], lab["emploi_durable"] + "|Taux observé",
             lab["emploi_durable"] + "|Observé / attendu", lab["delai_median"], lab["semaines_basses"])
    notes = ("Champ : jeunes entrés en CEJ dans les 42 Missions Locales des Hauts-de-France ; sorties : jeunes "
             "observés au mois indiqué.",
             "Entre crochets : intervalle de confiance à 95 %. * : l'intervalle de la Mission Locale exclut la valeur "
             "régionale (pour le rapport observé / attendu : exclut 1).",
             "Observé / attendu : nombre de jeunes en emploi durable rapporté au nombre attendu si chaque jeune avait "
             "la probabilité d'un jeune de même profil dans la région (modèle logistique régional : sexe, âge, "
             "qualification, QPV, RQTH, logement). Au-dessus de 1 : plus d'emplois durables qu'attendu.")
    t = TTable(title="Les 42 Missions Locales sur les indicateurs clés du CEJ", columns=heads, rows=tuple(rows),
               notes=notes, source=source, threshold=r.threshold, unit="jeunes", digits=1, stub="Territoire",
               wide=True)
    shown = cm[(cm.index != REGION) & ~cm["hidden"]]
    if len(shown):
        code = shown.index[0]
        x = shown.iloc[0]
        t = replace(t, extra_notes=(
            f"Lecture : à la {r.name(code)}, le nombre de jeunes en emploi durable {exit_months[-1]} mois après "
            f"l'entrée vaut {fmt_num(x['estimate'], 2)} fois le nombre attendu pour des jeunes de même profil "
            f"(intervalle de confiance à 95 % {fmt_ci(x['ci_low'], x['ci_high'], 2, scale=1.0)}).",))
    return t


def _caterpillar_rows(r, indicator: str) -> pd.DataFrame:
    c = r.ml_compare
    return c[(c["indicator"] == indicator) & (c["territory"] != REGION) & ~c["hidden"]]


def _casemix_rows(r) -> pd.DataFrame:
    cm = r.casemix[(r.casemix["territory"] != REGION) & ~r.casemix["hidden"]]
    return cm.assign(name=cm["territory"].map(r.name), decision="show")


def comparison_blocks(r, ml: str, exit_months, low_hours: float, source: str) -> list:
    """The chapter comparing the 42 Missions Locales (regional report) or placing one ML in it."""
    from arefie_studies.studies.contract import Table

    lab = labels(exit_months, low_hours)
    reg = _row(r, REGION, "emploi_durable")
    cm = r.casemix
    n_sig = int(cm["differs"].sum())
    head = (f"{_how_many(n_sig, 42, r.threshold)[:1].upper()}{_how_many(n_sig, 42, r.threshold)[1:]} s'écartent "
            "de l'emploi durable attendu pour leurs jeunes" if n_sig else "À profil égal, aucune Mission Locale ne s'écarte significativement de l'emploi durable "
                          "attendu")
    name = r.name(ml) if ml else ""
    blocks: list = [Heading("Les 42 Missions Locales comparées", 1, "comparaison")]
    if ml:
        blocks += ml_position(r, ml, exit_months, low_hours)
    blocks += [Heading(head, 2),
               Paragraph("Le taux brut d'emploi durable d'une Mission Locale dépend aussi du profil des jeunes qu'elle "
                         "accompagne. Le rapport observé / attendu compare le nombre de jeunes en emploi durable au "
                         "nombre attendu si chacun avait la probabilité régionale d'un jeune de même profil (sexe, "
                         "âge, qualification, QPV, RQTH, logement) : c'est l'écart qui ne s'explique pas par le "
                         "profil. Il ne mesure pas pour autant l'efficacité de la Mission Locale (le marché du "
                         "travail local, notamment, n'est pas pris en compte).")]
    table = comparison_table(r, exit_months, low_hours, source, highlight=ml)
    blocks.append(Table.of(table, "comparaison_ml"))
    cat = partial(F.caterpillar, _caterpillar_rows(r, "emploi_durable"), float(reg["estimate"]),
                  f"{lab['emploi_durable']} (%)", source, highlight=name)
    blocks += [Figure(draw=cat, caption=f"{lab['emploi_durable']} par Mission Locale (taux observé, intervalle de "
                                        "confiance à 95 %)",
                      alt="Taux d'emploi durable de chaque Mission Locale avec son intervalle, triés, et la valeur "
                          "régionale."),
               Paragraph(f"Champ : jeunes entrés en CEJ observés {exit_months[-1]} mois après l'entrée. Lecture : "
                         f"chaque point est le taux d'une Mission Locale, le trait son intervalle de confiance à "
                         f"95 % ; la ligne verticale est la valeur régionale ({_value(reg)}).")]
    cmr = _casemix_rows(r)
    cat2 = partial(F.caterpillar, cmr, 1.0, "Rapport observé / attendu (emploi durable)", source, percent=False,
                   highlight=name, reference_label="attendu")
    first = cmr.sort_values("estimate").iloc[0]
    blocks += [Figure(draw=cat2, caption="Emploi durable à profil des jeunes égal : rapport observé / attendu par "
                                         "Mission Locale",
                      alt="Rapport observé sur attendu de chaque Mission Locale avec son intervalle, triés, et la "
                          "ligne de référence 1."),
               Paragraph(f"Champ : jeunes entrés en CEJ observés {exit_months[-1]} mois après l'entrée. Lecture : la "
                         f"{first['name']} a {fmt_num(first['estimate'], 2)} fois le nombre d'emplois durables "
                         f"attendu pour ses jeunes {fmt_ci(first['ci_low'], first['ci_high'], 2, scale=1.0)} ; un "
                         "intervalle qui coupe la ligne 1 ne s'écarte pas significativement de l'attendu.")]
    return blocks


def ml_position(r, ml: str, exit_months, low_hours: float) -> list:
    """One ML placed among the 42: its estimate, interval, rank and whether it differs from the
    region, for each key indicator and the adjusted ratio."""
    lab = labels(exit_months, low_hours)
    c = r.ml_compare
    parts = []
    for ind in ("emploi", "emploi_durable", "semaines_basses"):
        x = _row(r, ml, ind)
        if not _shown(x):
            continue
        v = c[(c["indicator"] == ind) & (c["territory"] != REGION) & ~c["hidden"]]["estimate"]
        better = (v < x["estimate"]) if ind == "semaines_basses" else (v > x["estimate"])
        sig = ("significativement différent de la région" if x["differs"]
               else "pas significativement différent de la région")
        parts.append(f"- {lab[ind]} : {_value(x)} {_ci(x)}, {int(better.sum()) + 1}e sur {len(v)} — {sig}.")
    cm = r.casemix.set_index("territory")
    if not cm.loc[ml, "hidden"]:
        x = cm.loc[ml]
        sig = "différent de l'attendu" if x["differs"] else "pas significativement différent de l'attendu"
        parts.append(f"- Emploi durable à profil égal (observé / attendu) : {fmt_num(x['estimate'], 2)} "
                     f"{fmt_ci(x['ci_low'], x['ci_high'], 2, scale=1.0)} — {sig}.")
    name = r.name(ml)
    return [Heading(f"La position de la {name} parmi les 42 Missions Locales", 2),
            Paragraph("Rang 1 : résultat le plus favorable. Un rang seul ne dit pas si l'écart est réel : "
                      "l'intervalle de confiance et la comparaison avec la région le disent.\n\n" + "\n".join(parts))]


# ------------------------------------------------------------------ furniture
def furniture_markdown(r, ml: str, params) -> str:
    """Fieldwork dates, coverage and response rate, authors, contact and how to cite (config texts
    from ``r.meta``; ``params`` unused, kept for the call's shape)."""
    o = r.overview.set_index("territory").loc[REGION]
    n_ml = len(r.overview) - 1
    answered = int(r.ml_answers["ml_code"].notna().sum())
    meta = r.meta or {}
    title = meta.get("title", "")
    variant = r.name(ml) if ml else "Hauts-de-France"
    edition = f"édition {meta['wave']}" if meta.get("wave") else ""
    contact, partners, survey = meta.get("contact", ""), meta.get("partners", ""), meta.get("fieldwork", "")
    return "\n\n".join(x for x in (
        f"**Période couverte.** Entrées en CEJ de {_month(o['first_month'])} à {_month(o['last_month'])} ; "
        f"extraction i-Milo du {_date(r.extraction)}." + (f" Collecte : {survey}." if survey else ""),
        f"**Couverture et réponse.** Données i-Milo exhaustives : {fmt_int(o['youths'])} jeunes, {fmt_int(n_ml)} "
        f"Missions Locales (100 %). Enquête d'organisation : {fmt_int(answered)} Missions Locales répondantes sur "
        f"{fmt_int(n_ml)} ({fmt_pct(answered / n_ml)}).",
        "**Auteurs.** Observatoire AREFIE" + (f" ; partenaires : {partners}" if partners else "") + ".",
        f"**Contact.** {contact}" if contact else "",
        "**Pour citer ce rapport.** AREFIE (2026)" + (f", *{title}*" if title else "") + (f", {edition}" if edition else "")
        + f", {variant}.",
    ) if x)


def _date(ts) -> str:
    from arefie_studies.studies._cej_texts import date_fr

    return date_fr(ts)
