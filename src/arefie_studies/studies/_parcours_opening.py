"""The opening of a parcours résidentiel report and the comparison of the five départements.

Read only from :class:`ParcoursResults`: the key figures (each with its Korn–Graubard interval),
a synthesis listing only significant findings (a non-significant difference is not a finding),
the "about" paragraph (fieldwork, coverage, authors, contact, how to cite), and the regional
view comparing the five départements on :data:`COMPARED` (table + caterpillar chart), in which
each département report places itself.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from arefie_studies.studies import parcours_residentiel as P
from arefie_studies.studies._parcours_results import COMPARED, REGION
from arefie_studies.studies.contract import Figure, Heading, KeyFigure, KeyFigures, Paragraph
from arefie_studies.studies.contract import Table as Block
from arefie_studies.tables import FLAG_MARK, NNBSP, Table, fmt_ci, fmt_int, fmt_num, fmt_pct

__all__ = ["about_paragraph", "comparison_blocks", "key_figures", "place_of", "synthesis"]

ALPHA = 0.05


def _share(est: float, lo: float, hi: float, flag: bool = False) -> str:
    return (f"{fmt_pct(est, 0)} [{fmt_num(100 * lo, 0)}{NNBSP}; {fmt_num(100 * hi, 0)}]"
            + (f"{NNBSP}{FLAG_MARK}" if flag else ""))


def _row_ok(row: Any) -> bool:
    return not bool(row.get("hidden", False)) and str(row.get("decision", "show")) in ("show", "flag")


def key_figures(res: Any, code: str = "") -> KeyFigures:
    """4–6 key figures: the region's (or the département's) key shares with their interval,
    the employment gap of precarious youths (with its test) and the sample."""
    items = []
    if not code:
        k = res.key_shares.set_index("question")
        for q, label in (("precarite", "des jeunes accompagnés en précarité résidentielle"),
                         ("sans_logement_stable", "sans logement stable"),
                         ("periode_sans_logement", "ont connu une période sans logement")):
            r = k.loc[q]
            items.append(KeyFigure(label, fmt_pct(r["estimate"], 0),
                                   f"IC à 95 % : {fmt_ci(r['ci_low'], r['ci_high'], 0)} ; "
                                   f"n{NNBSP}={NNBSP}{fmt_int(r['n'])}"))
    else:
        comp = res.comparison[res.comparison["code"] == code].set_index("question")
        for q, label in (("precarite", "des jeunes accompagnés en précarité résidentielle"),
                         ("sans_logement_stable", "sans logement stable"),
                         ("periode_sans_logement", "ont connu une période sans logement")):
            r = comp.loc[q]
            if not _row_ok(r):
                items.append(KeyFigure(label, "nd", "estimation non publiée"))
                continue
            flag = f" {FLAG_MARK}" if r["decision"] == "flag" else ""
            items.append(KeyFigure(label, fmt_pct(r["estimate"], 0) + flag,
                                   f"IC à 95 % : {fmt_ci(r['ci_low'], r['ci_high'], 0)} ; "
                                   f"région : {fmt_pct(r['region'], 0)}"))
    gap = employment_gap(res, REGION)
    if gap is not None:
        items.append(KeyFigure(
            "en emploi parmi les jeunes en hébergement précaire (région)",
            fmt_pct(gap["prec"]["estimate"], 0),
            f"IC à 95 % : {fmt_ci(gap['prec']['ci_low'], gap['prec']['ci_high'], 0)} ; "
            f"contre {fmt_pct(gap['par']['estimate'], 0)} chez les parents"))
    n = res.n_youths if not code else int(res.sample.set_index("departement").loc[
        P.departement_label(code), "n"])
    items.append(KeyFigure("jeunes interrogés" + (" dans le département" if code else ""),
                           fmt_int(n), f"{res.n_ml} Missions Locales, {fmt_int(res.n_pros)} "
                           "professionnels" if not code else
                           f"{fmt_int(res.n_youths)} dans la région"))
    return KeyFigures(tuple(items))


def employment_gap(res: Any, territory: str) -> dict | None:
    """Employment of precarious youths vs youths with their parents in ``territory`` when both
    are published and the Rao–Scott test is significant (else None)."""
    ins = res.insertion[(res.insertion["territory"] == territory)
                        & (res.insertion["outcome"] == "emploi")].set_index("group")
    test = res.insertion_tests[(res.insertion_tests["territory"] == territory)
                               & (res.insertion_tests["outcome"] == "emploi")]
    prec, par = ins.loc[P.GROUP_ORDER[3]], ins.loc[P.GROUP_ORDER[0]]
    if test.empty or float(test["p_value"].iloc[0]) >= ALPHA or not (_row_ok(prec) and _row_ok(par)):
        return None
    return {"prec": prec, "par": par, "p": float(test["p_value"].iloc[0])}


def _p(p: float) -> str:
    return f"p{NNBSP}<{NNBSP}0,001" if p < 0.001 else f"p{NNBSP}={NNBSP}{fmt_num(p, 3)}"


def synthesis(res: Any, code: str = "") -> list[str]:
    """The bullet findings (French): significant differences only, each with its intervals."""
    out: list[str] = []
    territory = P.departement_label(code) if code else REGION
    where = f"Dans le département ({territory})" if code else "Dans la région"
    gap = employment_gap(res, territory)
    if gap is not None:
        pr, pa = gap["prec"], gap["par"]
        out.append(f"{where}, les jeunes en hébergement précaire sont moins souvent en emploi "
                   f"({_share(pr['estimate'], pr['ci_low'], pr['ci_high'], pr['decision'] == 'flag')}) "
                   f"que ceux qui vivent chez leurs parents ({_share(pa['estimate'], pa['ci_low'], pa['ci_high'], pa['decision'] == 'flag')} ; "
                   f"test de Rao–Scott, {_p(gap['p'])})."
                   if pr["estimate"] < pa["estimate"] else
                   f"{where}, les jeunes en hébergement précaire sont plus souvent en emploi "
                   f"({_share(pr['estimate'], pr['ci_low'], pr['ci_high'])}) que ceux qui vivent "
                   f"chez leurs parents ({_share(pa['estimate'], pa['ci_low'], pa['ci_high'])} ; {_p(gap['p'])}).")
    ins = res.insertion[(res.insertion["territory"] == territory)
                        & (res.insertion["outcome"] == "decrochage")].set_index("group")
    test = res.insertion_tests[(res.insertion_tests["territory"] == territory)
                               & (res.insertion_tests["outcome"] == "decrochage")]
    prec, par = ins.loc[P.GROUP_ORDER[3]], ins.loc[P.GROUP_ORDER[0]]
    if not test.empty and float(test["p_value"].iloc[0]) < ALPHA and _row_ok(prec) and _row_ok(par):
        more = "plus" if prec["estimate"] > par["estimate"] else "moins"
        out.append(f"Les ruptures d’accompagnement sont {more} fréquentes en hébergement précaire "
                   f"({_share(prec['estimate'], prec['ci_low'], prec['ci_high'], prec['decision'] == 'flag')}) "
                   f"que chez les parents ({_share(par['estimate'], par['ci_low'], par['ci_high'], par['decision'] == 'flag')} ; "
                   f"{_p(float(test['p_value'].iloc[0]))}).")
    if not code:
        m = res.model
        r = m[(m["term"] == "logement_groupe") & (m["level"] == P.GROUP_ORDER[3])].iloc[0]
        if r["p_value"] < ALPHA:
            out.append(f"À sexe, âge, qualification et type de territoire égaux, l’hébergement "
                       f"précaire reste associé à l’emploi : rapport de cotes "
                       f"{fmt_num(r['odds_ratio'], 2)} (IC à 95 % : "
                       f"{fmt_ci(r['ci_low'], r['ci_high'], 2, scale=1.0)}).")
        c = res.mono_housing.cells
        for r in c[(c["question"] == "precarite") & (c["mark"].isin(["▲", "▼"]))].itertuples():
            word = "plus" if r.mark == "▲" else "moins"
            out.append(f"La précarité résidentielle est significativement {word} fréquente en "
                       f"territoire « {r.group} » ({_share(r.estimate, r.ci_low, r.ci_high, r.decision == 'flag')}) "
                       "que dans les autres types de territoire.")
    comp = res.comparison
    sig = comp[(comp["mark"].isin(["▲", "▼"])) & comp.apply(_row_ok, axis=1)]
    if code:
        sig = sig[sig["code"] == code]
    for r in sig.itertuples():
        word = "supérieure" if r.mark == "▲" else "inférieure"
        out.append(f"{r.departement} : part « {r.label.lower()} » significativement {word} au "
                   f"reste de la région ({_share(r.estimate, r.ci_low, r.ci_high, r.decision == 'flag')} ; "
                   f"{_p(r.p_value)}).")
    if not any(comp["mark"].isin(["▲", "▼"])):
        out.append("Aucun département ne se distingue significativement du reste de la région "
                   "sur la précarité résidentielle, l’absence de logement stable, les périodes "
                   "sans logement ou l’emploi : les écarts observés restent dans la marge "
                   "d’incertitude de l’enquête.")
    return out[:6]


def about_paragraph(res: Any, variant: str, wave: Any) -> str:
    """Fieldwork, coverage, authors, contact and how to cite (from the config and results)."""
    a = res.about
    rate = res.n_youths / res.weighting["total"]
    lines = [f"**Champ** : jeunes accompagnés par les Missions Locales des Hauts-de-France "
             f"({fmt_int(res.weighting['total'])} jeunes représentés) ; professionnels des "
             f"{res.n_ml} Missions Locales du réseau.",
             f"**Enquête** : {a.get('fieldwork') or 'dates de collecte non renseignées'} ; "
             f"{fmt_int(res.n_youths)} jeunes interrogés, soit un taux de sondage de "
             f"{fmt_pct(rate, 1)} des jeunes accompagnés ; {fmt_int(res.n_pros)} professionnels.",
             f"**Auteurs** : Observatoire AREFIE ; partenaires : {a.get('partners', '')}.",
             f"**Contact** : {a.get('contact') or 'Observatoire AREFIE'}.",
             f"**Pour citer ce rapport** : AREFIE (2026), *{a.get('title', '')}*, édition "
             f"{wave}, {variant}."]
    return "\n\n".join(lines)


def comparison_table(res: Any, source: str) -> Table:
    """The five départements (and the region) on :data:`COMPARED`, Korn–Graubard intervals,
    « nd » / « † » from the decisions, « s » where hidden, ▲/▼ against the rest of the region."""
    from arefie_studies.tables import Cell, Row

    comp = res.comparison
    rows = []
    for dep, g in comp.groupby("departement", sort=False):
        g = g.set_index("question")
        cells = []
        for q in COMPARED:
            r = g.loc[q]
            if r["hidden"]:
                cells.append(Cell.hidden())
            elif r["decision"] == "suppress":
                cells.append(Cell.not_shown())
            else:
                cells.append(Cell(kind="proportion", estimate=float(r["estimate"]),
                                  ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]),
                                  n=int(r["base"]), mark=str(r["mark"] or ""),
                                  flag=r["decision"] == "flag"))
        rows.append(Row(label=str(dep), cells=tuple(cells)))
    reg = comp.drop_duplicates("question").set_index("question")
    rows.append(Row(label=REGION, css="total", cells=tuple(
        Cell(kind="proportion", estimate=float(reg.loc[q, "region"]),
             ci_low=float(reg.loc[q, "region_low"]), ci_high=float(reg.loc[q, "region_high"]))
        for q in COMPARED)))
    first = comp.iloc[0]
    return Table(
        title="Les cinq départements comparés sur les indicateurs clés",
        columns=tuple(COMPARED.values()), rows=tuple(rows), threshold=res.threshold,
        notes=("Parts pondérées ; entre crochets : intervalle de confiance à 95 % de Korn et "
               "Graubard. ▲ / ▼ : part significativement supérieure / inférieure à celle du reste "
               "de la région (test de Wald, seuil 5 %).",
               "Champ : jeunes accompagnés par les Missions Locales des Hauts-de-France.",
               f"Lecture : {fmt_pct(first['estimate'], 1)} des jeunes accompagnés de "
               f"{first['departement']} sont en précarité résidentielle (intervalle à 95 % : "
               f"{fmt_ci(first['ci_low'], first['ci_high'], 1)}), contre "
               f"{fmt_pct(first['region'], 1)} dans la région."),
        source=source)


def adjusted_table(res: Any, source: str) -> Table:
    """Employment by département: observed rate (Korn–Graubard, rule decided), expected rate at
    the region's rates for the same profile, and the observed/expected ratio with its interval
    (indirect standardisation)."""
    from arefie_studies.tables import Cell, Row

    adj = res.adjusted.set_index("departement")
    emp = res.comparison[res.comparison["question"] == "emploi"].set_index("departement")
    rows = []
    for dep in P.DEPARTEMENTS.values():
        a, e = adj.loc[dep], emp.loc[dep]
        if e["hidden"]:
            obs = Cell.hidden()
        elif e["decision"] == "suppress":
            obs = Cell.not_shown()
        else:
            obs = Cell(kind="proportion", estimate=float(e["estimate"]), ci_low=float(e["ci_low"]),
                       ci_high=float(e["ci_high"]), n=int(e["base"]), flag=e["decision"] == "flag")
        ratio = (f"{fmt_num(a['ratio'], 2)} {fmt_ci(a['ci_low'], a['ci_high'], 2, scale=1.0)}"
                 + (" (écart significatif)" if a["differs"] else ""))
        rows.append(Row(label=dep, cells=(
            obs, Cell(kind="proportion", estimate=float(a["expected"])),
            Cell(kind="text", text=ratio, style="text-align:right"))))
    first = res.adjusted.iloc[0]
    return Table(
        title="Emploi des jeunes par département : taux observé et taux attendu à profil égal",
        columns=("Taux observé", "Taux attendu (profil du département, taux régionaux)",
                 "Rapport observé / attendu [IC à 95 %]"),
        rows=tuple(rows), threshold=res.threshold,
        notes=("Taux attendu : moyenne, sur les jeunes du département, de la probabilité d’être en "
               "emploi prédite par une régression logistique régionale pondérée sur le sexe, "
               "l’âge, la qualification et la résidence en QPV (standardisation indirecte). Un "
               "rapport supérieur à 1 : plus de jeunes en emploi qu’attendu pour ce profil ; "
               "l’écart est significatif quand l’intervalle exclut 1.",
               "Champ : jeunes accompagnés par les Missions Locales des Hauts-de-France.",
               f"Lecture : {first['departement']}, {fmt_pct(first['observed'], 1)} des jeunes "
               f"sont en emploi, pour {fmt_pct(first['expected'], 1)} attendus à profil égal : "
               f"rapport {fmt_num(first['ratio'], 2)} (IC à 95 % : "
               f"{fmt_ci(first['ci_low'], first['ci_high'], 2, scale=1.0)})."),
        source=source)


def comparison_blocks(res: Any, source: str) -> list:
    """The regional chapter comparing the five départements (table + caterpillar chart)."""
    from arefie_studies.charts import caterpillar

    comp = res.comparison
    sig = comp[comp["mark"].isin(["▲", "▼"]) & comp.apply(_row_ok, axis=1)]
    heading = ("Un ou plusieurs départements se distinguent du reste de la région" if len(sig)
               else "Aucun département ne se distingue significativement du reste de la région")
    prec = comp[comp["question"] == "precarite"]
    # accent colour = differs significantly from the rest of the region (the chart's legend);
    # a fragile estimate (presentation rule) carries « † » after its name
    data = prec.assign(
        label=[f"{d}{NNBSP}{FLAG_MARK}" if dec == "flag" else d
               for d, dec in zip(prec["departement"], prec["decision"], strict=True)],
        flag=prec["mark"].isin(["▲", "▼"]),
        hidden=prec["hidden"] | (prec["decision"] == "suppress"))
    top = prec.sort_values("estimate").iloc[-1]
    return [
        Heading(heading, 2, "parcours-comparaison"),
        Paragraph("Le tableau et le graphique suivants placent chaque département, avec son "
                  "intervalle de confiance, à côté des autres et de la région. Les intervalles "
                  "des départements qui comptent peu de Missions Locales sont larges : un écart "
                  "n’est retenu que s’il est statistiquement significatif."),
        Block.of(comparison_table(res, source), "comparaison_departements"),
        Figure(draw=lambda: caterpillar(
            data, reference=float(prec["region"].iloc[0]), reference_label=REGION,
            title="Jeunes en précarité résidentielle, par département", source=source),
            caption="Part des jeunes en précarité résidentielle par département, classés, avec "
                    "leur intervalle à 95 % ; trait vertical : la région",
            alt="Points et intervalles : part des jeunes en précarité résidentielle dans chaque "
                "département, classés, et valeur régionale."),
        Paragraph(f"*Champ : jeunes accompagnés par les Missions Locales des Hauts-de-France. "
                  f"Lecture : {top['departement']} a la part la plus élevée, "
                  f"{fmt_pct(top['estimate'], 0)} (intervalle à 95 % : "
                  f"{fmt_ci(top['ci_low'], top['ci_high'], 0)}) ; † après le nom : estimation "
                  "fragile (moins de 8 degrés de liberté), à interpréter avec prudence.*"),
        Heading(("Des écarts d’emploi entre départements à profil égal" if res.adjusted["differs"].any()
                 else "À profil égal, l’emploi ne diffère significativement dans aucun département"),
                2, "parcours-emploi-profil"),
        Block.of(adjusted_table(res, source), "emploi_profil_egal"),
    ]


def _ordinal(k: int) -> str:
    return "1er" if k == 1 else f"{k}e"


def place_of(res: Any, code: str) -> str:
    """Where a département stands among the five, on each compared indicator, with its
    interval and whether it differs significantly from the rest of the region."""
    comp = res.comparison[res.comparison["code"] == code]
    parts = []
    n_pub = res.comparison.assign(ok=res.comparison.apply(_row_ok, axis=1)).groupby("question")["ok"].sum()
    for r in comp.itertuples():
        if not _row_ok(pd.Series(r._asdict())):
            parts.append(f"- {r.label} : estimation non publiée.")
            continue
        sig = ("significativement supérieure au reste de la région" if r.mark == "▲" else
               "significativement inférieure au reste de la région" if r.mark == "▼" else
               "sans écart significatif avec le reste de la région")
        flag = f"{NNBSP}{FLAG_MARK}" if r.decision == "flag" else ""
        parts.append(f"- {r.label} : {_share(r.estimate, r.ci_low, r.ci_high)}{flag}, "
                     f"{_ordinal(int(r.rank))} sur {int(n_pub[r.question])} départements ({sig} ; "
                     f"{_p(r.p_value)}) ; région : {fmt_pct(r.region, 0)}.")
    a = res.adjusted.set_index("departement").loc[P.departement_label(code)]
    parts.append(f"- En emploi à profil égal (sexe, âge, qualification, QPV) : rapport observé / "
                 f"attendu {fmt_num(a['ratio'], 2)} (IC à 95 % : "
                 f"{fmt_ci(a['ci_low'], a['ci_high'], 2, scale=1.0)}), "
                 + ("écart significatif avec le taux attendu." if a["differs"] else
                    "sans écart significatif avec le taux attendu."))
    return ("Place du département parmi les cinq départements de la région (rang : 1 = part la "
            "plus élevée ; un rang seul ne dit pas si l’écart est significatif) :\n\n"
            + "\n".join(parts))
