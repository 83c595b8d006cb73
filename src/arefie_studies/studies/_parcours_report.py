"""The parcours résidentiel report of one variant, built only from :class:`ParcoursResults`.

Sentences, tables, charts and key figures select and format rows of the results — nothing is
estimated here. Tables go through :mod:`arefie_studies.tables` builders (hidden cells carry
nothing); every domain estimate quoted in a sentence comes with its number of respondents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.studies import _parcours_typology as T
from arefie_studies.studies import parcours_residentiel as P
from arefie_studies.studies._parcours_opening import comparison_blocks
from arefie_studies.studies._parcours_results import REGION, ParcoursResults
from arefie_studies.studies.contract import (
    Annex,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
)
from arefie_studies.studies.glossary import glossary_markdown
from arefie_studies.tables import (
    COMPACT_NOTES,
    FLAG_MARK,
    NNBSP,
    TOTAL,
    BannerTable,
    Cell,
    Row,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    plain_table,
    presentation_rule_text,
)
from arefie_studies.tables import Table as TTable

__all__ = ["build_report", "share_text"]

ANCHOR = "parcours-"
GLOSSARY_KEYS = ("precarite_residentielle", "sans_logement_stable", "rupture_accompagnement")
DEP_IN = {"Aisne": "dans l’Aisne", "Nord": "dans le Nord", "Oise": "dans l’Oise",
          "Pas-de-Calais": "dans le Pas-de-Calais", "Somme": "dans la Somme"}
GROUP_SHORT = dict(zip(P.GROUP_ORDER, ("Chez les parents", "Logement personnel",
                                        "Transition (FJT, résidence)", "Hébergement précaire"),
                       strict=True))
TERRITORY_TEXT = {"Rural (zone de revitalisation)": "en territoire rural (zone de revitalisation)",
                  "Périurbain (QPV)": "dans un quartier prioritaire périurbain (QPV)",
                  "Urbain": "en territoire urbain"}
MONOGRAPHS = (
    ("rural", "Monographie : un territoire rural (zone de revitalisation rurale)",
     "les territoires ruraux"),
    ("periurbain", "Monographie : un quartier prioritaire périurbain (QPV)",
     "les quartiers prioritaires périurbains"),
    ("urbain", "Monographie : un territoire urbain", "les territoires urbains"),
)
#: Note under a table of shares: what the brackets hold (the interval the rule is decided on).
KG_NOTE = ("Entre crochets : intervalle de confiance à 95 % de Korn et Graubard (plan de sondage "
           "pris en compte). n : effectif de répondants (non pondéré).")
HIDDEN_TEXT = "(effectif trop faible pour être publié)"
ND_TEXT = "(estimation trop imprécise pour être publiée)"


# ----------------------------------------------------------------------------- furniture
CHAMP_J = ("jeunes accompagnés par les Missions Locales des Hauts-de-France, réponses "
           "pondérées")
CHAMP_P = "professionnels des Missions Locales des Hauts-de-France ayant répondu à l’enquête"
CHAMP_T = ("jeunes accompagnés en précarité résidentielle ou ayant connu une période sans "
           "logement, Hauts-de-France")


def table_lecture(t: TTable) -> str:
    """"Lecture : …" for a table, read from its first published value (a real cell)."""
    for row in t.rows:
        for j, c in enumerate(row.cells):
            if c.kind in ("proportion", "mean") and c.estimate is not None:
                value = (fmt_pct(c.estimate, 1) if c.kind == "proportion"
                         else fmt_num(c.estimate, 1))
                ci = ("" if c.ci_low is None else
                      f" (intervalle de confiance à 95 % : "
                      f"{fmt_ci(c.ci_low, c.ci_high, 1, scale=100.0 if c.kind == 'proportion' else 1.0)})")
                head = t.columns[j].replace("|", " – ")
                return f"Lecture : « {row.label} », colonne « {head} » : {value}{ci}."
    for row in t.rows:
        shown = [(h, c) for h, c in zip(t.columns, row.cells, strict=False)
                 if c.kind == "text" and c.text]
        if len(shown) >= 2:
            (_, c0), (h1, c1) = shown[0], shown[1]
            return f"Lecture : pour « {c0.text} », {h1.lower()} : {c1.text}."
    return ""


def _of(t: TTable, name: str, champ: str = CHAMP_J) -> Table:
    """The contract block of a decided table, with its "Champ :" and "Lecture :" lines under
    it (before the source)."""
    lines = (f"Champ : {champ}.", table_lecture(t))
    notes = tuple(t.notes)
    if notes and notes[-1].startswith("Source"):
        notes = (*notes[:-1], *lines, notes[-1])
    else:
        notes = (*notes, *lines)
    return Table.of(replace(t, notes=notes), name)


def _figure_lecture(frame: pd.DataFrame, what: str, label: str = "level") -> str:
    """A "Lecture" for a chart: its first published estimate with its interval."""
    ok = frame[~frame.get("hidden", False) & (frame.get("decision", "show") != "suppress")] \
        if len(frame) else frame
    if ok.empty:
        return "aucune estimation n’est publiée pour ce graphique."
    r = ok.iloc[0]
    return (f"{fmt_pct(r['estimate'], 0)} {what} « {r[label]} » (intervalle à 95 % : "
            f"{fmt_ci(r['ci_low'], r['ci_high'], 0)}).")


def _furniture(champ: str, lecture: str) -> Paragraph:
    """The lines under a figure: "Champ :" and "Lecture :" (with a value from the results)."""
    return Paragraph(f"*Champ : {champ}. Lecture : {lecture}*")


# ----------------------------------------------------------------------------- formatting
def share_text(est: float, lo: float, hi: float, digits: int = 0) -> str:
    """'23 % [20 ; 26]' (French, CI in brackets)."""
    return f"{fmt_pct(est, digits)} [{fmt_num(100 * lo, digits)}{NNBSP}; {fmt_num(100 * hi, digits)}]"


def n_text(n: float, threshold: int) -> str:
    """'n = 1 234' — or 'moins de 11 répondants' under the threshold (a small base is not
    printed)."""
    if n is None or pd.isna(n):
        return "effectif non publié"
    if int(n) < threshold:
        return f"moins de {threshold} répondants"
    return f"n{NNBSP}={NNBSP}{fmt_int(n)}"


def _flag(row: pd.Series | Any) -> str:
    return f"{NNBSP}{FLAG_MARK}" if _decision(row) == "flag" else ""


def _decision(row: pd.Series | Any) -> str:
    try:
        return str(row["decision"])
    except (KeyError, TypeError, IndexError):
        return "show"


def _row_share(row: pd.Series | Any, ci: bool = True) -> str:
    """A share as the report quotes it (Korn–Graubard interval), « † » when the presentation
    rule flags it, a sentence instead when it is hidden or not published."""
    if row is None or bool(getattr(row, "hidden", False)):
        return HIDDEN_TEXT
    if _decision(row) == "suppress":
        return ND_TEXT
    if pd.isna(row["estimate"]):
        return HIDDEN_TEXT
    value = (share_text(row["estimate"], row["ci_low"], row["ci_high"]) if ci
             else fmt_pct(row["estimate"], 0))
    return value + _flag(row)


def _cell(table: BannerTable, question: str, level: str, group: str = "Ensemble") -> pd.Series | None:
    c = table.cells
    sel = c[(c["question"] == question) & (c["level"] == level) & (c["group"] == group)]
    return None if sel.empty else sel.iloc[0]


def _pct(cell: pd.Series | None, ci: bool = True) -> str:
    if cell is None or bool(cell["suppressed"]):
        return HIDDEN_TEXT
    if _decision(cell) == "suppress":
        return ND_TEXT
    if pd.isna(cell["estimate"]):
        return HIDDEN_TEXT
    value = (share_text(cell["estimate"], cell["ci_low"], cell["ci_high"]) if ci
             else fmt_pct(cell["estimate"], 0))
    return value + _flag(cell)


def decided_table(table: BannerTable, *, title: str, groups: Sequence[str] | None = None,
                  total_label: str = "Ensemble", notes: Sequence[str] = (),
                  tests: bool = False) -> TTable:
    """A decided banner (:func:`_parcours_results.decide`) as one row per question, one column
    per group (the layout of :func:`arefie_studies.tables.compact_table`), with the
    presentation rule rendered: « nd » for a suppressed proportion (no value, no interval),
    « † » after a flagged one; disclosure-hidden cells « s ». Intervals are Korn–Graubard.
    ``tests``: a last column with each question's Rao–Scott test (``table.tests``) on its first
    row, left blank when a cell of the question is hidden for disclosure."""
    cells = table.cells
    breakdowns = [b for b in dict.fromkeys(cells["breakdown"]) if b]
    # several breakdowns (declared under tables: in the config): two-level headers, and the
    # test column is the first breakdown's
    several = len(breakdowns) > 1
    tested = table.tests
    if several:
        tested = tested[tested["breakdown"] == breakdowns[0]]
    test_p = tested.set_index("question")["p_value"] if tests else pd.Series(dtype=float)
    if groups is not None:
        cols = [("", TOTAL)] + [(b, g) for g in groups
                                for b in dict.fromkeys(cells.loc[cells["group"] == g, "breakdown"])
                                if b]
    else:
        body = cells[cells["breakdown"] != ""]
        cols = [("", TOTAL), *dict.fromkeys(zip(body["breakdown"], body["group"], strict=True))]
    blabel = dict(zip(cells["breakdown"], cells["breakdown_label"], strict=True))
    by_cell = cells.set_index(["question", "level", "breakdown", "group"])
    rows: list[Row] = []
    for question, qc in cells.groupby("question", sort=False):
        levels = list(dict.fromkeys(qc["level"]))
        label = str(qc["question_label"].iloc[0])
        kind = str(qc["kind"].iloc[0])
        multi = len(levels) > 1
        q_hidden = bool(qc["suppressed"].any())
        for i_level, level in enumerate(levels):
            row_cells = []
            for b, g in cols:
                key = (question, level, b, g)
                if key not in by_cell.index:
                    row_cells.append(Cell(kind="empty"))
                    continue
                c = by_cell.loc[key]
                if bool(c["suppressed"]):
                    row_cells.append(Cell.hidden())
                elif c["decision"] == "suppress":
                    row_cells.append(Cell.not_shown())
                else:
                    mark = c["mark"] if isinstance(c["mark"], str) else ""
                    row_cells.append(Cell(kind=kind, estimate=_num(c["estimate"]),
                                          ci_low=_num(c["ci_low"]), ci_high=_num(c["ci_high"]),
                                          n=_int_or_none(c["n"]), mark=mark,
                                          flag=c["decision"] == "flag"))
            if tests:
                p = test_p.get(question, np.nan)
                show = i_level == 0 and not q_hidden and pd.notna(p)
                row_cells.append(Cell(kind="text", text=_p_text(float(p)), css="test") if show
                                 else Cell(kind="empty"))
            rows.append(Row(label=str(level if multi else label), cells=tuple(row_cells),
                            section=label if multi else ""))
    first = cells["question"].iloc[0]
    tot = table.totals.set_index(["question", "breakdown", "group"])
    n_cells = []
    for b, g in cols:
        key = (first, b, g)
        if key not in tot.index:
            n_cells.append(Cell(kind="empty"))
        elif bool(tot.loc[key, "suppressed"]):
            n_cells.append(Cell.hidden())
        else:
            n_cells.append(Cell(kind="text", text=fmt_int(tot.loc[key, "n"])))
    if tests:
        n_cells.append(Cell(kind="empty"))
    rows.append(Row(label="n", cells=tuple(n_cells), css="effectifs"))
    test_head = "Test de Rao–Scott" + (f" ({blabel[breakdowns[0]].lower()})" if several else "")
    heads = (total_label, *[f"{blabel[b]}|{g}" if several else g for b, g in cols[1:]],
             *((test_head,) if tests else ()))
    return TTable(title=title, columns=heads, rows=tuple(rows),
                  notes=(*notes, KG_NOTE, COMPACT_NOTES[1]), source=table.source,
                  threshold=table.threshold, stub="")


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _int_or_none(x: Any) -> int | None:
    v = _num(x)
    return int(v) if v is not None and v > 0 else None


def _base(table: BannerTable, question: str, group: str) -> float:
    """Respondents of ``group`` to ``question`` in a banner (NaN when hidden)."""
    t = table.totals
    sel = t[(t["question"] == question) & (t["group"] == group)]
    return np.nan if sel.empty or bool(sel["suppressed"].iloc[0]) else float(sel["n"].iloc[0])


def _versus(cell: pd.Series | None, rest_label: str) -> str:
    """', une part significativement plus élevée que dans {rest}' from the ▲/▼ mark."""
    if cell is None or bool(cell["suppressed"]):
        return ""
    if cell["mark"] == "▲":
        return f", une part significativement plus élevée que dans {rest_label}"
    if cell["mark"] == "▼":
        return f", une part significativement plus faible que dans {rest_label}"
    return f", sans écart significatif avec {rest_label}"


def _p_text(p: float) -> str:
    return f"p{NNBSP}{fmt_p(p)}" if p < 0.001 else f"p{NNBSP}={NNBSP}{fmt_p(p)}"


def _titled(table: BannerTable, title: str, source: str) -> BannerTable:
    return replace(table, title=title, source=source)


def _chapter(key: str, text: str) -> Heading:
    return Heading(text, 1, ANCHOR + key)


class _Ctx:
    """What every chapter reads: the results, the variant and the French sources."""

    def __init__(self, res: ParcoursResults, params: Mapping[str, Any]) -> None:
        self.res = res
        self.t = res.threshold
        self.wave = params.get("wave", res.params.get("wave", ""))
        self.code = str(params.get("departement", "") or "").strip()
        self.dep = P.departement_label(self.code) if self.code else ""
        self.source = (f"Source{NNBSP}: AREFIE, enquête Parcours résidentiel des jeunes "
                       f"{self.wave} ; données pondérées.")
        self.source_pro = (f"Source{NNBSP}: AREFIE, enquête Parcours résidentiel {self.wave} "
                           "auprès des professionnels des Missions Locales.")

    @property
    def territory(self) -> str:
        return self.dep or REGION

    @property
    def dep_in(self) -> str:
        return DEP_IN.get(self.dep, f"en {self.dep}")


# ----------------------------------------------------------------------------- report
def build_report(res: ParcoursResults, params: Mapping[str, Any]) -> Report:
    """The blocks of the regional report (``departement`` empty) or of one département's."""
    ctx = _Ctx(res, params)
    rep = Report()
    rep.add(*_opening(ctx), *_annex(ctx))
    if ctx.code:
        rep.add(*_dep_intro(ctx), *_insertion(ctx), *_professionals(ctx))
    else:
        rep.add(*_intro(ctx), *_departements(ctx), *_insertion(ctx), *_monographs(ctx),
                *_typology(ctx), *_professionals(ctx))
    return rep


