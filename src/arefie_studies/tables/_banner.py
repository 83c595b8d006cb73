"""Banner tables: questions × breakdowns, weighted estimates with CIs, marks, disclosure control.

The estimates come from the survey engine (``SurveyDesign.banner_cells``, one pass per table);
this module adds labels, significance marks and suppression, and holds the result in a
:class:`BannerTable` that renders to HTML and XLSX. Hidden cells never keep their values: the
table object cannot leak what it does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._format import NNBSP, fmt_int
from ._suppress import disclosure_rule_text, protect_table

__all__ = [
    "CELL_COLUMNS",
    "TOTAL",
    "BannerError",
    "BannerTable",
    "banner",
    "source_note",
]

TOTAL = "Ensemble"  # label of the whole-population column
MARK_UP, MARK_DOWN = "▲", "▼"

#: Columns of the cells frame a BannerTable is built from (``level`` empty for means,
#: ``breakdown`` empty for the whole-population column).
CELL_COLUMNS = (
    "question",
    "kind",
    "level",
    "breakdown",
    "group",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "N",
    "diff",
    "diff_se",
    "p_value",
)
_VALUE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "N", "diff", "diff_se", "p_value")


class BannerError(ValueError):
    """Bad input to a banner table (missing column, unknown variable, bad threshold...)."""


def source_note(
    study: str = "",
    wave: str | int = "",
    *,
    n: int | None = None,
    weighting: str = "",
    producer: str = "AREFIE",
) -> str:
    """French source line: ``Source : AREFIE, Étude santé jeunes 2024 (n = 2 612) ; ...``."""
    parts = [producer]
    what = " ".join(str(x) for x in (study, wave) if str(x))
    if what:
        parts.append(what)
    text = "Source" + NNBSP + ": " + ", ".join(parts)
    if n is not None:
        text += f" (n{NNBSP}={NNBSP}{fmt_int(n)} répondants)"
    if weighting:
        text += f" ; données pondérées ({weighting})"
    return text + "."


# --------------------------------------------------------------------------- the table object
@dataclass(frozen=True)
class BannerTable:
    """A published banner table: tidy ``cells`` (hidden values already removed) and metadata.

    ``cells`` columns: question, question_label, kind ('proportion' | 'mean'), level,
    breakdown, breakdown_label, group, estimate, se, ci_low, ci_high, n, N, diff, diff_se,
    p_value, mark ('▲', '▼' or ''), suppressed (bool), primary (bool).
    ``totals``: per question × breakdown × group the respondents (n, N) and whether hidden.
    ``tests``: per question × breakdown the Rao–Scott test of independence
    (statistic, df, p_value) — the whole-table test shown under each breakdown.
    """

    cells: pd.DataFrame
    totals: pd.DataFrame
    tests: pd.DataFrame
    threshold: int = 11
    alpha: float = 0.05
    conf_level: float = 0.95
    title: str = ""
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_cells(
        cls,
        cells: pd.DataFrame,
        *,
        threshold: int = 11,
        alpha: float = 0.05,
        conf_level: float = 0.95,
        tests: pd.DataFrame | None = None,
        labels: Mapping[str, str] | None = None,
        title: str = "",
        source: str = "",
        notes: Sequence[str] = (),
    ) -> BannerTable:
        """Apply labels, significance marks and disclosure control to estimated cells.

        ``cells`` has :data:`CELL_COLUMNS` (proportions in [0, 1]); rows with an empty
        ``breakdown`` are the whole-population column. ``labels`` maps variable names to
        their French labels (defaults to the names).
        """
        _check_cells(cells)
        if not isinstance(threshold, (int, np.integer)) or threshold < 1:
            raise BannerError(
                f"threshold: expected a positive integer number of respondents, got {threshold!r}."
            )
        if not 0 < alpha < 1:
            raise BannerError(f"alpha: expected a level in (0, 1), got {alpha!r}.")
        labels = dict(labels or {})
        cells = cells.loc[:, list(CELL_COLUMNS)].copy()
        for col in ("question", "level", "breakdown", "group"):
            cells[col] = cells[col].fillna("").astype(str)
        cells["n"] = cells["n"].astype("int64")
        cells, totals = _suppress_cells(cells, int(threshold))
        published = ~cells["suppressed"].to_numpy()
        sig = (
            published
            & (cells["breakdown"].to_numpy() != "")
            & (cells["p_value"].to_numpy(dtype=float) < alpha)
        )
        diff = cells["diff"].to_numpy(dtype=float)
        cells["mark"] = np.where(
            sig & (diff > 0), MARK_UP, np.where(sig & (diff < 0), MARK_DOWN, "")
        )
        hidden = cells["suppressed"].to_numpy()
        for col in _VALUE_COLUMNS:
            cells[col] = cells[col].astype(float).where(~hidden)
        cells["n"] = cells["n"].astype("Int64").where(~hidden)
        cells.insert(1, "question_label", cells["question"].map(lambda q: labels.get(q, q)))
        cells.insert(
            4,
            "breakdown_label",
            cells["breakdown"].map(lambda b: labels.get(b, b) if b else TOTAL),
        )
        if tests is None:
            tests = pd.DataFrame(columns=["question", "breakdown", "statistic", "df", "p_value"])
        return cls(
            cells=cells.reset_index(drop=True),
            totals=totals,
            tests=tests.reset_index(drop=True),
            threshold=int(threshold),
            alpha=float(alpha),
            conf_level=float(conf_level),
            title=title,
            source=source,
            notes=tuple(notes),
        )

    def with_title(self, title: str) -> BannerTable:
        """A copy with another title."""
        return replace(self, title=title)

    # -- accessors --------------------------------------------------------------------------
    @property
    def questions(self) -> list[str]:
        return list(dict.fromkeys(self.cells["question"]))

    @property
    def breakdowns(self) -> list[str]:
        return [b for b in dict.fromkeys(self.cells["breakdown"]) if b]

    def rule_text(self) -> str:
        """The disclosure rule printed under the table."""
        return disclosure_rule_text(self.threshold)

    def notes_text(self) -> list[str]:
        """Notes under the table (French): reading guide, marks, test, rule, source."""
        from ._format import fmt_pct

        level = fmt_pct(self.conf_level, 0)
        alpha = fmt_pct(self.alpha, 0)
        out = [
            f"Entre crochets : intervalle de confiance à {level}. n : effectif de répondants "
            "(non pondéré) ; N : effectif pondéré.",
            f"{MARK_UP} / {MARK_DOWN} : valeur significativement supérieure / inférieure à celle "
            f"du reste de la population (test de Wald tenant compte du plan de sondage, seuil "
            f"{alpha}). Test d’indépendance : Rao–Scott (statistique F).",
            self.rule_text(),
            *self.notes,
        ]
        if self.source:
            out.append(self.source)
        return out

    # -- export -----------------------------------------------------------------------------
    def to_html(self, *, split: bool | None = None, max_columns: int = 8) -> str:
        """Static, printable HTML (one ``<div class="arefie-table">`` per part).

        ``split=None`` splits into one table per breakdown when the full banner would have
        more than ``max_columns`` value columns (so each part fits an A4 page).
        """
        from ._html import banner_html

        return banner_html(self, split=split, max_columns=max_columns)

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_xlsx(self, path: str | Path, *, sheet_name: str | None = None) -> Path:
        """Write the table to an XLSX workbook (one sheet; numbers stored as numbers)."""
        from ._xlsx import write_xlsx

        return write_xlsx({sheet_name or self.title or "Tableau 1": self}, path)


def _check_cells(cells: pd.DataFrame) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise BannerError(f"cells: expected a pandas DataFrame, got {type(cells).__name__}.")
    missing = [c for c in CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise BannerError(
            f"cells: missing column(s) {missing}; available: {list(cells.columns)}. "
            "Build the cells with SurveyDesign.banner_cells or give every column of CELL_COLUMNS."
        )
    bad_kind = sorted(set(cells["kind"].dropna()) - {"proportion", "mean"})
    if bad_kind:
        raise BannerError(
            f"cells['kind']: unknown value(s) {bad_kind}; expected 'proportion' or 'mean'."
        )
    n = pd.to_numeric(cells["n"], errors="coerce")
    bad = np.flatnonzero(n.isna().to_numpy() | (n.to_numpy() < 0))
    if bad.size:
        raise BannerError(
            f"cells['n']: unweighted counts must be non-negative integers; bad rows "
            f"{bad[:10].tolist()}."
        )


# --------------------------------------------------------------------------- suppression
def _suppress_cells(cells: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag primary and secondary suppression per question × breakdown (see ``_suppress``)."""
    suppressed = np.zeros(len(cells), dtype=bool)
    primary = np.zeros(len(cells), dtype=bool)
    total_rows: list[dict[str, Any]] = []
    for question, qcells in cells.groupby("question", sort=False):
        kind = qcells["kind"].iloc[0]
        ens = qcells[qcells["breakdown"] == ""]
        if kind == "mean":
            levels = [""]
        else:
            levels = list(dict.fromkeys(qcells["level"]))
        level_pos = {lv: i for i, lv in enumerate(levels)}
        # Whole-population column: the level totals shared by every breakdown of the banner.
        n_levels = np.zeros(len(levels))
        if len(ens):
            n_levels[[level_pos[lv] for lv in ens["level"]]] = ens["n"].to_numpy()
        else:  # no whole-population cells given: margins are the sums over the groups
            first = qcells[qcells["breakdown"] == qcells["breakdown"].iloc[0]]
            np.add.at(n_levels, [level_pos[lv] for lv in first["level"]], first["n"].to_numpy())
        if kind == "mean":
            level_hidden = n_levels < threshold
            all_hidden = bool(level_hidden[0])
        else:
            _prim_lv, hid_lv = protect_table(n_levels[:, None], threshold)
            level_hidden = hid_lv[:-1, 0]
            all_hidden = bool(hid_lv[-1, 0])
        if len(ens):
            idx = ens.index.to_numpy()
            pos = np.array([level_pos[lv] for lv in ens["level"]])
            suppressed[idx] = level_hidden[pos] | all_hidden
            primary[idx] = (ens["n"].to_numpy() > 0) & (ens["n"].to_numpy() < threshold)
        for breakdown, bcells in qcells[qcells["breakdown"] != ""].groupby("breakdown", sort=False):
            groups = list(dict.fromkeys(bcells["group"]))
            gpos = {g: j for j, g in enumerate(groups)}
            r = np.array([level_pos[lv] for lv in bcells["level"]])
            c = np.array([gpos[g] for g in bcells["group"]])
            n = np.zeros((len(levels), len(groups)))
            n[r, c] = bcells["n"].to_numpy()
            pre = np.zeros((len(levels) + 1, len(groups) + 1), dtype=bool)
            pre[:-1, -1] = level_hidden
            pre[-1, -1] = all_hidden
            if all_hidden:
                pre[:] = True
            if kind == "mean":
                # One row of means: the group totals are the cells themselves.
                prim, hid = protect_table(n, threshold, pre_hidden=pre)
                hid[-1, :-1] |= hid[0, :-1]
                hid[0, :-1] |= hid[-1, :-1]
            else:
                prim, hid = protect_table(n, threshold, pre_hidden=pre)
            idx = bcells.index.to_numpy()
            suppressed[idx] = hid[r, c]
            primary[idx] = prim[r, c]
            n_group = bcells.groupby("group", sort=False)["n"].sum()
            N_group = bcells.groupby("group", sort=False)["N"].sum()
            if kind == "mean":
                n_group = bcells.groupby("group", sort=False)["n"].first()
                N_group = bcells.groupby("group", sort=False)["N"].first()
            for g, j in gpos.items():
                total_rows.append(
                    {
                        "question": question,
                        "breakdown": breakdown,
                        "group": g,
                        "n": int(n_group[g]),
                        "N": float(N_group[g]),
                        "suppressed": bool(hid[-1, j]),
                    }
                )
        n_all = int(ens["n"].sum()) if kind != "mean" else int(ens["n"].iloc[0]) if len(ens) else 0
        N_all = (
            float(ens["N"].sum())
            if kind != "mean"
            else float(ens["N"].iloc[0])
            if len(ens)
            else 0.0
        )
        total_rows.append(
            {
                "question": question,
                "breakdown": "",
                "group": TOTAL,
                "n": n_all,
                "N": N_all,
                "suppressed": all_hidden,
            }
        )
    cells = cells.copy()
    cells["suppressed"] = suppressed
    cells["primary"] = primary
    totals = pd.DataFrame(
        total_rows, columns=["question", "breakdown", "group", "n", "N", "suppressed"]
    )
    hidden_t = totals["suppressed"].to_numpy()
    totals["n"] = totals["n"].astype("Int64").where(~hidden_t)
    totals["N"] = totals["N"].where(~hidden_t)
    return cells, totals


