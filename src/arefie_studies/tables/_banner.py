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
from ._suppress import SUPPRESSED_MARK, disclosure_rule_text, protect_table

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

    def reading_notes(self) -> list[str]:
        """The reading guide and the marks' meaning (French), before the rule and source."""
        from ._format import fmt_pct

        level = fmt_pct(self.conf_level, 0)
        alpha = fmt_pct(self.alpha, 0)
        marks = (
            f"{MARK_UP} / {MARK_DOWN}{NNBSP}: valeur significativement supérieure / inférieure "
            "à celle du reste de la population (test de Wald tenant compte du plan de sondage, "
            f"seuil {alpha})."
        )
        if len(self.tests) and np.isfinite(self.tests["p_value"].to_numpy(float)).any():
            marks += (
                f" Test d’indépendance{NNBSP}: Rao–Scott (statistique F), p-valeur sous "
                "chaque croisement."
            )
        out = [
            f"Entre crochets{NNBSP}: intervalle de confiance à {level}. n{NNBSP}: effectif de "
            f"répondants (non pondéré){NNBSP}; N{NNBSP}: effectif pondéré.",
        ]
        if (self.cells["mark"] != "").any() or self.cells["p_value"].notna().any():
            out.append(marks)
        return out

    @property
    def has_hidden(self) -> bool:
        """A cell or a total of the banner is hidden."""
        return bool(self.cells["suppressed"].any() or self.totals["suppressed"].any())

    def notes_text(self) -> list[str]:
        """Notes under the table (French): reading guide, marks, test, the disclosure rule
        (when a value is hidden), the table's notes, source."""
        out = self.reading_notes()
        if self.has_hidden:
            out.append(self.rule_text())
        out += list(self.notes)
        if self.source:
            out.append(self.source)
        return out

    # -- export -----------------------------------------------------------------------------
    def to_html(self, *, split: bool | None = None, max_columns: int = 8, digits: int = 1) -> str:
        """Static, printable HTML (one ``<div class="arefie-table">`` per part).

        ``split=None`` splits into one table per breakdown when the full banner would have
        more than ``max_columns`` value columns (so each part fits an A4 page); ``digits``
        decimals for percentages and means.
        """
        from ._html import banner_html

        return banner_html(self, split=split, max_columns=max_columns, digits=digits)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        hidden = int(self.cells["suppressed"].sum())
        return (
            f"BannerTable({self.title!r}: {len(self.questions)} question(s) × "
            f"{len(self.breakdowns)} breakdown(s), threshold {self.threshold}, "
            f"{hidden} hidden cell(s))"
        )

    def __str__(self) -> str:
        """The table itself, as text (``print(banner)`` in a terminal): one row per question
        and level, one column per group, « s » where a cell is hidden; then the notes."""
        from ._format import fmt_ci, fmt_num, fmt_pct

        hidden = int(self.cells["suppressed"].sum())
        head = (f"{self.title or 'Tableau'} — {len(self.questions)} question(s) × "
                f"{len(self.breakdowns)} croisement(s), seuil {self.threshold}, "
                f"{hidden} case(s) masquée(s)")
        c = self.cells
        pct = c["kind"].astype(str).ne("mean")

        def text(row) -> str:
            if row["suppressed"]:
                return SUPPRESSED_MARK
            fmt = fmt_pct if row["_pct"] else fmt_num
            return f"{fmt(row['estimate'])} {fmt_ci(row['ci_low'], row['ci_high'])}{row['mark']}"

        shown = c.assign(_pct=pct.to_numpy())
        shown = shown.assign(value=shown.apply(text, axis=1),
                             column=[f"{lab} – {g}" if b else str(g) for b, lab, g in
                                     zip(shown["breakdown"], shown["breakdown_label"], shown["group"],
                                         strict=True)])
        wide = shown.pivot_table(index=["question_label", "level"], columns="column", values="value",
                                 aggfunc="first", sort=False)
        wide.index.names = ["", ""]
        wide.columns.name = None
        body = wide.fillna("").to_string(max_colwidth=32)
        return "\n".join([head, body, *self.notes_text()])

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
def _first_seen(codes: np.ndarray) -> np.ndarray:
    """Unique values of ``codes`` in order of first appearance."""
    _, first = np.unique(codes, return_index=True)
    return codes[np.sort(first)]