def _opening(ctx: _Ctx) -> list:
    """Before the first chapter: key figures, the synthesis (significant findings only, with
    their intervals), and the survey's furniture (champ, fieldwork, coverage, authors,
    contact, how to cite)."""
    from arefie_studies.studies import _parcours_opening as O

    bullets = O.synthesis(ctx.res, ctx.code)
    variant = ctx.dep or "rapport régional"
    return [O.key_figures(ctx.res, ctx.code),
            Paragraph("**L’essentiel**\n\n" + "\n".join(f"- {b}" for b in bullets)),
            Paragraph(O.about_paragraph(ctx.res, variant, ctx.wave))]


# ----------------------------------------------------------------------------- regional
def _key_row(res: ParcoursResults, question: str) -> pd.Series:
    k = res.key_shares
    return k[k["question"] == question].iloc[0]


def _intro(ctx: _Ctx) -> list:
    from arefie_studies.charts import bar_ci

    res = ctx.res
    prec, sls, gap = (_key_row(res, q) for q in ("precarite", "sans_logement_stable",
                                                  "periode_sans_logement"))
    text = f"""En {ctx.wave}, **{fmt_int(res.n_youths)} jeunes** accompagnés par **{res.n_ml}
Missions Locales** des Hauts-de-France ont décrit leur situation de logement, leurs
déménagements et les freins rencontrés. Leurs réponses sont pondérées pour représenter les
{fmt_int(res.weighting["total"])} jeunes accompagnés par le réseau (voir l’annexe
méthodologique). **{fmt_int(res.n_pros)} professionnels** des Missions Locales ont par ailleurs
répondu à une enquête sur l’accompagnement des questions de logement.

En résumé, {_row_share(prec)} des jeunes accompagnés sont en situation de **précarité
résidentielle** (hébergés par un tiers, en hébergement d’urgence ou social, à la rue, en squat
ou dans un véhicule). En comptant aussi les jeunes logés en foyer de jeunes travailleurs ou en
résidence, {_row_share(sls)} sont **sans logement stable** (définition commune aux études de
l’observatoire, rappelée en annexe). {_row_share(gap)} ont connu au moins une période sans
logement.

Les pourcentages sont accompagnés de leur intervalle de confiance à 95 % entre crochets."""
    housing = res.housing[~res.housing["hidden"]]
    sample = res.sample
    frame = pd.DataFrame({
        "Département": [*sample["departement"], REGION],
        "Répondants": [fmt_int(v) for v in [*sample["n"], res.n_youths]],
        "Jeunes représentés": [fmt_int(v) for v in [*sample["total"], res.weighting["total"]]],
        "Professionnels": [fmt_int(v) for v in [*sample["n_pros"], res.n_pros]],
    })
    return [
        _chapter("jeunes", "Les jeunes interrogés"), Paragraph(text),
        Figure(draw=lambda: bar_ci(housing, order=[h for h in P.HOUSING if h in set(housing["level"])],
                                   title="Situation de logement actuelle", source=ctx.source,
                                   decision="decision"),
               caption="Situation de logement actuelle des jeunes accompagnés, Hauts-de-France "
                       "(intervalles à 95 %)",
               alt="Barres horizontales : part des jeunes dans chacune des six situations de logement."),
        _furniture(CHAMP_J, _figure_lecture(housing, "des jeunes accompagnés vivent dans la situation")),
        _of(plain_table(frame, title="Échantillon des jeunes et des professionnels par département",
                             align_right=list(frame.columns[1:]),
                             notes=["Jeunes représentés : somme des poids de sondage.", ctx.source]),
                 "echantillon"),
    ]


