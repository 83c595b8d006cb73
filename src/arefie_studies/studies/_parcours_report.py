"""Printable pieces of the parcours résidentiel report: outcomes and odds-ratio tables,
typology tables, and the French sentences generated from the numbers.  The compact banner
table is :func:`arefie_studies.tables.compact_html` (re-exported here).

Nothing here estimates: inputs are BannerTables and tidy frames from
:mod:`arefie_studies.studies.parcours_residentiel` and :mod:`._parcours_typology`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd

from arefie_studies.tables import (
    NNBSP,
    compact_html,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_p,
    fmt_pct,
    plain_table_html,
    table_classes,
    value_cell_html,
)

__all__ = ["compact_html", "odds_ratio_html", "outcomes_html", "plain_html", "share_text"]


def _classes(n_cols: int, n_rows: int) -> str:
    return table_classes(n_cols, n_rows)


def _notes_html(notes: Sequence[str]) -> str:
    return '<div class="table-notes">' + "".join(f"<p>{escape(t)}</p>" for t in notes if t) + "</div>"


def _cell(est: float, lo: float, hi: float, n, hidden: bool, mark: str = "",
          kind: str = "proportion") -> str:
    return value_cell_html(est, lo, hi, n=n, hidden=hidden, mark=mark, kind=kind)


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
    """A numbered table from already formatted French text, with optional hidden counts
    (:func:`arefie_studies.tables.plain_table_html`)."""
    return plain_table_html(frame, title=title, notes=notes, align_right=right, wrap=wrap,
                            counts=counts, threshold=threshold)


def share_text(est: float, lo: float, hi: float, digits: int = 0) -> str:
    """'23 % [20 ; 26]' (French, CI in brackets)."""
    return f"{fmt_pct(est, digits)} [{fmt_num(100 * lo, digits)}{NNBSP}; {fmt_num(100 * hi, digits)}]"
