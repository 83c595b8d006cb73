"""Printable pieces of the parcours résidentiel report: compact estimate tables (with the
disclosure markers the leak scan reads), odds-ratio table, typology tables, and the French
sentences generated from the numbers.

Nothing here estimates: inputs are BannerTables and tidy frames from
:mod:`arefie_studies.studies.parcours_residentiel` and :mod:`._parcours_typology`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd

from arefie_studies.tables import (
    NNBSP,
    SUPPRESSED_MARK,
    BannerTable,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
)

__all__ = ["compact_html", "odds_ratio_html", "outcomes_html", "plain_html", "share_text"]


def _classes(n_cols: int, n_rows: int) -> str:
    cls = "arefie-table wide" if n_cols > 6 else "arefie-table"
    return cls + (" fits-page" if n_rows <= 30 else "")


def _notes_html(notes: Sequence[str]) -> str:
    return '<div class="table-notes">' + "".join(f"<p>{escape(t)}</p>" for t in notes if t) + "</div>"


def _cell(est: float, lo: float, hi: float, n, hidden: bool, mark: str = "",
          kind: str = "proportion") -> str:
    if hidden:
        return f'<td class="suppressed" data-suppressed="1">{SUPPRESSED_MARK}</td>'
    n_attr = int(n) if n is not None and np.isfinite(float(n)) else 0
    # data-n: the unweighted count read by the leak scan; an empty cell (0 %) identifies nobody
    data_n = f' data-n="{n_attr}"' if n_attr > 0 else ""
    if kind == "mean":
        value, ci = fmt_num(est, 1), fmt_ci(lo, hi, 1, scale=1.0)
    else:
        value, ci = fmt_pct(est, 1), fmt_ci(lo, hi, 1)
    mark_html = f'{NNBSP}<span class="mark">{escape(mark)}</span>' if mark else ""
    return f'<td{data_n}>{value}{mark_html}<span class="ci">{ci}</span></td>'


def compact_html(table: BannerTable, *, title: str, groups: Sequence[str] | None = None,
                 stub: str = "", notes: Sequence[str] = (), total_label: str = "Ensemble") -> str:
    """One row per question (yes/no questions) or per level under a question heading
    (several levels), one column per group (``groups``: the groups kept, in order; default
    all); the whole-population column first, headed ``total_label``. Cells carry ``data-n`` =
    the unweighted count of the cell and ``data-suppressed`` when hidden."""
    cells = table.cells
    all_groups = [g for g in dict.fromkeys(cells.loc[cells["breakdown"] != "", "group"])]
    keep = list(groups) if groups is not None else all_groups
    cols = [("", "Ensemble")] + [(b, g) for b, g in cells.loc[cells["breakdown"] != "",
                                                              ["breakdown", "group"]]
                                 .drop_duplicates().itertuples(index=False) if g in keep]
    cols = [cols[0], *sorted(cols[1:], key=lambda c: keep.index(c[1]))]
    by_cell = cells.set_index(["question", "level", "breakdown", "group"])
    head = [f'<th class="stub">{escape(stub)}</th>', f"<th>{escape(total_label)}</th>"]
    head += [f"<th>{escape(g)}</th>" for _, g in cols[1:]]
    rows = []
    n_total = len(cols) + 1
    for question, qc in cells.groupby("question", sort=False):
        levels = list(dict.fromkeys(qc["level"]))
        label = str(qc["question_label"].iloc[0])
        kind = qc["kind"].iloc[0]
        multi = len(levels) > 1
        if multi:
            rows.append(f'<tr class="question"><th colspan="{n_total}">{escape(label)}</th></tr>')
        for level in levels:
            tds = []
            for b, g in cols:
                key = (question, level, b, g)
                if key not in by_cell.index:
                    tds.append("<td>–</td>")
                    continue
                c = by_cell.loc[key]
                n = c["n"] if not pd.isna(c["n"]) else 0
                tds.append(_cell(c["estimate"], c["ci_low"], c["ci_high"], n,
                                 bool(c["suppressed"]), str(c["mark"] or ""), kind))
            name = level if multi else label
            rows.append(f'<tr><th scope="row">{escape(str(name))}</th>{"".join(tds)}</tr>')
    # respondents per column (of the first question): published bases
    first = cells["question"].iloc[0] if len(cells) else None
    tot = table.totals
    n_tds = []
    for b, g in cols:
        sel = tot[(tot["question"] == first) & (tot["breakdown"] == b) & (tot["group"] == g)]
        if b == "":  # all respondents with a group (the whole-population base)
            n = int(tot.loc[(tot["question"] == first) & (tot["breakdown"] != ""), "n"].sum())
            n_tds.append(f"<td>{fmt_int(n)}</td>")
        elif sel.empty or bool(sel["suppressed"].iloc[0]):
            n_tds.append(f'<td class="suppressed">{SUPPRESSED_MARK}</td>')
        else:
            n_tds.append(f"<td>{fmt_int(sel['n'].iloc[0])}</td>")
    if first is not None:
        rows.append(f'<tr class="effectifs"><th scope="row">n</th>{"".join(n_tds)}</tr>')
    note_lines = [*notes,
                  "Entre crochets : intervalle de confiance à 95 %. n : effectif de répondants "
                  "(non pondéré).",
                  "▲ / ▼ : valeur significativement supérieure / inférieure à celle du reste de "
                  "la population (test de Wald tenant compte du plan de sondage, seuil 5 %).",
                  table.rule_text(), table.source]
    return (f'<div class="{_classes(len(cols), len(rows))}" data-threshold="{table.threshold}">'
            f'<div class="table-title">{escape(title)}</div><table><thead><tr>{"".join(head)}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>{_notes_html(note_lines)}</div>')


def outcomes_html(est: pd.DataFrame, tests: pd.DataFrame, *, labels: dict[str, str],
                  groups: Sequence[str], title: str, threshold: int, source: str,
                  counts: pd.DataFrame) -> str:
    """Outcomes (rows) by housing group (columns) with the Rao–Scott test (last column).

    ``counts``: unweighted ``yes`` and ``no`` per (outcome, group); a share is hidden when
    either is below ``threshold`` (the share would reveal a small count)."""
    head = ['<th class="stub"></th>'] + [f"<th>{escape(g)}</th>" for g in groups]
    head.append("<th>Test de Rao–Scott</th>")
    idx = est.set_index(["outcome", "group"])
    cnt = counts.set_index(["outcome", "group"])
    rows = []
    for var, label in labels.items():
        tds = []
        for g in groups:
            if (var, g) not in idx.index:
                tds.append("<td>–</td>")
                continue
            r = idx.loc[(var, g)]
            yes, no = cnt.loc[(var, g), "yes"], cnt.loc[(var, g), "no"]
            hidden = 0 < min(yes, no) < threshold or (yes + no) < threshold
            tds.append(_cell(r["estimate"], r["ci_low"], r["ci_high"], min(yes, no), hidden))
        t = tests.set_index("outcome").loc[var]
        p = float(t["p_value"])
        ptxt = f"p{NNBSP}{fmt_p(p)}" if p < 0.001 else f"p{NNBSP}={NNBSP}{fmt_p(p)}"
        tds.append(f'<td class="test">F{NNBSP}={NNBSP}{fmt_num(t["statistic"], 1)}<span class="ci">'
                   f"{ptxt}</span></td>")
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{"".join(tds)}</tr>')
    n_row = "".join(f"<td>{fmt_int(counts[counts['group'] == g].iloc[0][['yes', 'no']].sum())}</td>"
                    for g in groups)
    rows.append(f'<tr class="effectifs"><th scope="row">n</th>{n_row}<td></td></tr>')
    notes = ["Part pondérée de jeunes dans chaque situation ; entre crochets : intervalle de "
             "confiance à 95 % (méthode logit, plan de sondage pris en compte).",
             "Test de Rao–Scott (statistique F, correction du second ordre) de l’indépendance "
             "entre la situation d’insertion et la situation de logement.",
             disclosure_rule_text(threshold), source]
    return (f'<div class="{_classes(len(groups) + 1, len(rows))}" data-threshold="{threshold}">'
            f'<div class="table-title">{escape(title)}</div><table><thead><tr>{"".join(head)}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>{_notes_html(notes)}</div>')


def odds_ratio_html(model: pd.DataFrame, *, title: str, outcome_label: str, source: str) -> str:
    """Odds ratios of a design-based logistic model with 95 % CIs and p-values."""
    head = "<th>Variable</th><th>Modalité</th><th>Rapport de cotes</th><th>IC à 95 %</th><th>p</th>"
    rows = []
    current = None
    for r in model.itertuples(index=False):
        var = r.term_label if r.term_label != current else ""
        current = r.term_label
        if r.reference:
            vals = "<td>1 (réf.)</td><td>–</td><td>–</td>"
        else:
            p = fmt_p(r.p_value)
            vals = (f"<td>{fmt_num(r.odds_ratio, 2)}</td><td>{fmt_ci(r.ci_low, r.ci_high, 2, scale=1.0)}"
                    f"</td><td>{p}</td>")
        rows.append(f'<tr><th scope="row">{escape(var)}</th><td style="text-align:left">'
                    f"{escape(str(r.level))}</td>{vals}</tr>")
    notes = [f"Régression logistique pondérée tenant compte du plan de sondage (variable expliquée : "
             f"{outcome_label.lower()} ; n{NNBSP}={NNBSP}{fmt_int(model.attrs.get('nobs', 0))} "
             "jeunes). Un rapport de cotes supérieur à 1 signifie une probabilité plus élevée que "
             "pour la modalité de référence, toutes choses égales par ailleurs (variables du "
             "modèle).", "Intervalles et tests de Wald sur les degrés de liberté du plan.", source]
    return (f'<div class="{_classes(5, len(rows))}"><div class="table-title">{escape(title)}</div>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"{_notes_html(notes)}</div>")


def plain_html(frame: pd.DataFrame, *, title: str, notes: Sequence[str] = (),
               right: Sequence[str] = (), counts: str | None = None, threshold: int = 0,
               wrap: Sequence[str] = ()) -> str:
    """A numbered table from already formatted French text. ``counts``: a column of integer
    unweighted counts (not shown) written as ``data-n`` on the row's cells, rows under
    ``threshold`` being shown as suppressed."""
    shown = [c for c in frame.columns if c != counts]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown)
    rows = []
    for _, rec in frame.iterrows():
        n = int(rec[counts]) if counts else None
        hidden = counts is not None and 0 < n < threshold
        tds = []
        for i, col in enumerate(shown):
            style = "text-align:right" if col in right else "text-align:left"
            if col in wrap:
                style += ";white-space:normal"
            attr = f' data-n="{n}"' if n else ""
            if hidden and i > 0:
                tds.append(f'<td class="suppressed" data-suppressed="1">{SUPPRESSED_MARK}</td>')
            else:
                tds.append(f'<td style="{style}"{attr}>{escape(str(rec[col]))}</td>')
        rows.append(f"<tr>{''.join(tds)}</tr>")
    extra = f' data-threshold="{threshold}"' if counts else ""
    return (f'<div class="{_classes(len(shown), len(rows))}"{extra}><div class="table-title">'
            f'{escape(title)}</div><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table>{_notes_html(notes)}</div>")


def share_text(est: float, lo: float, hi: float, digits: int = 0) -> str:
    """'23 % [20 ; 26]' (French, CI in brackets)."""
    return f"{fmt_pct(est, digits)} [{fmt_num(100 * lo, digits)}{NNBSP}; {fmt_num(100 * hi, digits)}]"