def _departements(ctx: _Ctx) -> list:
    table = ctx.res.departements
    c = table.cells
    prec = c[(c["question"] == "precarite") & (c["level"] == P.YES) & ~c["suppressed"]
             & (c["decision"] != "suppress")].copy()
    prec["level"] = prec["group"].replace({"Ensemble": REGION})
    deps = prec[prec["breakdown"] == "departement"].sort_values("estimate")
    tests = table.tests[table.tests["breakdown"] == "departement"]
    test = tests.set_index("question").loc["precarite"]
    p = float(test["p_value"])
    verdict = ("les écarts entre départements sont statistiquement significatifs" if p < 0.05 else
               "les écarts entre départements ne sont pas statistiquement significatifs : ils "
               "restent dans la marge d’incertitude de l’enquête")
    if len(deps) >= 2:
        lo, hi = deps.iloc[0], deps.iloc[-1]
        span = (f"La part des jeunes en précarité résidentielle va de {_pct(lo)} ({lo.group}, "
                f"{n_text(_base(table, 'precarite', lo.group), ctx.t)}) à {_pct(hi)} ({hi.group}, "
                f"{n_text(_base(table, 'precarite', hi.group), ctx.t)})")
    else:
        span = ("La part des jeunes en précarité résidentielle n’est pas publiée pour tous les "
                "départements (effectifs trop faibles)")
    text = f"""{span} ; {verdict} (test de Rao–Scott, {_p_text(p)}, repris dans le tableau). Le
tableau présente les quatre grandes situations de logement ; une flèche signale un département
qui se distingue significativement du reste de la région."""
    title = "Situations de logement des jeunes accompagnés, par département"
    others = [lab for b, lab in dict(zip(c["breakdown"], c["breakdown_label"], strict=True)).items()
              if b not in ("", "departement")]  # declared under tables: in the config
    if others:
        title += " et selon " + ", ".join(x[:1].lower() + x[1:] for x in others)
    return [
        _chapter("departements", "Diagnostic par département"), Paragraph(text),
        *comparison_blocks(ctx.res, ctx.source),
        Heading("Les situations de logement par département", 2, "parcours-logement-departements"),
        _of(decided_table(_titled(table, title, ctx.source), title=title, total_label=REGION,
                          tests=True), "departements"),
    ]


