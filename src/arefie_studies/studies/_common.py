"""Helpers shared by the four study modules: load a study's inputs with their codebooks, turn
labelled categoricals back into codes, and build the small printable HTML pieces every report
needs (estimate tables with disclosure control, plain tables, methods-annex texts).

Kept deliberately small: anything specific to one study lives in its own module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.tables import (
    SUPPRESSED_MARK,
    disclosure_rule_text,
    fmt_ci,
    fmt_int,
    fmt_num,
    protect_table,
)
from arefie_studies.tables import fmt_pct as _fmt_pct

__all__ = [
    "StudyData",
    "StudyInputError",
    "codes_of",
    "estimate_table_html",
    "load_study",
    "plain_table_html",
    "protected_shares",
    "weighting_annex_html",
]


class StudyInputError(ValueError):
    """A study input lacks a variable or a level the study needs (message names both)."""


@dataclass(frozen=True)
class StudyData:
    """A study's inputs (``frames``), their codebooks, the config and the project root."""

    frames: dict[str, pd.DataFrame]
    codebooks: dict[str, Any]
    config: Any
    root: Path


def load_study(slug: str, root: str | Path | None = None, *, inputs: Sequence[str] | None = None,
               validate: bool = False) -> StudyData:
    """Inputs of ``studies/<slug>.yaml`` read as the config says (identifiers pseudonymised or
    dropped, see :func:`pipeline.inputs.load_inputs`) plus each input's declared codebook.

    ``inputs`` restricts to the named inputs (a light variant reads only what it shows);
    ``validate=False`` by default because ``arefie-studies run`` validates every input once
    before any notebook starts (pass True when running a notebook by hand on new data).
    """
    from dataclasses import replace

    from arefie_studies.pipeline.config import load_config
    from arefie_studies.pipeline.inputs import declared_codebook, load_inputs
    from arefie_studies.pipeline.layout import find_root

    root = Path(root) if root is not None else find_root()
    config = load_config(root / "studies" / f"{slug}.yaml", root)
    if inputs is not None:
        unknown = [i for i in inputs if i not in config.inputs]
        if unknown:
            raise StudyInputError(
                f"{config.path}: no input named {unknown} (declared: {list(config.inputs)}).")
        config = replace(config, inputs={k: v for k, v in config.inputs.items() if k in inputs})
    frames = load_inputs(config, root, validate=validate)
    books = {name: declared_codebook(spec, root) for name, spec in config.inputs.items()}
    return StudyData(frames=frames, codebooks=books, config=config, root=root)