# --------------------------------------------------------------------------- from a design
def banner(
    design: Any,
    questions: Sequence[str],
    breakdowns: Sequence[str],
    *,
    threshold: int = 11,
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
    title: str = "",
    source: str = "",
    tests: bool = True,
    notes: Sequence[str] = (),
) -> BannerTable:
    """Banner table of ``questions`` (rows) by ``breakdowns`` (columns) from a survey design.

    Each cell: weighted % (categorical question) or mean (numeric) with its CI, unweighted
    n, weighted N, and a mark when the group differs from the rest of the population
    (design-based Wald test of the difference, from ``design.banner_cells`` — one pass per
    table). Under each breakdown: the Rao–Scott test of independence
    (``design.chisq(question, breakdown)``, mirrors ``survey::svychisq(statistic="F")``).
    Cells under ``threshold`` respondents are hidden, with secondary suppression.
    """
    from ._engine import design_cells, design_labels, design_tests

    if isinstance(questions, str) or isinstance(breakdowns, str):
        raise BannerError(
            "questions / breakdowns: expected lists of variable names, got a string; "
            "write banner(d, ['q1'], ['sexe'])."
        )
    cells = design_cells(design, list(questions), list(breakdowns))
    all_labels = design_labels(design)
    all_labels.update(labels or {})
    test_frame = design_tests(design, cells, list(breakdowns)) if tests else None
    return BannerTable.from_cells(
        cells,
        threshold=threshold,
        alpha=alpha,
        tests=test_frame,
        labels=all_labels,
        title=title,
        source=source,
        notes=notes,
    )