def _insertion(ctx: _Ctx) -> list:
    from arefie_studies.charts import comparison_bars

    res, t, terr = ctx.res, ctx.t, ctx.territory
    est = res.insertion[res.insertion["territory"] == terr]
    tests = res.insertion_tests[res.insertion_tests["territory"] == terr].set_index("outcome")
    idx = est.set_index(["outcome", "group"])
    g_par, g_prec = P.GROUP_ORDER[0], P.GROUP_ORDER[3]
    e_par, e_prec = idx.loc[("emploi", g_par)], idx.loc[("emploi", g_prec)]
    d_par, d_prec = idx.loc[("decrochage", g_par)], idx.loc[("decrochage", g_prec)]
    sig = {True: "la différence est significative", False: "la différence n’est pas significative"}
    suffix = f" {ctx.dep_in}" if ctx.dep else ""
    base = est[est["outcome"] == "emploi"].set_index("group")["n"].fillna(0)  # NaN: under t
    text = f"""La situation de logement va de pair avec la situation d’insertion. Parmi les jeunes
en hébergement précaire ({n_text(base[g_prec], t)}), {_row_share(e_prec)} sont en emploi, contre
{_row_share(e_par)} parmi ceux qui vivent chez leurs parents ({n_text(base[g_par], t)}) ;
{sig[bool(tests.loc["emploi", "p_value"] < 0.05)]} au seuil de 5 % (test de Rao–Scott,
{_p_text(tests.loc["emploi", "p_value"])}). Les ruptures d’accompagnement concernent
{_row_share(d_prec)} des jeunes en hébergement précaire, contre {_row_share(d_par)} de ceux qui
vivent chez leurs parents ({sig[bool(tests.loc["decrochage", "p_value"] < 0.05)]},
{_p_text(tests.loc["decrochage", "p_value"])})."""
    cells = est.assign(
        row=est["outcome"].map(P.OUTCOMES), column=est["group"],
        test=est["outcome"].map(lambda o: f"F{NNBSP}={NNBSP}{fmt_num(tests.loc[o, 'statistic'], 1)} ; "
                                          f"{_p_text(tests.loc[o, 'p_value'])}"))
    title = f"Situation d’insertion selon la situation de logement{suffix}"
    ttable = TTable.from_estimates(
        cells, title=title, threshold=t, source=ctx.source, presentation=True, stub_width="34mm",
        columns=[(g, f"{g}|{n_text(base.get(g, 0), t)}") for g in P.GROUP_ORDER],
        extra_columns={"test": "Test de Rao–Scott"},
        notes=["Part pondérée de jeunes dans chaque situation ; entre crochets : intervalle de "
               "confiance à 95 % (Korn et Graubard, plan de sondage pris en compte) ; n : "
               "répondants de chaque situation de logement.",
               "Test de Rao–Scott (statistique F, correction du second ordre) de l’indépendance "
               "entre la situation d’insertion et la situation de logement."])
    shown = est[~est["hidden"]].assign(level=lambda f: f["outcome"].map(P.OUTCOMES_SHORT),
                                       group=lambda f: f["group"].map(GROUP_SHORT))
    blocks = [
        _chapter("insertion", f"Logement et insertion{suffix}"),
        Heading(_insertion_finding(ctx), 2, "parcours-insertion-constat"), Paragraph(text),
        _of(ttable, f"insertion{ctx.code}"),
        Figure(draw=lambda: _two_column_legend(comparison_bars(
            shown, group="group", group_order=list(GROUP_SHORT.values()), decision="decision",
            order=list(P.OUTCOMES_SHORT.values()), source=ctx.source,
            title="Situation d’insertion selon le logement")),
            caption=f"{title} (intervalles à 95 %)",
            alt="Barres groupées : part en emploi, en formation et en rupture d’accompagnement "
                "selon la situation de logement."),
        _furniture(CHAMP_J + (f", {ctx.dep}" if ctx.dep else ""),
                   _figure_lecture(shown.assign(level=shown["group"]),
                                   "des jeunes sont en emploi parmi ceux dont le logement est")),
    ]
    if not ctx.dep:
        blocks += _model(ctx)
    return blocks


def _insertion_finding(ctx: _Ctx) -> str:
    """The insertion chapter's level-2 heading: the finding when the employment gap between
    precarious youths and youths with their parents is significant, else a neutral title."""
    from arefie_studies.studies._parcours_opening import employment_gap

    gap = employment_gap(ctx.res, ctx.territory)
    if gap is None:
        return "Emploi et situation de logement : pas d’écart significatif"
    word = "moins" if gap["prec"]["estimate"] < gap["par"]["estimate"] else "plus"
    return f"Les jeunes en hébergement précaire sont {word} souvent en emploi"


