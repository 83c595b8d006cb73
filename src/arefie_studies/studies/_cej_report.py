"""The blocks of a CEJ report (regional or one Mission Locale), selected and formatted from
``CejResults`` with the :mod:`arefie_studies.tables` builders: a hidden cell carries nothing."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np
import pandas as pd

from arefie_studies.studies import _cej_figures as F
from arefie_studies.studies import _cej_findings as G
from arefie_studies.studies import _cej_texts as T
from arefie_studies.studies._cej_compute import DURATION_CLASSES, EXIT_LABELS, cohort_end
from arefie_studies.studies._cej_estimates import REGION
from arefie_studies.studies.contract import (
    Annex,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
)
from arefie_studies.studies.glossary import glossary_markdown, term
from arefie_studies.tables import (
    SUPPRESSED_MARK,
    Cell,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_pct_points,
    plain_table,
    presentation_rule_text,
)
from arefie_studies.tables import Table as TTable

__all__ = ["build"]

SOURCE = "Source : i-Milo, extraction du {date} (données synthétiques) ; traitement AREFIE."
CHAMP = "jeunes entrés en CEJ dans une Mission Locale des Hauts-de-France."
SURVEY_CHAMP = "les 42 Missions Locales des Hauts-de-France (enquête d'organisation du CEJ)."
CI_NOTE = "Entre crochets : intervalle de confiance à 95 %."


# ------------------------------------------------------------------ table helpers
def _cells(frame: pd.DataFrame, *, row: str, column: str, section: str | None = None,
           kind: str = "proportion", n: str | None = None) -> pd.DataFrame:
    """Rows of ``frame`` as :meth:`tables.Table.from_estimates` cells (estimate, CI, base, se, df,
    hidden): ``n`` is the unweighted base (``base`` of a share, the youths of a mean or ratio)."""
    n = n or ("base" if "base" in frame.columns else "n")
    nan = np.full(len(frame), np.nan)
    return pd.DataFrame({
        "row": frame[row].astype(str).to_numpy(),
        "section": frame[section].astype(str).to_numpy() if section else "",
        "column": frame[column].astype(str).to_numpy(),
        "estimate": frame["estimate"].to_numpy(float), "ci_low": frame["ci_low"].to_numpy(float),
        "ci_high": frame["ci_high"].to_numpy(float), "n": frame[n].to_numpy(float),
        "se": frame["se"].to_numpy(float) if "se" in frame.columns else nan,
        "df": frame["df"].to_numpy(float) if "df" in frame.columns else nan,
        "hidden": frame["hidden"].to_numpy(bool), "kind": kind})


def _lecture(t: TTable) -> str:
    """"Lecture :" line of a table, read from its first shown estimate (a real value)."""
    for r in t.rows:
        for c, head in zip(r.cells, t.columns, strict=False):
            if c.kind in ("proportion", "mean") and c.estimate is not None:
                value = fmt_pct(c.estimate) if c.kind == "proportion" else fmt_num(c.estimate, t.digits)
                ci = (f", intervalle de confiance à 95 % {fmt_ci(c.ci_low, c.ci_high)}" if c.kind == "proportion"
                      and c.ci_low is not None else "")
                where = f"{r.section} – {r.label}" if r.section else r.label
                return f"Lecture : {where}, {head.replace('|', ' – ')} : {value}{ci}."
    for r in t.rows:
        for c, head in zip(r.cells, t.columns, strict=False):
            if c.kind in ("text", "count") and (c.text or c.n) and head != t.columns[0]:
                return f"Lecture : {r.label}, {head.replace('|', ' – ')} : {c.text or fmt_int(c.n)}."
    return ""


def _furnish(t: TTable, champ: str, lecture: str = "") -> TTable:
    """Champ first, Lecture after the notes (before the rule notes and the source)."""
    lect = f"Lecture : {lecture}" if lecture else _lecture(t)
    return replace(t, notes=(f"Champ : {champ}", *t.notes), extra_notes=(*t.extra_notes, *([lect] if lect else [])))


def _table(cells: pd.DataFrame, *, title: str, columns, thr: int, notes=(), source: str = "", name: str = "",
           stub: str = "", digits: int = 1, champ: str = "", extra=None, presentation: bool = True) -> Table:
    t = TTable.from_estimates(cells, title=title, columns=list(columns), threshold=thr, notes=list(notes),
                              source=source, stub=stub, digits=digits, extra_columns=extra, unit="jeunes",
                              presentation=presentation, stub_width="34mm")
    return Table.of(_furnish(t, champ or CHAMP), name)


def _plain(frame: pd.DataFrame, *, title: str, notes=(), name: str = "", thr: int | None = None,
           champ: str = "", unit: str = "jeunes", lecture: str = "", wrap=()) -> Table:
    """A table of formatted text; a cell holding the suppression mark becomes a hidden cell
    (:meth:`Cell.hidden`, nothing else kept) and the disclosure rule is stated when one is."""
    right = [c for c in frame.columns[1:]]
    t = plain_table(frame, title=title, notes=list(notes), align_right=[c for c in right if c not in wrap],
                    wrap=list(wrap))
    rows = tuple(replace(r, cells=tuple(Cell.hidden() if c.kind == "text" and c.text == SUPPRESSED_MARK else c
                                        for c in r.cells)) for r in t.rows)
    t = replace(t, rows=rows, threshold=thr, unit=unit)
    return Table.of(_furnish(t, champ or CHAMP, lecture), name)


def _figure_note(r, kind: str, ml: str, arg=None) -> Paragraph:
    """"Champ :" and "Lecture :" under a figure, the reading quoting a value of the results."""
    t = ml or REGION
    where = f"à la {r.name(ml)}" if ml else "en Hauts-de-France"
    if kind == "entrees":
        em = r.entries_month
        x = em.loc[em["n"].idxmax()]
        lect = (f"en {T.month_fr(x['month'])}, {fmt_int(x['n'])} jeunes sont entrés en CEJ dans le département "
                f"{x['departement']} (le mois le plus haut de la période).")
    elif kind == "hours":
        x = r.hours_by_month[(r.hours_by_month["territory"] == REGION)].iloc[0]
        lect = (f"au {int(x['mois'])}er mois de contrat, {fmt_pct(x['estimate'])} des semaines déclarées comptent "
                f"moins de {arg} h d'activité {fmt_ci(x['ci_low'], x['ci_high'])}.")
    elif kind == "chronogram":
        x = T.exit_row(r, t, int(arg), "emploi")
        lect = ("chaque barre montre la répartition des jeunes selon leur situation le mois indiqué après l'entrée"
                + ("" if x["hidden"] else f" ; {arg} mois après l'entrée, {fmt_pct(x['estimate'])} des jeunes "
                   f"observés {where} sont en emploi (emploi durable, emploi court ou alternance)") + ".")
    elif kind == "types":
        x = r.types_by_territory[r.types_by_territory["territory"] == REGION].iloc[0]
        lect = f"le type « {x['level']} » regroupe {fmt_pct(x['estimate'])} des jeunes de la région."
    else:
        s = r.km_summary[(r.km_summary["territory"] == t) & ~r.km_summary["hidden"]].iloc[0]
        lect = (f"12 mois après l'entrée, {fmt_pct(1 - s['emp12'])} des jeunes du groupe « {s['group']} » n'ont "
                "encore occupé aucun emploi (ni alternance).")
    return Paragraph(f"Champ : {CHAMP[:1].upper() + CHAMP[1:]} Lecture : {lect}")


def _cox_lecture(r) -> str:
    c = r.cox.iloc[0]
    return (f"à autres caractéristiques égales, le rapport de risques instantanés de « {c['modalite']} » par "
            f"rapport à « {c['reference']} » vaut {fmt_num(c['hazard_ratio'], 2)} "
            f"{fmt_ci(c['ci_low'], c['ci_high'], 2, scale=1.0)} : au-dessus de 1, l'accès au premier emploi est plus "
            "rapide.")


def _links_lecture(r) -> str:
    x = r.links[~r.links["hidden"] & (r.links["kind"] == "binary")]
    if not len(x):
        return ""
    x = x.iloc[0]
    return (f"l'indicateur « {x['indicateur']} » vaut en moyenne {fmt_pct(x['moy_avec'])} dans les Missions Locales "
            f"où « {lower(x['modalite'])} » et {fmt_pct(x['moy_sans'])} dans les autres (écart "
            f"{fmt_pct_points(x['diff'])} {fmt_ci(x['ci_low'], x['ci_high'])}).")


def _count(n, hidden: bool) -> str:
    return SUPPRESSED_MARK if hidden else fmt_int(n)


def _sel(frame: pd.DataFrame, territories) -> pd.DataFrame:
    """The rows of ``territories``, in that order (the ML before the region)."""
    order = {t: i for i, t in enumerate(territories)}
    sub = frame[frame["territory"].isin(territories)]
    return sub.iloc[np.argsort(sub["territory"].map(order).to_numpy(), kind="stable")]


# ------------------------------------------------------------------ chapters
def _entries(r, ml: str, cols: list[str], source: str) -> list:
    ey = r.entries_year
    o = T.overview(r, REGION)
    notes = [f"Entrées de {T.month_fr(o['first_month'])} à {T.month_fr(o['last_month'])} (années incomplètes aux "
             "deux bouts de la période).", source]
    if ml:
        rows = []
        for t in cols:
            e = ey[(ey["territory"] == t) & (ey["row"] == (t if t != REGION else "Hauts-de-France"))]
            rec = {"": r.name(t)}
            rec.update({y: _count(n, h) for y, n, h in zip(e["year"], e["n"], e["hidden"], strict=True)})
            share = T.overview(r, t)["share_region"]
            rec["Part des entrées"] = fmt_pct(share)
            rows.append(rec)
        frame = pd.DataFrame(rows).rename(columns={"Total": "Total"})
    else:
        e = ey[ey["territory"] == REGION]
        frame = e.assign(text=[_count(n, h) for n, h in zip(e["n"], e["hidden"], strict=True)]).pivot(
            index="row", columns="year", values="text")
        frame = frame.reindex(list(dict.fromkeys(e["row"])))
        total = e[e["year"] == "Total"].set_index("row")["n"]
        frame["Part des entrées"] = [fmt_pct(total[d] / total["Hauts-de-France"]) for d in frame.index]
        frame = frame.reset_index().rename(columns={"row": "Département"})
    caption = "Entrées en CEJ par mois et par département" + (f" (courbe : {r.name(ml)}, par trimestre)" if ml else "")
    return [Heading("Les entrées en CEJ", 1, "entrees"),
            Paragraph("Le contrat d'engagement jeune (CEJ) a remplacé la Garantie jeunes le 1er mars 2022. Il "
                      "s'adresse aux jeunes de 16 à 25 ans (29 ans pour les jeunes reconnus travailleurs "
                      "handicapés) sans emploi ni formation durable, pour un accompagnement intensif de 6 à 12 mois "
                      "(jusqu'à 18 mois), de 15 à 20 heures d'activité par semaine, avec une allocation mensuelle."),
            Figure(draw=partial(F.entries, r, ml, source), caption=caption,
                   alt="Histogramme des entrées mensuelles en CEJ par département."),
            _figure_note(r, "entrees", ml),
            _plain(frame, title="Entrées en CEJ par année d'entrée", notes=notes, name="entrees", thr=r.threshold)]


def _profile(r, ml: str, source: str) -> list:
    p = r.profile
    if not ml:
        reg = p[p["territory"] == REGION]
        cells = _cells(reg, row="level", column="territory", section="variable_label")
        rows = []
        for _, x in reg.iterrows():
            rows.append({"level": x["level"], "section": x["variable_label"], "ml": fmt_pct(x["ml_share"]),
                         "diff": fmt_pct_points(x["diff"])})
        extra = pd.DataFrame(rows)
        cells = cells.assign(ml=extra["ml"].to_numpy(), diff=extra["diff"].to_numpy())
        table = _table(cells, title="Profil des jeunes à l'entrée en CEJ comparé à l'ensemble des "
                                    "jeunes accompagnés", columns=[(REGION, "Jeunes entrés en CEJ")],
                                    thr=r.threshold, name="profil", extra={
                                        "ml": "Ensemble des jeunes accompagnés par les ML (2024)",
                                        "diff": "Écart (points)"},
                                    notes=[CI_NOTE + " Les jeunes accompagnés par les ML sont un dénombrement "
                                           "exhaustif (pas d'intervalle).", "Jeunes accompagnés : AREFIE, profils "
                                           "2024 par Mission Locale."], source=source)
    else:
        own = p[p["territory"] == ml]
        reg = p[p["territory"] == REGION]
        name = r.name(ml)
        cells = pd.concat([_cells(own, row="level", column="territory", section="variable_label"),
                           _cells(reg, row="level", column="territory", section="variable_label")])
        accomp = dict(zip(own["variable_label"] + "\x1f" + own["level"], own["ml_share"], strict=True))
        cells["accomp"] = [fmt_pct(accomp[f"{s}\x1f{lv}"]) for s, lv in zip(cells["section"], cells["row"],
                                                                             strict=True)]
        table = _table(cells, title="Profil des jeunes à l'entrée en CEJ comparé à l'ensemble des "
                                    "jeunes accompagnés", columns=[(ml, f"CEJ – {name}"),
                                                                   (REGION, "CEJ – Hauts-de-France")],
                                    thr=r.threshold, name="profil",
                                    extra={"accomp": f"Tous les jeunes accompagnés – {name}"},
                                    notes=[CI_NOTE + " Jeunes accompagnés par la ML : dénombrement exhaustif (pas "
                                           "d'intervalle).", "Jeunes accompagnés : AREFIE, profils 2024 par Mission "
                                           "Locale."], source=source)
    text = T.profile_text(r, ml)
    return [Heading("Le profil des jeunes entrés en CEJ", 1, "profil"), *([Paragraph(text)] if text else []), table]


def _durations(r, ml: str, cols: list[str], source: str, horizon_long: int) -> list:
    heads = [(t, r.name(t)) for t in cols]
    d = _sel(r.durations, cols)
    m = _sel(r.duration_mean, cols).assign(level="Durée moyenne (mois)")
    cells = pd.concat([_cells(d, row="level", column="territory"),
                       _cells(m, row="level", column="territory", kind="mean")])
    cells["row"] = pd.Categorical(cells["row"], categories=[*DURATION_CLASSES, "Durée moyenne (mois)"])
    cells = cells.sort_values("row", kind="stable").assign(row=lambda c: c["row"].astype(str))
    last = cohort_end(pd.Timestamp(r.extraction), horizon_long) - pd.DateOffset(days=1)
    dur = _table(cells, title="Durée du CEJ (jeunes entrés jusqu'en " + T.month_fr(last) + ")", columns=heads,
                 thr=r.threshold, notes=[f"Jeunes entrés au moins {horizon_long} mois avant l'extraction : tous "
                                         "ont terminé leur contrat, la durée n'est donc pas tronquée. " + CI_NOTE],
                 source=source, name="durees")
    e = _sel(r.end_reasons, cols)
    ended = e.groupby("territory", sort=False)["n"].sum()
    end = _table(_cells(e, row="level", column="territory"), title="Motifs de fin des contrats terminés",
                 columns=heads, thr=r.threshold,
                 notes=[CI_NOTE, "Contrats terminés : " + " ; ".join(
                     f"{r.name(t)} {fmt_int(ended[t])}" for t in cols)], source=source, name="motifs_fin")
    return [Heading("Durée des contrats et motifs de fin", 1, "durees"), dur, end]


def _hours(r, ml: str, cols: list[str], source: str, low_hours: float) -> list:
    lh = fmt_num(low_hours, 0)
    h = r.hours
    h = h[h["level"].isin([REGION, "departement"])] if not ml else _sel(h, cols)
    h = h.assign(label=[r.name(t) if t == REGION or t.isdigit() else t for t in h["territory"]])
    mean = h.assign(estimate=h["estimate_hours"], ci_low=h["ci_low_hours"], ci_high=h["ci_high_hours"])
    cells = pd.concat([_cells(mean, row="label", column="territory", kind="mean").assign(column="hours"),
                       _cells(h, row="label", column="territory").assign(column="low")])
    cells["youths"] = [_count(n, hd) for n, hd in zip(cells["n"], cells["hidden"], strict=True)]
    weeks = dict(zip(h["label"], h["weeks"], strict=True))
    cells["weeks"] = [SUPPRESSED_MARK if hd else fmt_int(weeks[x]) for x, hd in
                      zip(cells["row"], cells["hidden"], strict=True)]
    table = _table(cells, title="Heures d'activité hebdomadaires pendant le CEJ",
                                columns=[("hours", "Heures par semaine (moyenne)"),
                                         ("low", f"Semaines de moins de {lh} h")], thr=r.threshold,
                                name="heures", extra={"youths": "Jeunes", "weeks": "Semaines déclarées"},
                                notes=["Intervalles de confiance à 95 % : estimateur par le ratio, le jeune étant "
                                       "l'unité (ses semaines ne sont pas indépendantes)."], source=source)
    blocks = [Heading("Les heures d'activité hebdomadaires", 1, "heures"),
              Paragraph("Le CEJ prévoit de 15 à 20 heures d'activité par semaine (ateliers, entretiens, immersions, "
                        "formation, emploi). Les heures sont celles déclarées chaque semaine dans i-Milo.")]
    text = T.hours_text(r, ml, low_hours)
    blocks += [Paragraph(text)] if text else []
    blocks.append(table)
    if not ml:
        blocks.append(Figure(draw=partial(F.hours_by_month, r, f"Semaines de moins de {lh} h", source),
                             caption=f"Part des semaines de moins de {lh} h selon le mois de contrat",
                             alt=f"Courbe de la part des semaines de moins de {lh} heures par mois de contrat."))
        blocks.append(_figure_note(r, "hours", ml, lh))
    return blocks


def _allowance(r, ml: str, cols: list[str], source: str) -> list:
    a = _sel(r.allowance, cols)
    labels = {"monthly_mean": "Montant mensuel moyen versé (€)", "youth_months":
              "Nombre moyen de mensualités par jeune", "youth_total": "Montant total moyen par jeune (€)"}
    a = a.assign(row=a["indicator"].map(labels), section="Allocation versée")
    types = _sel(r.allowance_types, cols).assign(section="Nature des mensualités versées")
    cells = pd.concat([_cells(a, row="row", column="territory", section="section", kind="mean"),
                       _cells(types, row="level", column="territory", section="section")])
    counts = a.drop_duplicates("territory").set_index("territory")
    note = " ; ".join(f"{r.name(t)} : {_count(counts.loc[t, 'youths'], counts.loc[t, 'youths'] < r.threshold)} "
                      f"jeunes, {_count(counts.loc[t, 'payments'], counts.loc[t, 'youths'] < r.threshold)} mensualités"
                      for t in cols)
    blocks = [Heading("L'allocation CEJ", 1, "allocation"),
              _table(cells, title="Allocation CEJ versée", columns=[(t, r.name(t)) for t in cols], thr=r.threshold,
                     notes=["Jeunes ayant perçu l'allocation et mensualités versées — " + note + ".",
                            "Montant plein : 500,44 € jusqu'en mars 2023, 528 € d'avril 2023 à mars 2025, 561,68 € "
                            "ensuite (montants réduits pour les mineurs) ; montant réduit : allocation diminuée en "
                            "raison de revenus d'activité. Mensualités nulles (suspension) non comptées. " + CI_NOTE],
                     source=source, name="allocation")]
    if not ml:
        y = r.allowance_years
        frame = pd.DataFrame({"Année": y["year"].astype(str),
                              "Jeunes bénéficiaires": [_count(n, h) for n, h in zip(y["youths"], y["hidden"],
                                                                                      strict=True)],
                              "Mensualités": [_count(n, h) for n, h in zip(y["payments"], y["hidden"], strict=True)],
                              "Montant versé": [SUPPRESSED_MARK if h else fmt_num(v / 1e6, 2) + "\u202fM€"
                                                for v, h in zip(y["amount"], y["hidden"], strict=True)]})
        blocks.append(_plain(frame, title="Allocation CEJ versée par année (Hauts-de-France)",
                             notes=[f"Année {y['year'].max()} : jusqu'à la date d'extraction.", source],
                             name="allocation_annees", thr=r.threshold))
    return blocks


def _trajectories(r, ml: str, cols: list[str], source: str, horizon: int, horizon_long: int,
                  exit_months) -> list:
    blocks = [Heading("Les trajectoires mois par mois", 1, "trajectoires"),
              Paragraph("Chaque mois depuis l'entrée, la situation du jeune est celle enregistrée dans i-Milo (la "
                        "plus récente quand plusieurs situations se succèdent dans le mois). L'emploi est distingué "
                        f"selon sa durée : {lower(term('emploi_durable').label)} (CDI, CDD de plus de 6 mois) ou "
                        "emploi court (CDD de 6 mois ou moins, intérim) ; l'alternance est une situation à part."),
              Figure(draw=partial(F.chronogram, r, ml, horizon),
                     caption=f"Situation des jeunes mois par mois, {horizon} premiers mois après l'entrée. {source}",
                     alt="Chronogramme des situations mensuelles des jeunes."),
              _figure_note(r, "chronogram", ml, exit_months[0])]
    if not ml:
        blocks += [Paragraph(T.chronogram_note(r, horizon_long)),
                   Figure(draw=partial(F.chronogram, r, "", horizon_long),
                          caption=f"Situation des jeunes mois par mois, {horizon_long} premiers mois (jeunes observés "
                                  f"{horizon_long} mois). {source}", alt="Chronogramme sur la période longue."),
                   _figure_note(r, "chronogram", ml, exit_months[-1])]
    e = r.exits
    cells = []
    shown = [i for i in EXIT_LABELS if r.exit_table is None or r.exit_table.indicators is None
             or i in r.exit_table.indicators]  # tables.sorties of studies/cej.yaml
    sections = {"": "", **(r.exit_breakdown_labels or {"sexe": "Sexe", "tranche_age": "Âge à l'entrée",
                                                      "qualification": "Niveau de qualification",
                                                      "qpv": "Réside en QPV"})}
    for m in exit_months:
        for ind in shown:
            sub = e[(e["mois"] == m) & (e["indicator"] == ind)]
            if ml:
                sub = _sel(sub[sub["breakdown"] == ""], cols)
                sub = sub.assign(row=[r.name(t) for t in sub["territory"]], section="")
            else:
                sub = sub[sub["territory"] == REGION]
                sub = sub.assign(row=np.where(sub["breakdown"] == "", "Ensemble", sub["group"]),
                                 section=sub["breakdown"].map(sections))
            cells.append(_cells(sub.assign(col=f"{ind}{m}"), row="row", column="col", section="section"))
    columns = [(f"{ind}{m}", f"{m} mois après l'entrée|{EXIT_LABELS[ind]}") for m in exit_months for ind in shown]
    title = ("Situation des jeunes 6 et 12 mois après l'entrée en CEJ" if list(exit_months) == [6, 12]
             else "Situation des jeunes après l'entrée en CEJ")
    note = ("En emploi : emploi salarié ou alternance. Emploi durable et alternance : voir les définitions en "
            "annexe (l'alternance n'est pas comptée dans l'emploi durable). Situation du mois civil correspondant "
            "(mois d'entrée + "
            + " ou + ".join(str(m) for m in exit_months) + "). " + CI_NOTE)
    pos = e[(e["indicator"] == "positive") & (e["breakdown"] == "") & e["territory"].isin(cols)]
    pos = pos.assign(row=[f"{m} mois après l'entrée" for m in pos["mois"]])
    text = T.exits_text(r, ml, exit_months)
    blocks += [Heading(_exits_heading(r, ml, exit_months), 2), *([Paragraph(text)] if text else []),
               _table(pd.concat(cells), title=title, columns=columns, thr=r.threshold, notes=[note], source=source,
                      name="sorties"),
               _table(_cells(pos, row="row", column="territory"), title="Sorties positives (emploi, alternance, "
                      "formation ou reprise d'études)", columns=[(t, r.name(t)) for t in cols], thr=r.threshold,
                      notes=[CI_NOTE], source=source, name="sorties_positives")]
    return blocks


def _exits_heading(r, ml: str, exit_months) -> str:
    """A finding as the heading of the exits section (a significant difference), else neutral."""
    groups = G.group_findings(r, exit_months) if not ml else []
    if groups:
        return groups[0].split(" : ")[0]
    if ml:
        x = r.ml_compare[(r.ml_compare["territory"] == ml) & (r.ml_compare["indicator"] == "emploi")].iloc[0]
        if bool(x["differs"]) and x["decision"] != "suppress" and not x["hidden"]:
            reg = r.ml_compare[(r.ml_compare["territory"] == REGION) & (r.ml_compare["indicator"] == "emploi")]
            way = "plus" if x["estimate"] > reg["estimate"].iloc[0] else "moins"
            return f"Les jeunes sont {way} souvent en emploi {exit_months[0]} mois après l'entrée que dans la région"
    return "Les sorties du CEJ"


def lower(text: str) -> str:
    return T.lower_first(text)


def _typology(r, ml: str, cols: list[str], source: str, horizon: int) -> list:
    blocks: list = [Heading("Typologie des trajectoires", 1, "typologie")]
    if ml:
        t = _sel(r.types_by_territory, cols)
        blocks += [Paragraph("Les types sont ceux de la classification régionale ; le tableau compare la "
                             "répartition des jeunes de la Mission Locale à celle de la région."),
                   _table(_cells(t, row="level", column="territory"), title="Répartition des jeunes par type de "
                          "trajectoire", columns=[(c, r.name(c)) for c in cols], thr=r.threshold, stub="Type",
                          notes=["Types de la classification régionale (voir le rapport régional). " + CI_NOTE],
                          source=source, name="types")]
        return blocks
    q = r.typology_quality
    # the number of types is a setting of the classification, not a count of youths: written
    # "4 types" so that no reader (nor the leak scan) takes it for a small count
    clara = "AMS" in q.columns  # national cohort: CLARA medoids, no full distance matrix
    quality = pd.DataFrame({"Partition": [f"{int(k)} types" for k in q["k"]],
                            **({"Silhouette moyenne aux médoïdes (AMS)": [fmt_num(x, 2) for x in q["AMS"]]} if clara
                               else {"Largeur moyenne de silhouette (ASW)": [fmt_num(x, 2) for x in q["ASW"]],
                                     "Part de la dispersion expliquée (R²)": [fmt_num(x, 2) for x in q["R2"]]}),
                            "Choix": ["retenue" if int(k) == r.k else "" for k in q["k"]]})
    quality_note = ("Appariement optimal (coûts de substitution issus des taux de transition, coût "
                    "d'insertion-suppression égal à la moitié du coût maximal), "
                    + ("médoïdes CLARA sur les séquences distinctes pondérées par leur effectif (WeightedCluster "
                       "seqclararange : échantillons de 40 + 2k séquences, PAM) ; la partition retenue maximise "
                       "l'AMS entre 4 et 6 types." if clara else
                       "classification ascendante hiérarchique de Ward ; la partition retenue maximise l'ASW "
                       "entre 4 et 6 types."))
    t = r.types_by_territory
    share = t[t["territory"] == REGION].assign(group="Part des jeunes", section="")
    prof = r.types_profile.assign(section="")
    cells = pd.concat([_cells(share, row="group", column="level"),
                       _cells(prof, row="indicator", column="group")])
    blocks += [Paragraph(T.types_text(r, horizon)),
               _plain(quality, title="Qualité des partitions de la classification des trajectoires",
                      notes=[quality_note],
                      name="typologie_qualite"),
               Figure(draw=partial(F.types, r, horizon), caption=f"Chronogrammes des types de trajectoires "
                      f"({horizon} premiers mois). {source}", alt="Chronogrammes des types de trajectoires."),
               _figure_note(r, "types", ml),
               _table(cells, title="Types de trajectoires et profil des jeunes",
                      columns=[*((n, n) for n in r.type_names), ("Ensemble", "Ensemble")], thr=r.threshold,
                      stub="Profil", notes=["Part de chaque profil parmi les jeunes du type (première ligne : part "
                                            "du type parmi l'ensemble). " + CI_NOTE],
                      source=source, name="types_profil")]
    return blocks


def _survival(r, ml: str, source: str, km_group: str, followup: int) -> list:
    from arefie_studies.studies._cej_compute import PROFILE_VARIABLES

    t = ml or REGION
    s = r.km_summary[r.km_summary["territory"] == t]
    cells = []
    for key, est, lo, hi, kind in (("emp6", "emp6", "emp6_low", "emp6_high", "proportion"),
                                   ("emp12", "emp12", "emp12_low", "emp12_high", "proportion"),
                                   ("median", "median", "median_low", "median_high", "mean")):
        sub = s.assign(estimate=s[est], ci_low=s[lo], ci_high=s[hi], column=key,
                       se=s[f"{est}_se"] if kind == "proportion" else np.nan, df=s["n"] - 1)
        cells.append(_cells(sub, row="group", column="column", kind=kind))
    cells = pd.concat(cells)
    cells["youths"] = cells["row"].map({g: _count(n, h) for g, n, h in zip(s["group"], s["n"], s["hidden"],
                                                                        strict=True)})
    table = _table(cells, title="Accès au premier emploi après l'entrée en CEJ (Kaplan–Meier)",
                                columns=[("emp6", "En emploi dans les 6 mois"), ("emp12", "En emploi dans les 12 mois"),
                                         ("median", "Délai médian (mois)")], thr=r.threshold,
                                extra={"youths": "Jeunes"}, name="premier_emploi",
                                stub=PROFILE_VARIABLES.get(km_group, "") if not ml else "",
                                notes=[f"Premier emploi ou contrat en alternance ; les jeunes sans emploi à la date "
                                       f"d'extraction ou après {followup} mois sont censurés. Délai médian « – » : "
                                       "non atteint. Entre crochets : intervalle de confiance à 95 % (échelle "
                                       "logarithmique)."], source=source)
    blocks = [Heading("L'accès au premier emploi", 1, "premier_emploi"), Paragraph(T.km_text(r, ml, km_group)),
              Figure(draw=partial(F.km, r, t, followup, source),
                     caption="Part des jeunes restés sans emploi depuis l'entrée en CEJ (Kaplan–Meier)",
                     alt="Courbes de Kaplan–Meier du délai d'accès au premier emploi."),
              _figure_note(r, "km", ml), table]
    if not ml:
        c = r.cox
        frame = pd.DataFrame({"Facteur": c["facteur"],
                              "Modalité": [f"{x} (réf. : {ref})" for x, ref in zip(c["modalite"], c["reference"],
                                                                                   strict=True)],
                              "Rapport de risques instantanés": [fmt_num(x, 2) for x in c["hazard_ratio"]],
                              "IC à 95 %": [fmt_ci(lo, hi, 2, scale=1.0) for lo, hi in zip(c["ci_low"], c["ci_high"],
                                                                                          strict=True)],
                              "p": [fmt_p(x) for x in c["p_value"]]})
        blocks += [Paragraph(T.cox_text(r)),
                   _plain(frame, title="Facteurs de l'accès au premier emploi (modèle de Cox)", name="cox",
                          lecture=_cox_lecture(r), wrap=["Modalité"],
                          notes=[f"{fmt_int(c['n_youths'].iloc[0])} jeunes, {fmt_int(c['n_events'].iloc[0])} premiers "
                                 "emplois. Un rapport supérieur à 1 signifie un accès plus rapide à l'emploi que la "
                                 "modalité de référence, à autres caractéristiques égales. Variance robuste tenant "
                                 "compte du regroupement des jeunes par Mission Locale.", source])]
    return blocks


def _missions_locales(r, ml: str, source: str) -> list:
    blocks: list = [Heading("L'organisation du CEJ dans les Missions Locales", 1, "organisation")]
    survey_source = "Source : enquête AREFIE auprès des 42 Missions Locales (données synthétiques)."
    if ml:  # its position among the 42 (estimates, intervals, ranks) is in the comparison chapter
        blocks.append(Paragraph(T.ml_answers_text(r, ml)))
        return blocks
    rows = []
    for label, g in r.modalities.groupby("label", sort=False):
        for _, x in g.iterrows():
            rows.append((f"{label} — {x['level']}", _count(x["n"], x["hidden"]),
                         SUPPRESSED_MARK if x["hidden"] else fmt_pct(x["share"])))
        hid = g[g["hidden"]]
        if len(hid):  # the masked modalities together (= total minus the shown ones: nothing new)
            rows.append((f"{label} — " + " ou ".join(lower(v) for v in hid["level"]) + " (ensemble)",
                         fmt_int(hid["n"].sum()), fmt_pct(hid["n"].sum() / g["base"].iloc[0])))
    mods = pd.DataFrame(rows, columns=["Modalité", "Missions Locales", "Part des ML"])
    lk = r.links
    rows = []
    for _, x in lk.iterrows():
        if x["hidden"]:
            comp, diff, ci = SUPPRESSED_MARK, SUPPRESSED_MARK, SUPPRESSED_MARK
        elif x["kind"] == "binary":
            comp = (f"{fmt_pct(x['moy_sans'])} sans / {fmt_pct(x['moy_avec'])} avec "
                    f"({int(x['n_sans'])} / {int(x['n_avec'])} ML)")
            diff, ci = fmt_pct_points(x["diff"]), fmt_ci(x["ci_low"], x["ci_high"])
        else:
            comp = f"corrélation des rangs (Spearman), {int(x['n'])} ML"
            diff, ci = fmt_num(x["rho"], 2), fmt_ci(x["ci_low"], x["ci_high"], 2, scale=1.0)
        rows.append({"Modalité": x["modalite"], "Indicateur": x["indicateur"], "Comparaison": comp,
                     "Écart ou coefficient": diff, "IC à 95 %": ci})
    blocks += [Paragraph("Les 42 Missions Locales ont décrit leur organisation du CEJ. Le tableau ci-dessous "
                         "rapproche ces modalités des résultats de chaque ML (taux d'emploi, heures d'activité)."),
               _plain(mods, title="Modalités d'organisation du CEJ dans les 42 Missions Locales", name="modalites",
                      champ=SURVEY_CHAMP, unit="Missions Locales",
                      notes=[f"Les modalités choisies par moins de {r.threshold} Missions Locales sont masquées, "
                             "avec une modalité complémentaire.", survey_source], thr=r.threshold),
               Paragraph(T.links_text(r)),
               _plain(pd.DataFrame(rows), title="Modalités d'organisation et résultats des Missions Locales",
                      champ=SURVEY_CHAMP, unit="Missions Locales", lecture=_links_lecture(r),
                      name="liens", thr=r.threshold, wrap=("Modalité", "Indicateur", "Comparaison"),
                      notes=["Unité d'analyse : la Mission Locale (42 ML, chacune comptant pour une). Écart : moyenne "
                             "des ML avec la modalité moins moyenne des ML sans (en points, IC de Welch) ; comparaison "
                             f"masquée quand un des deux groupes compte moins de {r.threshold} ML. Corrélation de "
                             "Spearman entre le rang de la modalité et l'indicateur (IC par la transformation de "
                             "Fisher). Comparaisons descriptives, non causales.", source])]
    return blocks


# ------------------------------------------------------------------ the report
def build(r, ml: str, *, horizon: int = 12, horizon_long: int = 18, exit_months=(6, 12), low_hours: float = 15,
          km_group: str = "qualification", followup: int = 24, params=None) -> Report:
    """The blocks of the regional report (``ml`` empty) or of one Mission Locale's; ``params`` (the
    report's) give the furniture: title, edition, partners, contact, survey fieldwork."""
    p = r.params
    horizon, horizon_long = int(p.get("horizon", horizon)), int(p.get("horizon_long", horizon_long))
    exit_months = [int(m) for m in p.get("exit_months", exit_months)]
    low_hours, km_group = float(p.get("low_hours", low_hours)), str(p.get("km_group", km_group))
    followup = int(p.get("followup_months", followup))
    source = SOURCE.format(date=T.date_fr(r.extraction))
    cols = [ml, REGION] if ml else [REGION]
    rep = Report()
    items = G.synthesis_items(r, ml, exit_months, low_hours)
    rep.add(G.key_figures(r, ml, exit_months, low_hours), Heading("Synthèse", 1, "synthese"),
            Paragraph(T.key_figures_text(r, ml)),
            Paragraph("**Ce qu'il faut retenir** (écarts significatifs seulement, intervalles de confiance à 95 %) :"
                      "\n\n" + "\n".join(f"- {x}" for x in items)))
    rep.add(*_entries(r, ml, cols, source), *_profile(r, ml, source),
            *_durations(r, ml, cols, source, horizon_long), *_hours(r, ml, cols, source, low_hours),
            *_allowance(r, ml, cols, source),
            *_trajectories(r, ml, cols, source, horizon, horizon_long, exit_months),
            *_typology(r, ml, cols, source, horizon), *_survival(r, ml, source, km_group, followup),
            *G.comparison_blocks(r, ml, exit_months, low_hours, source), *_missions_locales(r, ml, source))
    methods = T.methods_sections(r, horizon, horizon_long, low_hours)
    methods["variance"] += "\n\n" + presentation_rule_text()
    rep.add(*Annex.sections(methods),
            Annex("notes", glossary_markdown(["emploi_durable", "alternance", "qpv"])),
            Annex("notes", G.furniture_markdown(r, ml, params or {})))
    return rep