def _suppress_cells(cells: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag primary and secondary suppression per question × breakdown (see ``_suppress``).

    Level totals (the whole-population column) are protected once per question so every
    breakdown hides the same ones; each question × breakdown table is then protected with
    those margins already hidden. Tables without a small cell or margin are skipped. A group
    total hidden in one question is then hidden in every question of its breakdown (repeated
    passes until stable), see :func:`banner`.
    """
    q_codes, _ = pd.factorize(cells["question"], sort=False)
    b_codes, b_uni = pd.factorize(cells["breakdown"], sort=False)
    l_codes, _ = pd.factorize(cells["level"], sort=False)
    g_codes, g_uni = pd.factorize(cells["group"], sort=False)
    g_uni = np.asarray(g_uni, dtype=object)
    n_all = cells["n"].to_numpy(dtype=float)
    is_mean = (cells["kind"] == "mean").to_numpy()
    ens_code = int(np.flatnonzero(b_uni == "")[0]) if (b_uni == "").any() else -1
    suppressed = np.zeros(len(cells), dtype=bool)
    primary = np.zeros(len(cells), dtype=bool)
    # Group totals (respondents of the question in the group): sum over levels, or the mean's n.
    key = ["question", "breakdown", "group"]
    agg = cells.assign(_n=n_all, _N=cells["N"].to_numpy(float)).groupby(key, sort=False)
    totals = agg.agg(n=("_n", "sum"), N=("_N", "sum"), n1=("_n", "first"), N1=("_N", "first"))
    totals = totals.join(agg["kind"].first())
    mean_rows = (totals["kind"] == "mean").to_numpy()
    totals["n"] = np.where(mean_rows, totals["n1"], totals["n"])
    totals["N"] = np.where(mean_rows, totals["N1"], totals["N"])
    totals = totals.drop(columns=["n1", "N1", "kind"])
    totals["suppressed"] = False
    order = np.lexsort((b_codes, q_codes))
    bounds = np.flatnonzero(np.diff(q_codes[order])) + 1

    def protect(
        forced: dict[str, set[str]], forced_levels: dict[str, set[int]]
    ) -> dict[tuple[str, str, str], bool]:
        """One pass over the tables; ``forced``: groups whose totals are hidden in every
        question of their breakdown; ``forced_levels``: level totals (positions, -1 = the
        question's grand total) hidden by some breakdown's protection, hence in all of them."""
        hidden_totals: dict[tuple[str, str, str], bool] = {}
        for q_rows in np.split(order, bounds):
            question = cells["question"].iat[q_rows[0]]
            mean = bool(is_mean[q_rows[0]])
            levels = np.array([0]) if mean else _first_seen(l_codes[q_rows])
            lpos = np.full(l_codes.max() + 1, -1)
            lpos[levels] = np.arange(len(levels))

            def lvl(rows: np.ndarray, mean: bool = mean, lpos: np.ndarray = lpos) -> np.ndarray:
                return np.zeros(len(rows), dtype=int) if mean else lpos[l_codes[rows]]

            ens_rows = q_rows[b_codes[q_rows] == ens_code]
            n_levels = np.zeros(len(levels))
            if len(ens_rows):
                n_levels[lvl(ens_rows)] = n_all[ens_rows]
            else:  # no whole-population cells: margins are the sums over the first breakdown
                first = q_rows[b_codes[q_rows] == b_codes[q_rows[0]]]
                np.add.at(n_levels, lvl(first), n_all[first])
            extra = forced_levels.get(question, set())
            if mean:
                level_hidden = (n_levels > 0) & (n_levels < threshold)
                all_hidden = bool(level_hidden[0]) or bool(extra)
                level_hidden |= all_hidden
            elif ((n_levels > 0) & (n_levels < threshold)).any() or extra:
                # the whole-population column is a levels × 1 table with its grand total; level
                # totals hidden by a breakdown's protection (``extra``) are protected here too
                pre_lv = np.zeros((len(levels) + 1, 2), dtype=bool)
                pre_lv[[i for i in extra if i >= 0], :] = True
                pre_lv[-1, :] = -1 in extra
                _, hid_lv = protect_table(n_levels[:, None], threshold, pre_hidden=pre_lv)
                level_hidden = hid_lv[:-1, 0] | hid_lv[:-1, 1]
                all_hidden = bool(hid_lv[-1, 0] or hid_lv[-1, 1])
            else:
                level_hidden, all_hidden = np.zeros(len(levels), dtype=bool), False
            if len(ens_rows):
                suppressed[ens_rows] = level_hidden[lvl(ens_rows)] | all_hidden
                primary[ens_rows] = (n_all[ens_rows] > 0) & (n_all[ens_rows] < threshold)
            hidden_totals[(question, "", TOTAL)] = all_hidden
            b_rows_all = q_rows[b_codes[q_rows] != ens_code]
            if not len(b_rows_all):
                continue
            bb = b_codes[b_rows_all]
            for rows in np.split(b_rows_all, np.flatnonzero(np.diff(bb)) + 1):
                breakdown = cells["breakdown"].iat[rows[0]]
                groups = _first_seen(g_codes[rows])
                gpos = np.full(g_codes.max() + 1, -1)
                gpos[groups] = np.arange(len(groups))
                r = lvl(rows)
                c = gpos[g_codes[rows]]
                n = np.zeros((len(levels), len(groups)))
                n[r, c] = n_all[rows]
                col_tot = n.sum(axis=0)
                small = ((n > 0) & (n < threshold)).any() or (
                    (col_tot > 0) & (col_tot < threshold)
                ).any()
                must = np.isin(g_uni[groups], list(forced.get(breakdown, ())))
                if not small and not level_hidden.any() and not all_hidden and not must.any():
                    continue
                pre = np.zeros((len(levels) + 1, len(groups) + 1), dtype=bool)
                pre[:-1, -1] = level_hidden
                # A level whose total is hidden is hidden in every group: the breakdowns share the
                # level totals, and whole hidden rows keep them free jointly (a hidden total could
                # otherwise be pinned down by combining two breakdowns' different patterns).
                pre[:-1, :-1][level_hidden] = True
                pre[-1, -1] = all_hidden
                pre[-1, :-1] |= must  # hidden in another question of this breakdown
                if all_hidden:
                    pre[:] = True
                prim, hid = protect_table(n, threshold, pre_hidden=pre)
                if mean:  # one row of means: the group totals are the cells themselves
                    hid[-1, :-1] |= hid[0, :-1]
                    hid[0, :-1] |= hid[-1, :-1]
                suppressed[rows] = hid[r, c]
                primary[rows] = prim[r, c]
                # margins shared with the other breakdowns (level totals, grand total) that
                # this table's protection hid: hidden everywhere on the next pass
                new_levels = {int(i) for i in np.flatnonzero(hid[:-1, -1] & ~level_hidden)}
                if hid[-1, -1] and not all_hidden:
                    new_levels.add(-1)
                if new_levels:
                    found_levels.setdefault(question, set()).update(new_levels)
                group_names = cells["group"].to_numpy()[rows]
                for g_name, j in zip(group_names, c, strict=True):
                    if hid[-1, j]:
                        hidden_totals[(question, breakdown, g_name)] = True
        return hidden_totals

    # Group totals hidden in one question are hidden in every question of the same breakdown
    # (the same respondents usually answer them all: a total published in one question would
    # reveal the one hidden in another). Passes repeat until the hidden groups are stable
    # (the sets only grow, so this ends; usually one or two passes).
    forced: dict[str, set[str]] = {}
    forced_levels: dict[str, set[int]] = {}
    found_levels: dict[str, set[int]] = {}
    while True:
        suppressed[:] = False
        primary[:] = False
        found_levels.clear()
        hidden_totals = protect(forced, forced_levels)
        found: dict[str, set[str]] = {}
        for (_q, b, g), hidden in hidden_totals.items():
            if hidden and b != "":
                found.setdefault(b, set()).add(g)
        if all(gs <= forced.get(b, set()) for b, gs in found.items()) and all(
            ls <= forced_levels.get(q, set()) for q, ls in found_levels.items()
        ):
            break
        forced_levels = {
            q: forced_levels.get(q, set()) | found_levels.get(q, set())
            for q in {*forced_levels, *found_levels}
        }
        forced = {b: forced.get(b, set()) | found.get(b, set()) for b in {*forced, *found}}
    if hidden_totals:
        flags = [hidden_totals.get(k, False) for k in totals.index]
        totals["suppressed"] = np.asarray(flags, dtype=bool)
    totals = totals.reset_index()
    # whole-population totals come first within each question, as in the tables
    cells = cells.copy()
    cells["suppressed"] = suppressed
    cells["primary"] = primary
    hidden_t = totals["suppressed"].to_numpy()
    totals["n"] = pd.array(np.round(totals["n"].to_numpy()).astype("int64"), dtype="Int64")
    totals["n"] = totals["n"].where(~hidden_t)
    totals["N"] = totals["N"].where(~hidden_t)
    return cells, totals[["question", "breakdown", "group", "n", "N", "suppressed"]]


# --------------------------------------------------------------------------- from a design
def _crossed_breakdowns(design: Any, breakdowns: Sequence[Any], labels: dict[str, str]
                        ) -> tuple[Any, list[str]]:
    """Breakdown names, with each crossing (a tuple or list of variables) made one column of a
    derived design (``design.update(**{"departement × sexe": cross(...)})``) labelled
    « Département × Sexe »; groups « Nord · Femme »."""
    from arefie_studies.survey import cross, cross_label, cross_name

    from ._engine import check_variables

    names: list[str] = []
    derived: dict[str, Any] = {}
    for b in breakdowns:
        if isinstance(b, str):
            names.append(b)
            continue
        if not isinstance(b, (tuple, list)) or not b or not all(isinstance(v, str) for v in b):
            raise BannerError(
                f"breakdowns: {b!r} is neither a variable name nor a list of variable names to "
                "cross; write banner(d, ['q1'], ['sexe', ('departement', 'sexe')]).")
        if len(b) == 1:
            names.append(b[0])
            continue
        check_variables(design, list(b), "breakdowns")
        name = cross_name(b)
        derived[name] = cross(design.data, list(b))
        labels.setdefault(name, cross_label(b, labels))
        names.append(name)
    if derived:
        if not hasattr(design, "update"):
            raise BannerError(
                f"breakdowns: crossing {list(derived)} needs a design with update(**columns) "
                "(arefie_studies.survey.SurveyDesign or ReplicateDesign).")
        design = design.update(**derived)
    return design, names


def banner(
    design: Any,
    questions: Sequence[str],
    breakdowns: Sequence[str | Sequence[str]],
    *,
    threshold: int = 11,
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
    title: str = "",
    source: str = "",
    tests: bool = True,
    notes: Sequence[str] = (),
    as_categorical: Sequence[str] = (),
) -> BannerTable:
    """Banner table of ``questions`` (rows) by ``breakdowns`` (columns) from a survey design.

    Each cell: weighted % (categorical question) or mean (numeric) with its CI, unweighted
    n, weighted N, and a mark when the group differs from the rest of the population
    (design-based Wald test of the difference, from ``design.banner_cells`` — one pass per
    table). Under each breakdown: the Rao–Scott test of independence
    (``design.chisq(question, breakdown)``, mirrors ``survey::svychisq(statistic="F")``).
    Cells under ``threshold`` respondents are hidden, with secondary suppression.

    Categorical questions (pandas categoricals with their French labels, text, booleans) give
    one row per answer; numeric questions give a mean, unless listed in ``as_categorical``
    (numeric answer codes). Labels come from the design's variable labels (``design.labels``:
    the codebook's labels of an SPSS file read by ``io.read_data``), then ``labels``; answers
    and groups show the value labels the data hold (categoricals).

    A breakdown given as a tuple or list of variables is their crossing:
    ``banner(d, ["qpv"], ["sexe", ("departement", "sexe")])`` adds the column group
    « Département × Sexe » with groups « Nord · Femme », … (only combinations present), whose
    cells equal ``design.proportion(q, by=["departement", "sexe"])``; disclosure control
    treats it as any other breakdown (see :func:`arefie_studies.survey.cross`).

    Designs: every linearised design of the survey engine — stratified, clustered,
    multistage, calibrated (``poststratify``, ``rake``, ``calibrate``) and subsets
    (``design.subset(mask)``: the cells are domain estimates). Cells come from
    ``design.banner_cells``, means and their group-vs-rest test from
    ``design.mean_vs_rest``, tests from ``design.chisq`` (or its batched form on one-stage
    uncalibrated designs); they equal ``design.proportion(q, by=b)``,
    ``design.mean(q, by=b)`` and ``design.chisq(q, b)``.

    Disclosure control — what is guaranteed, for the published values of *this* banner:

    - every cell, group total and level total with 1 to ``threshold - 1`` respondents is
      hidden (primary suppression);
    - within one question × breakdown table, with its published margins (group totals, level
      totals of the whole-population column, grand total), no hidden value can be recovered
      by difference (secondary suppression: no hidden cell is a bridge);
    - level totals are hidden alike in every breakdown of a question, so two breakdowns'
      tables cannot be combined to pin a hidden level total;
    - a group's total (its respondents) hidden in one question is hidden in every question of
      the banner for that breakdown (with the cells needed to protect it), so a group total
      published in another question, the same number when the same people answered, cannot
      reveal it; passes repeat until the set of hidden groups per breakdown is stable.

    What is *not* guaranteed (keep these in mind when choosing what to publish together):

    - cells of different questions are protected independently: a question that is a recode
      of another (e.g. grouped categories of a detailed one) or a sum of others can reveal a
      hidden cell by difference — do not publish both, or publish the detailed one at a
      coarser breakdown;
    - groups of different breakdowns are not coordinated (crossing two breakdowns' published
      cells can narrow a hidden one, e.g. a group of one breakdown nested in a group of the
      other); nor are different banners, other tables or texts of the report, or previous
      releases;
    - the whole-population total of a question (all its respondents) and its level totals
      are coordinated across the breakdowns of the question, not across questions;
    - weighted values (N, estimates) of published cells are shown: with very unequal weights
      they may narrow a hidden count (the rule is on unweighted respondents).
    """
    from ._engine import design_cells, design_labels, design_tests

    if isinstance(questions, str) or isinstance(breakdowns, str):
        raise BannerError(
            "questions / breakdowns: expected lists of variable names, got a string; "
            "write banner(d, ['q1'], ['sexe'])."
        )
    all_labels = design_labels(design)
    all_labels.update(labels or {})
    design, breakdowns = _crossed_breakdowns(design, list(breakdowns), all_labels)
    cells = design_cells(
        design, list(questions), list(breakdowns), as_categorical=list(as_categorical)
    )
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