def _model(ctx: _Ctx) -> list:
    model = ctx.res.model
    prec = model[(model["term"] == "logement_groupe") & (model["level"] == P.GROUP_ORDER[3])].iloc[0]
    text = f"""### À profil égal : un modèle de l’accès à l’emploi

Les jeunes en hébergement précaire sont aussi plus souvent jeunes et peu qualifiés. Une
régression logistique tenant compte du plan de sondage isole l’effet du logement
({n_text(ctx.res.model_nobs, ctx.t)} jeunes) : à sexe, âge, qualification et type de territoire
égaux, les cotes d’être en emploi des jeunes en hébergement précaire valent
{fmt_num(prec.odds_ratio, 2)} fois celles des jeunes vivant chez leurs parents (intervalle à
95 % : {fmt_ci(prec.ci_low, prec.ci_high, 2, scale=1.0)})."""
    first = ~model["term_label"].eq(model["term_label"].shift())
    frame = pd.DataFrame({
        "Variable": np.where(first, model["term_label"], ""),
        "Modalité": model["level"].astype(str),
        "Rapport de cotes": [("1 (réf.)" if r.reference else fmt_num(r.odds_ratio, 2))
                             for r in model.itertuples()],
        "IC à 95 %": [("–" if r.reference else fmt_ci(r.ci_low, r.ci_high, 2, scale=1.0))
                      for r in model.itertuples()],
        "p": [("–" if r.reference else fmt_p(r.p_value)) for r in model.itertuples()],
    })
    ttable = plain_table(
        frame, title="Facteurs associés au fait d’être en emploi : rapports de cotes (régression "
                     "logistique pondérée)",
        align_right=["Rapport de cotes", "IC à 95 %", "p"],
        notes=[f"Régression logistique pondérée tenant compte du plan de sondage (variable "
               f"expliquée : être en emploi ; {n_text(ctx.res.model_nobs, ctx.t)} jeunes). Un "
               "rapport de cotes supérieur à 1 signifie une probabilité plus élevée que pour la "
               "modalité de référence, toutes choses égales par ailleurs (variables du modèle).",
               "Intervalles et tests de Wald sur les degrés de liberté du plan.", ctx.source])
    return [Paragraph(text), _of(ttable, "modele_emploi")]


def _two_column_legend(fig):
    """Legend of a grouped bar chart on two columns above the axes."""
    ax = fig.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2,
              handlelength=1.2, borderaxespad=0.2, frameon=False, fontsize=8)
    ax.set_title(ax.get_title(), pad=36)
    return fig


def _monographs(ctx: _Ctx) -> list:
    from arefie_studies.charts import comparison_bars

    res, t = ctx.res, ctx.t
    housing = _titled(res.mono_housing, "", ctx.source)
    barriers = _titled(res.mono_barriers, "", ctx.source)
    terr = res.territories.set_index("level")
    blocks: list = [_chapter("territoires", "Trois territoires"), Paragraph(
        "Les trois monographies suivantes comparent les jeunes d’un type de territoire — un "
        "territoire rural en zone de revitalisation, un quartier prioritaire périurbain, un "
        "territoire urbain — à l’ensemble des jeunes accompagnés de la région. Une flèche signale "
        "un écart significatif avec les jeunes des deux autres types de territoire.")]
    for key, heading, where in MONOGRAPHS:
        label = P.TERRITOIRES[key]
        s = terr.loc[label]
        par = _cell(housing, "logement_groupe", P.GROUP_ORDER[0], label)
        par_all = _cell(housing, "logement_groupe", P.GROUP_ORDER[0])
        prec = _cell(housing, "precarite", P.YES, label)
        c = barriers.cells
        bar = c[(c["group"] == label) & c["question"].isin(P.BARRIERS) & ~c["suppressed"]
                & (c["decision"] != "suppress")]
        bar = bar.sort_values("estimate")
        up = bar[bar["mark"] == "▲"]["question_label"].str.replace("Frein : ", "").tolist()
        emp = _cell(barriers, "emploi", P.YES, label)
        veh = _cell(barriers, "vehicule", P.YES, label)
        up_txt = (" Les freins plus souvent cités qu’ailleurs sont : " + ", ".join(up) + "."
                  if up else " Aucun frein n’y est cité significativement plus souvent qu’ailleurs.")
        text = f"""### {heading}

{where[0].upper() + where[1:]} regroupent {_row_share(s)} des jeunes accompagnés
({n_text(s["count"], t)} répondants). {_pct(par)} y vivent chez leurs parents (région :
{_pct(par_all, ci=False)}). La précarité résidentielle y concerne {_pct(prec)} des
jeunes{_versus(prec, "les autres territoires")}.

{_top_barrier(bar)}{up_txt} {_pct(veh)} des jeunes disposent d’un véhicule et {_pct(emp)} sont en
emploi{_versus(emp, "les autres territoires")}."""
        cells = c[c["question"].isin(P.BARRIERS) & c["group"].isin(["Ensemble", label])
                  & ~c["suppressed"]].copy()
        cells["level"] = (cells["question_label"].str.replace("Frein : ", "", regex=False)
                          .map(lambda x: x[:1].upper() + x[1:]))
        cells["group"] = cells["group"].replace({"Ensemble": REGION})
        blocks += [
            Paragraph(text),
            _of(decided_table(housing, groups=[label], total_label=REGION,
                                   title=f"{label} : situations de logement et parcours résidentiel"),
                     f"monographie_{key}_logement"),
            _of(decided_table(barriers, groups=[label], total_label=REGION,
                                   title=f"{label} : freins au logement, mobilité et insertion"),
                     f"monographie_{key}_freins"),
            Figure(draw=lambda cells=cells, label=label: comparison_bars(
                cells, group="group", group_order=[label, REGION], source=ctx.source,
                decision="decision",
                title=f"Freins au logement : {label[:1].lower() + label[1:]}"),
                caption=f"Freins au logement cités par les jeunes : {label} et ensemble de la "
                        "région (intervalles à 95 %)",
                alt=f"Barres groupées : part des jeunes citant chaque frein, {label} et région."),
            _furniture(CHAMP_J, _figure_lecture(
                cells[cells["group"] == label].assign(level=cells["level"]),
                f"des jeunes ({label}) citent le frein")),
        ]
    return blocks


def _top_barrier(bar: pd.DataFrame) -> str:
    """'Le frein au logement le plus cité est « … » (x %).' among the published barriers."""
    if bar.empty:
        return "Les freins au logement n’y sont pas publiés (effectifs trop faibles)."
    top = bar.iloc[-1]
    name = str(top["question_label"]).replace("Frein : ", "")
    return f"Le frein au logement le plus cité est « {name} » ({_pct(top)})."