def codes_of(series: pd.Series, value_labels: Mapping[Any, str], *, name: str = "") -> np.ndarray:
    """Numeric codes of a labelled categorical (label -> code from the codebook's value labels).

    Missing values stay NaN. Raises :class:`StudyInputError` naming the variable and the
    unknown labels when the data hold a label the codebook does not know.
    """
    inverse = {str(lab): float(code) for code, lab in value_labels.items()}
    if not isinstance(series.dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = series.astype(object)
    unknown = sorted({str(v) for v in text.dropna().unique()} - set(inverse))
    if unknown:
        raise StudyInputError(
            f"variable {name or series.name!r}: label(s) {unknown[:5]} are not in the codebook "
            f"(known: {sorted(inverse)[:10]}). Hint: check that the data and the codebook "
            "belong to the same wave."
        )
    return text.map(inverse).to_numpy(dtype=float, na_value=np.nan)


def protected_shares(yes: np.ndarray, no: np.ndarray, threshold: int) -> np.ndarray:
    """Which shares ``yes / (yes + no)`` of a 2 × G table may be published.

    The unweighted counts of answers "yes" and "no" in each of G groups form a table whose
    margins (group bases, overall yes/no) are published; :func:`tables.protect_table` applies
    primary suppression (1 <= n < threshold) and secondary suppression so no hidden count can
    be recovered by difference. A share is hidden when either of its counts is.
    Returns a boolean array (G,) — True = hidden.
    """
    n = np.vstack([np.asarray(yes, dtype=float), np.asarray(no, dtype=float)])
    _prim, hid = protect_table(n, int(threshold))
    base_small = (n.sum(axis=0) < threshold)
    return hid[0, :-1] | hid[1, :-1] | hid[-1, :-1] | base_small


def _fmt_value(est: float, lo: float, hi: float, kind: str, digits: int) -> tuple[str, str]:
    if kind == "mean":
        return fmt_num(est, digits), fmt_ci(lo, hi, digits, scale=1.0)
    return _fmt_pct(est, digits), fmt_ci(lo, hi, digits)


def estimate_table_html(
    cells: pd.DataFrame,
    *,
    title: str,
    columns: Sequence[tuple[str, str]],
    threshold: int,
    notes: Sequence[str] = (),
    source: str = "",
    digits: int = 1,
    stub_header: str = "",
    extra_columns: Mapping[str, str] | None = None,
    stub_width: str = "34mm",
) -> str:
    """Printable table of estimates with their 95 % CI, one row per indicator.

    ``cells``: one row per indicator × column with ``row`` (indicator label), ``section``
    (optional group heading; rows are identified by section and label), ``column`` (key of ``columns``), ``estimate``, ``ci_low``,
    ``ci_high``, ``n`` (unweighted base) and ``hidden`` (bool; its values are dropped here);
    ``kind`` ('proportion' | 'mean') defaults to proportion. ``columns``: (key, header) pairs
    in display order (a header ``"A|B"`` puts B under a spanning header A). ``extra_columns``
    maps a column of ``cells`` holding preformatted text (e.g. a p-value) to its header; it is
    read from the first cell of each row. Each value cell carries ``data-n`` (its unweighted
    base) and ``data-suppressed="1"`` when hidden, for the leak scan.
    """
    cells = cells.copy()
    if "kind" not in cells.columns:
        cells["kind"] = "proportion"
    if "section" not in cells.columns:
        cells["section"] = ""
    cells["row_key"] = cells["section"].astype(str) + "\x1f" + cells["row"].astype(str)
    extra = dict(extra_columns or {})
    keys = [k for k, _ in columns]
    heads = [h for _, h in columns]
    spans: list[tuple[str, int]] = []
    for h in heads:
        top = h.split("|", 1)[0] if "|" in h else ""
        if spans and spans[-1][0] == top and top:
            spans[-1] = (top, spans[-1][1] + 1)
        else:
            spans.append((top, 1))
    two_rows = any(top for top, _ in spans)
    head1 = [f'<th rowspan="{2 if two_rows else 1}" class="stub">{escape(stub_header)}</th>']
    pos = 0
    for top, k in spans:
        if top:
            head1.append(f'<th colspan="{k}">{escape(top)}</th>')
        else:
            head1.append(f'<th rowspan="{2 if two_rows else 1}">{escape(heads[pos])}</th>')
        pos += k
    head1 += [f'<th rowspan="{2 if two_rows else 1}">{escape(h)}</th>' for h in extra.values()]
    head2 = [f"<th>{escape(h.split('|', 1)[1])}</th>" for h in heads if "|" in h]
    body: list[str] = []
    n_cols = len(keys) + len(extra) + 1
    current = None
    index = cells.set_index(["row_key", "column"])
    for rkey in dict.fromkeys(cells["row_key"]):
        rcells = cells[cells["row_key"] == rkey]
        row = rcells["row"].iloc[0]
        section = str(rcells["section"].iloc[0] or "")
        if section and section != current:
            body.append(f'<tr class="question"><th colspan="{n_cols}">{escape(section)}</th></tr>')
            current = section
        tds = []
        for key in keys:
            if (rkey, key) not in index.index:
                tds.append("<td>–</td>")
                continue
            c = index.loc[(rkey, key)]
            n = int(c["n"]) if np.isfinite(c["n"]) else 0
            if bool(c["hidden"]):
                tds.append(f'<td class="suppressed" data-n="{n}" data-suppressed="1">'
                           f"{SUPPRESSED_MARK}</td>")
                continue
            est, ci = _fmt_value(c["estimate"], c["ci_low"], c["ci_high"], c["kind"], digits)
            mark = c.get("mark", "")
            mark = mark if isinstance(mark, str) else ""
            mark_html = f'\u202f<span class="mark">{escape(mark)}</span>' if mark else ""
            tds.append(f'<td data-n="{n}">{est}{mark_html}<span class="ci">{ci}</span></td>')
        for col in extra:
            tds.append(f'<td class="test">{escape(str(rcells[col].iloc[0]))}</td>')
        body.append(f'<tr><th scope="row" style="min-width:{stub_width}">{escape(str(row))}</th>'
                    f'{"".join(tds)}</tr>')
    classes = "arefie-table wide" if len(keys) + len(extra) > 6 else "arefie-table"
    if len(body) <= 30:
        classes += " fits-page"
    note_lines = [*notes, disclosure_rule_text(threshold), source]
    notes_html = "".join(f"<p>{escape(t)}</p>" for t in note_lines if t)
    return (
        f'<div class="{classes}" data-threshold="{threshold}"><div class="table-title">'
        f"{escape(title)}</div><table><thead><tr>{''.join(head1)}</tr>"
        + (f"<tr>{''.join(head2)}</tr>" if head2 else "")
        + f"</thead><tbody>{''.join(body)}</tbody></table>"
        f'<div class="table-notes">{notes_html}</div></div>'
    )


def plain_table_html(frame: pd.DataFrame, *, title: str, notes: Sequence[str] = (),
                     align_right: Sequence[str] = (), wrap: Sequence[str] = ()) -> str:
    """A numbered report table from a frame of already formatted French text (no counts);
    columns in ``wrap`` may break over several lines (others never do)."""
    right = set(align_right)
    wrapped = set(wrap)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        tds = []
        for col, v in zip(frame.columns, rec, strict=True):
            style = "text-align:right" if col in right else "text-align:left"
            if col in wrapped:
                style += ";white-space:normal"
            style = f' style="{style}"'
            tds.append(f"<td{style}>{escape(str(v))}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    cls = "arefie-table wide" if frame.shape[1] > 6 else "arefie-table"
    if len(rows) <= 30:
        cls += " fits-page"
    notes_html = "".join(f"<p>{escape(t)}</p>" for t in notes if t)
    return (f'<div class="{cls}"><div class="table-title">{escape(title)}</div><table><thead><tr>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<div class="table-notes">{notes_html}</div></div>')


def weighting_annex_html(diagnostics: Any, *, title: str, labels: Mapping[str, str] | None = None,
                         level_labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Two tables from :meth:`SurveyDesign.weighting_diagnostics`: the weights' summary (min,
    median, max, ratio to the input weights, Kish effective size and design effect) and every
    margin's target vs reached total. ``labels`` names margins in French."""
    s = diagnostics.summary.iloc[0]
    labels = dict(labels or {})
    summary = pd.DataFrame({
        "Indicateur": ["Répondants", "Total des poids (population de référence)", "Poids minimal",
                       "Poids médian", "Poids maximal", "Rapport max / min",
                       "Taille effective d’échantillon (Kish)", "Effet de plan dû à la pondération"],
        "Valeur": [fmt_int(s["n_positive"]), fmt_int(s["total"]), fmt_num(s["min"], 2),
                   fmt_num(s["median"], 2), fmt_num(s["max"], 2), fmt_num(s["max_min_ratio"], 1),
                   fmt_int(s["n_eff"]), fmt_num(s["deff_w"], 2)],
    })
    m = diagnostics.margins
    level_labels = level_labels or {}
    first = ~m["margin"].duplicated().to_numpy()
    margins = pd.DataFrame({
        "Marge": [labels.get(x, x) if f else "" for x, f in zip(m["margin"], first, strict=True)],
        "Modalité": [level_labels.get(mg, {}).get(lv, lv) for mg, lv in zip(m["margin"], m["level"],
                                                                             strict=True)],
        "Effectif cible": [fmt_int(v) for v in m["target"]],
        "Effectif atteint": [fmt_int(v) for v in m["reached"]],
        "Écart relatif": [("< 0,01\u202f%" if abs(v) < 1e-4 else fmt_num(100 * v, 2) + "\u202f%")
                          if np.isfinite(v) else "–" for v in m["rel_diff"]],
    })
    return (plain_table_html(summary, title=f"{title} : distribution des poids",
                             align_right=["Valeur"])
            + plain_table_html(margins, title=f"{title} : marges de calage, cible et atteint",
                               align_right=["Effectif cible", "Effectif atteint", "Écart relatif"]))