def _typology(ctx: _Ctx) -> list:
    from arefie_studies.charts import category_map, cluster_map, dendrogram_plot

    res, t = ctx.res, ctx.t
    typ, shares = res.typology, res.cluster_shares
    classes, everyone = shares[~shares["is_total"]], shares[shares["is_total"]].iloc[0]
    eig = typ.mca.eigenvalues_
    n_classes = int(res.params.get("n_classes", 0) or 0)
    cut = ("le nombre de classes est choisi par le critère de FactoMineR (plus forte baisse "
           "relative de l’inertie intra-classes)" if not n_classes else
           f"le nombre de classes est fixé à {n_classes}")
    text = f"""La typologie porte sur les **{fmt_int(everyone.n)} jeunes** (soit environ
{fmt_int(everyone.total)} jeunes accompagnés après pondération, intervalle à 95 % :
{fmt_int(everyone.total_low)} à {fmt_int(everyone.total_high)}) actuellement en précarité
résidentielle ou ayant connu une période sans logement. Une analyse des correspondances
multiples pondérée résume leur parcours résidentiel ({len(T.ACTIVE)} variables actives :
logement, statut d’occupation, déménagements, ruptures, ressources, demande de logement social,
freins, satisfaction) ; les deux premiers axes portent {fmt_num(eig.iloc[0, 1], 1)} % et
{fmt_num(eig.iloc[1, 1], 1)} % de l’inertie. Une classification ascendante hiérarchique (Ward)
sur les cinq premiers axes, consolidée par les k-moyennes, regroupe ensuite les jeunes en
**{typ.k} classes** ; {cut}. Le profil (sexe, âge, qualification, territoire, situation
d’insertion) est en variable supplémentaire : il décrit les classes sans les construire."""
    rows = pd.DataFrame({
        "Classe": [T.TOTAL_NAME if r.is_total else f"{r.cluster}. {r.name}" for r in shares.itertuples()],
        "Répondants": [fmt_int(v) for v in shares["n"]],
        "Part pondérée": [fmt_pct(1.0, 0) if r.is_total else "nd" if r.decision == "suppress"
                          else share_text(r.estimate, r.kg_low, r.kg_high, 1) + _flag(r._asdict())
                          for r in shares.itertuples()],
        "Jeunes représentés": [f"{fmt_int(r.total)} [{fmt_int(r.total_low)}{NNBSP}; "
                               f"{fmt_int(r.total_high)}]" for r in shares.itertuples()],
        "_n": shares["n"].to_numpy(),
    })
    blocks: list = [
        _chapter("typologie", "Typologie des jeunes en précarité résidentielle"), Paragraph(text),
        _of(plain_table(
            rows, title="Les classes de la typologie : effectifs et poids",
            align_right=["Répondants", "Part pondérée", "Jeunes représentés"], counts="_n",
            threshold=t, wrap=["Classe"],
            notes=["Part pondérée parmi les jeunes en précarité résidentielle, avec son intervalle "
                   "de confiance à 95 % ; jeunes représentés : total pondéré estimé, avec son "
                   "intervalle à 95 %.", disclosure_rule_text(t), ctx.source]),
            "typologie_classes", CHAMP_T),
        Figure(draw=lambda: _cluster_figure(typ, cluster_map),
               caption="Les jeunes sur le premier plan factoriel, par classe",
               alt="Nuage des jeunes en précarité résidentielle sur les deux premiers axes, "
                   "coloré par classe."),
        _furniture(CHAMP_T, "chaque point est un jeune, placé selon son parcours résidentiel ; "
                   f"les {typ.k} couleurs sont les classes de la typologie ; des jeunes proches "
                   "ont des parcours semblables."),
        Figure(draw=lambda: _category_figure(typ, category_map),
               caption="Carte des modalités actives contribuant le plus aux deux premiers axes",
               alt="Modalités actives les plus contributives sur le premier plan factoriel."),
        _furniture(CHAMP_T, "une modalité éloignée du centre caractérise fortement un axe ; "
                   "des modalités proches sont souvent choisies par les mêmes jeunes."),
        Figure(draw=lambda: dendrogram_plot(typ.hcpc).figure,
               caption=f"Arbre de classification (Ward) et coupure en {typ.k} classes",
               alt="Dendrogramme de la classification ascendante hiérarchique."),
        _furniture(CHAMP_T, f"la coupure horizontale sépare les {typ.k} classes ; plus une "
                   "branche est haute, plus les groupes qu’elle réunit diffèrent."),
    ]
    desc = typ.description
    for r in classes.itertuples():
        k = int(r.cluster)
        d = desc[(desc["cluster"] == k) & (desc["v.test"] > 0)].head(8)
        traits = " ; ".join(f"{_trait(x['level'])} ({fmt_num(x['Mod/Cla'], 0)} % contre "
                            f"{fmt_num(x['Global'], 0)} % de l’ensemble)"
                            for _, x in d.head(3).iterrows() if x["n_km"] >= t)
        table = pd.DataFrame({
            "Caractéristique": [str(v) for v in d["level"]],
            "Dans la classe": [fmt_pct(v, 0, scale=1) for v in d["Mod/Cla"]],
            "Ensemble des jeunes en précarité": [fmt_pct(v, 0, scale=1) for v in d["Global"]],
            "Valeur-test": [fmt_num(v, 1) if np.isfinite(v) else "> 40" for v in d["v.test"]],
            "_n": d["n_km"].to_numpy(),
        })
        blocks += [
            Paragraph(f"""### Classe {k} : {typ.names[k]}

Cette classe regroupe {share_text(r.estimate, r.ci_low, r.ci_high)} des jeunes en précarité
résidentielle ({n_text(r.n, t)}). Ses membres se distinguent surtout par : {traits}."""),
            _of(plain_table(
                table, title=f"Classe {k} ({typ.names[k]}) : modalités sur-représentées",
                align_right=["Dans la classe", "Ensemble des jeunes en précarité", "Valeur-test"],
                counts="_n", threshold=t, wrap=["Caractéristique"],
                notes=["Parts pondérées. Valeur-test : écart entre la classe et l’ensemble, en "
                       "nombre d’écarts-types (au-delà de 2 : sur-représentation significative).",
                       disclosure_rule_text(t), ctx.source]),
                f"typologie_classe{k}", CHAMP_T),
        ]
    return blocks


def _cluster_figure(typ: T.Typology, cluster_map):
    ax = cluster_map(typ.hcpc)
    ax.set_title("Les jeunes en précarité résidentielle, par classe", loc="left")
    _rename_clusters(ax, typ.names)
    return ax.figure


def _category_figure(typ: T.Typology, category_map):
    ax = category_map(typ.mca, min_contribution=3.0, supplementary=False)
    ax.set_title("Modalités les plus contributives (premier plan)", loc="left")
    return ax.figure


def _trait(level: str) -> str:
    var, _, val = str(level).partition(" : ")
    if val in ("oui", "non"):
        return f"« {var} » : {val}"
    return f"{var[0].lower() + var[1:]} « {val} »"


def _rename_clusters(ax, names: dict[int, str]) -> None:
    """Legend (below the map) and annotations of ``cluster_map`` with the French names."""
    handles, labels = ax.get_legend_handles_labels()
    new = []
    for lab in labels:
        k = int(lab.split()[1]) if lab.startswith("Classe ") else None
        new.append(f"{k}. {names[k]}" if k in names else lab)
    if handles:
        ax.legend(handles, new, frameon=False, fontsize=8, loc="upper center",
                  bbox_to_anchor=(0.5, -0.1), ncol=1)
    for child in ax.texts:
        raw = child.get_text()
        if raw.startswith("Classe "):
            child.set_text(raw.replace("Classe ", ""))
    ax.figure.set_size_inches(7.0, 7.5)


# ----------------------------------------------------------------------------- professionals
def _professionals(ctx: _Ctx) -> list:
    from arefie_studies.charts import likert_bars

    res, t = ctx.res, ctx.t
    regional = not ctx.dep
    table = _titled(res.professionals if regional else res.pro_tables[ctx.code], "", ctx.source_pro)
    c = table.cells
    ease = _cell(table, "a_l_aise", P.YES)
    ease_dep = None if regional else _cell(table, "a_l_aise", P.YES, ctx.dep)
    needs = c[(c["group"] == "Ensemble") & c["question"].isin(P.NEEDS)].sort_values("estimate")
    top = needs.iloc[-1]
    know = c[(c["group"] == "Ensemble") & c["question"].str.startswith("bien_")].sort_values("estimate")
    low = know.iloc[0]
    tests = table.tests.set_index("question")
    p = float(tests.loc["a_l_aise", "p_value"]) if "a_l_aise" in tests.index else np.nan
    diff = ("varie significativement" if p < 0.05 else "ne varie pas significativement")
    where = "selon le département" if regional else "entre le département et le reste de la région"
    n_dep = 0 if regional else int(res.sample.set_index("departement").loc[ctx.dep, "n_pros"])
    ease_txt = (f"{_pct(ease)} des professionnels de la région" if regional else
                f"{_pct(ease_dep)} des professionnels du département (région : {_pct(ease, ci=False)})")
    who = "" if regional else f" {ctx.dep_in} ({fmt_int(res.n_pros)} dans la région)"
    n_who = res.n_pros if regional else n_dep
    count = fmt_int(n_who) if n_who >= t else f"Moins de {t}"
    text = f"""{count} professionnels
(conseillers, référents logement, chargés d’accueil, encadrement) ont répondu{who}. {ease_txt}
se disent à l’aise pour accompagner les questions de logement ; cette aisance {diff} {where}
(test de Rao–Scott, {_p_text(p) if np.isfinite(p) else "non calculable"}). Dans la région, le
besoin le plus exprimé est « {str(top["question_label"]).replace("Besoin : ", "")} »
({_pct(top)}). Le dispositif le moins bien connu est
{str(low["question_label"]).split(" : ", 1)[1]} ({_pct(low)} le connaissent assez ou très
bien)."""
    groups = None if regional else [ctx.dep, "Reste de la région"]
    blocks: list = [
        _chapter("professionnels", "Les professionnels des Missions Locales face aux questions de logement"),
        Heading(f"L’aisance des professionnels avec les questions de logement {diff} {where}",
                2, "parcours-professionnels-constat"),
        Paragraph(text),
        _of(decided_table(
            table, groups=groups, total_label=REGION,
            title="Aisance, connaissance des dispositifs et besoins des professionnels"
                  + (", par département" if regional else ""),
            notes=["Réponses non pondérées (chaque professionnel compte pour un) ; intervalles de "
                   "confiance tenant compte du regroupement des professionnels par Mission "
                   "Locale."]), f"professionnels{ctx.code}", CHAMP_P),
    ]
    if regional and not res.knowledge["hidden"].any() \
            and not (res.knowledge["decision"] == "suppress").any():
        kn = res.knowledge
        blocks.append(Figure(
            draw=lambda: likert_bars(kn, levels=["Pas du tout", "Un peu", "Assez bien", "Très bien"],
                                     title="Connaissance des dispositifs logement",
                                     source=ctx.source_pro),
            caption="Connaissance des dispositifs d’aide au logement par les professionnels des ML",
            alt="Barres empilées : niveau de connaissance de six dispositifs d’aide au logement."))
        kn0 = kn[kn["level"] == "Très bien"].iloc[0]
        blocks.append(_furniture(CHAMP_P, f"{fmt_pct(kn0['estimate'], 0)} des professionnels "
                                 f"connaissent très bien « {kn0['question']} » (intervalle à 95 % : "
                                 f"{fmt_ci(kn0['ci_low'], kn0['ci_high'], 0)})."))
    elif regional:
        blocks.append(Paragraph("La répartition détaillée de la connaissance des dispositifs "
                                "n’est pas représentée : certaines réponses comptent trop peu "
                                "de professionnels pour être publiées."))
    return blocks


# ----------------------------------------------------------------------------- département
def _dep_intro(ctx: _Ctx) -> list:
    from arefie_studies.charts import comparison_bars

    res, t, dep = ctx.res, ctx.t, ctx.dep
    table = _titled(res.dep_tables[ctx.code], "", ctx.source)
    n = int(res.sample.set_index("departement").loc[dep, "n"])
    prec, prec_all = _cell(table, "precarite", P.YES, dep), _cell(table, "precarite", P.YES)
    sls = _cell(table, "sans_logement_stable", P.YES, dep)
    emp = _cell(table, "emploi", P.YES, dep)
    terr = res.dep_territories[(res.dep_territories["code"] == ctx.code)]
    terr_txt = ", ".join(
        f"{fmt_pct(r.estimate, 0)} {TERRITORY_TEXT.get(str(r.level), str(r.level))}"
        for r in terr.itertuples() if not r.hidden)

    text = f"""En {ctx.wave}, **{fmt_int(n)} jeunes** accompagnés par les Missions Locales du
département ont répondu à l’enquête, sur {fmt_int(res.n_youths)} dans la région ; ils vivent pour
{terr_txt}. Les résultats, pondérés, sont présentés à côté de ceux de l’ensemble des
Hauts-de-France ; le rapport régional présente les monographies territoriales et la typologie
des jeunes en précarité résidentielle.

{ctx.dep_in[0].upper() + ctx.dep_in[1:]}, {_pct(prec)} des jeunes sont en précarité résidentielle
({n_text(_base(table, "precarite", dep), t)} ; région : {_pct(prec_all, ci=False)}){_versus(prec, "le reste de la région")}.
{_pct(sls)} sont sans logement stable. {_pct(emp)} sont en emploi{_versus(emp, "le reste de la région")}."""
    c = table.cells
    cells = c[(c["question"] == "logement_groupe") & c["group"].isin(["Ensemble", dep])
              & ~c["suppressed"]].copy()
    cells["group"] = cells["group"].replace({"Ensemble": REGION})
    from arefie_studies.studies._parcours_opening import place_of

    return [
        _chapter("jeunes", f"{dep} : les jeunes interrogés"), Paragraph(text),
        Paragraph(place_of(res, ctx.code)),
        _of(decided_table(table, groups=[dep, "Reste de la région"], total_label=REGION,
                               title=f"{dep} : logement, freins et insertion des jeunes"),
                 f"departement{ctx.code}"),
        Figure(draw=lambda: comparison_bars(cells, group="group", group_order=[dep, REGION],
                                            decision="decision",
                                            order=list(P.GROUP_ORDER), source=ctx.source,
                                            title="Situation de logement"),
               caption=f"Situation de logement des jeunes : {dep} et Hauts-de-France "
                       "(intervalles à 95 %)",
               alt=f"Barres groupées : situation de logement des jeunes, {dep} et région."),
        _furniture(f"{CHAMP_J}, {dep} et ensemble de la région",
                   _figure_lecture(cells[cells["group"] == dep],
                                   f"des jeunes {ctx.dep_in} vivent dans la situation")),
    ]


# ----------------------------------------------------------------------------- annex
def _annex(ctx: _Ctx) -> list:
    res, t = ctx.res, ctx.t
    w = res.weighting
    sample = f"""L’enquête auprès des jeunes ({fmt_int(res.n_youths)} répondants, {res.n_ml}
Missions Locales) est stratifiée par département (allocation fixe : les petits départements sont
sur-représentés, le Nord sous-représenté) ; les jeunes sont rencontrés dans leur Mission Locale,
qui constitue l’unité primaire de sondage. {fmt_int(res.n_pros)} professionnels de toutes les
Missions Locales ont répondu à l’enquête auprès des professionnels (réponses non pondérées)."""
    weighting = f"""Le poids de chaque jeune est l’inverse de sa probabilité d’inclusion dans son
département, post-stratifié sur le sexe ; la somme des poids vaut {fmt_int(w["total"])} jeunes
accompagnés. Les poids vont de {fmt_num(w["min"], 1)} à {fmt_num(w["max"], 1)} ; la taille
d’échantillon effective (Kish) est de {fmt_int(w["n_eff"])} répondants, soit un effet de plan dû
à la pondération de {fmt_num(w["deff_w"], 2)}."""
    variance = f"""Les intervalles de confiance à 95 % sont calculés par linéarisation (Taylor),
en tenant compte de la stratification par département et du tirage des jeunes par Mission
Locale ; les intervalles des proportions sont ceux de Korn et Graubard sur les degrés de liberté
du domaine (nombre de Missions Locales moins nombre de départements du domaine : {res.design_df}
pour la région, beaucoup moins pour un département), comme `svyciprop(method = "beta")` du
paquet R *survey* (Lumley, 2010). Pour chaque estimation d’un domaine, l’effectif,
l’écart-type, les degrés de liberté et l’intervalle sont conservés avec les résultats. Les tests
d’indépendance sont des tests de Rao–Scott (statistique F, correction du second ordre ; Rao et
Scott, 1984). Les flèches ▲ / ▼ signalent un groupe significativement différent du reste de la
population (test de Wald au seuil de 5 %). Le modèle d’accès à l’emploi est une régression
logistique pondérée (`svyglm`) dont les écarts-types tiennent compte du plan.

""" + presentation_rule_text() + """ Dans les départements qui comptent peu de Missions Locales
(Aisne, Somme : 4 ; Oise : 6), toutes les proportions reposent sur moins de 8 degrés de liberté
et sont donc signalées « † »."""
    disclosure = f"""{disclosure_rule_text(t)} Lorsqu’une situation de logement est masquée pour
un groupe, la précarité résidentielle et l’absence de logement stable le sont aussi pour ce
groupe (elles la révéleraient par différence). Aucune donnée individuelle ni aucun identifiant
n’est publié ; les professionnels ne sont jamais présentés par Mission Locale."""
    notes = glossary_markdown(GLOSSARY_KEYS)
    if not ctx.dep:
        notes += """

**Typologie.** Analyse des correspondances multiples (ACM) pondérée par les poids de sondage
ramenés à une moyenne de 1, puis classification ascendante hiérarchique de Ward sur les cinq
premiers axes et consolidation par les k-moyennes, selon la méthode HCPC (Husson, Josse et
Pagès, 2010 ; Lê, Josse et Husson, 2008, *FactoMineR*). Les classes sont décrites par les
modalités sur-représentées (valeur-test supérieure à 2 ; Lebart, Morineau et Piron, 1995) et
nommées d’après les situations de logement qui y dominent.

**Références.** Lumley T. (2010), *Complex Surveys: A Guide to Analysis Using R*, Wiley. — Rao
J.N.K., Scott A.J. (1984), « On chi-squared tests for multiway contingency tables with cell
proportions estimated from survey data », *Annals of Statistics*, 12(1). — Husson F., Josse J.,
Pagès J. (2010), *Principal component methods — hierarchical clustering — partitional
clustering*, Agrocampus. — Lebart L., Morineau A., Piron M. (1995), *Statistique exploratoire
multidimensionnelle*, Dunod. — FEANTSA, *ETHOS : typologie européenne de l’exclusion liée au
logement*."""
    return [Annex("sample", sample), Annex("weighting", weighting), Annex("variance", variance),
            Annex("disclosure", disclosure), Annex("notes", notes)]
