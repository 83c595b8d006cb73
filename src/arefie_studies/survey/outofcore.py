"""`OutOfCoreDesign`: a linearised survey design whose data stay in Parquet or DuckDB.

Mirrors: survey::svydesign(dbtype="DuckDB", dbname=, data=) — R's database-backed design,
which keeps the data in the database and loads only the variables each call needs.

Only the design columns (stratum, PSU, weight) and the variables of a call are read, in record
batches of ``chunk_rows`` rows streamed by DuckDB; each batch is folded into sums per
(PSU, group, level) and dropped.  From those sums the estimates and their linearised variance
follow exactly as in :class:`SurveyDesign` (one-stage designs): for a cell (group g, level l)
with estimate ``theta = sum w y / sum w`` the PSU totals of the influence values are
``T_p = (sum_p w y - theta sum_p w) / sum w`` and

    V = sum_h  n_h / (n_h - 1) * sum_{p in h} (T_p - Tbar_h)^2

over every PSU of the full sample (absent PSUs count as zero totals, R's svyrecvar padding),
computed by the same :func:`psu_totals_vcov` as the in-memory design.  Results have the same
columns as ``SurveyDesign.mean/total/proportion`` and agree with them to rounding.

Scope: one sampling stage (strata, clusters, weights; ``nest``, every ``lonely_psu`` rule; a
first-stage ``fpc`` column: population sizes or sampling fractions, constant within strata, the
variance multiplied by ``1 - n_h / N_h`` as R's ``as.fpc``), no later stages (a multistage fpc
needs the second-stage units per PSU: not supported out of core), no calibration; ``psu`` is required (an element sample can give a row id, at the cost of
one accumulator slot per row).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ._base import RESULT_COLUMNS, _as_list, design_effect
from ._ci import CI_METHODS, proportion_ci, t_interval
from ._design import LONELY_PSU_OPTIONS
from ._ooc_scan import (
    code_column,
    fold_moments,
    fold_tables,
    make_lut,
    prefetch,
    question_lut,
    quote,
)
from ._variance import VarianceStage, psu_totals_vcov
from .errors import (
    ArgumentError,
    DesignSpecError,
    EmptyDomainError,
    FpcError,
    LonelyPSUError,
    MissingVariableError,
    NestingError,
    VariableTypeError,
    WeightsError,
)

__all__ = ["OutOfCoreDesign"]

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "BOOLEAN")


class OutOfCoreDesign:
    """A one-stage stratified cluster design read from Parquet or a DuckDB table.

    Parameters
    ----------
    source : str, Path or list of them
        Parquet file(s) (globs allowed) — or, with ``table=``, a DuckDB database file.
    weights, strata, psu : str
        Columns of the design (``strata`` optional, ``psu`` required).
    fpc : str, optional
        First-stage finite population correction: the stratum's number of PSUs in the
        population (all values >= 1) or the sampling fraction (all <= 1), as SurveyDesign.
    nest : bool
        PSU ids only unique within strata (R's ``nest=TRUE``).
    lonely_psu : str
        R's ``survey.lonely.psu`` rule, as :class:`SurveyDesign`.
    table : str, optional
        Table (or view) of the DuckDB database ``source`` (R's ``dbname=``/``data=``).
    chunk_rows : int
        Rows per streamed batch: bounds the memory of every scan.
    threads, memory_limit : DuckDB settings of the private connection.
    """

    def __init__(
        self,
        source: str | Path | Sequence[str | Path],
        weights: str,
        psu: str,
        strata: str | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        table: str | None = None,
        chunk_rows: int = 250_000,
        threads: int = 2,
        memory_limit: str = "2GB",
        labels: dict[str, str] | None = None,
        fpc: str | None = None,
    ) -> None:
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignSpecError(
                f"lonely_psu={lonely_psu!r} is not an option. Possible values are: "
                f"{', '.join(LONELY_PSU_OPTIONS)} (R's survey.lonely.psu)."
            )
        if psu is None:
            raise DesignSpecError(
                "OutOfCoreDesign needs psu= (the cluster column); for an element sample give a "
                "row-id column as psu."
            )
        self.lonely_psu = lonely_psu
        self.nest = nest
        self.chunk_rows = int(chunk_rows)
        self._labels = dict(labels or {})
        if table is not None:
            self._con = duckdb.connect(str(source), read_only=True)
            self._src = quote(table)
            where = f"table {table!r} of {source}"
        else:
            files = [str(p) for p in ([source] if isinstance(source, str | Path) else source)]
            for f in files:
                if not any(c in f for c in "*?[") and not Path(f).exists():
                    raise DesignSpecError(f"Parquet file {f} does not exist.")
            self._con = duckdb.connect(":memory:")
            self._src = "read_parquet([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "])"
            where = ", ".join(files)
        self._con.execute(f"SET threads TO {int(threads)}")
        self._con.execute(f"SET memory_limit = '{memory_limit}'")
        self._con.execute("SET preserve_insertion_order = false")
        try:
            desc = self._con.execute(f"DESCRIBE SELECT * FROM {self._src}").fetchall()
        except duckdb.Error as exc:
            raise DesignSpecError(f"Cannot read {where}: {exc}") from exc
        self._types = {row[0]: row[1] for row in desc}
        self.source = where
        for arg, col in (("weights", weights), ("psu", psu), ("strata", strata), ("fpc", fpc)):
            if col is not None:
                self._check_column(col, arg)
        self.spec = {"weights": weights, "strata": strata, "psu": psu, "nest": nest,
                     "lonely_psu": lonely_psu, "fpc": fpc}
        self._check_design_columns(weights, psu, strata)
        self._levels_cache: dict[str, list] = {}
        self._build_psu_map(psu, strata)
        if fpc is not None:
            self._apply_fpc(fpc, strata)

    # ------------------------------------------------------------------------------------------
    # construction
    def _check_column(self, col: str, argument: str) -> None:
        if col not in self._types:
            raise MissingVariableError(col, argument, list(self._types))

    def _count(self, condition: str) -> int:
        return int(self._con.execute(f"SELECT count(*) FROM {self._src} WHERE {condition}").fetchall()[0][0])

    def _check_design_columns(self, weights: str, psu: str, strata: str | None) -> None:
        wq = quote(weights)
        if self._types[weights].split("(")[0] not in _NUMERIC and not self._types[weights].startswith("DECIMAL"):
            raise WeightsError(
                f"weights column {weights!r} has type {self._types[weights]} in {self.source}; "
                "weights must be numbers."
            )
        w = f"CAST({wq} AS DOUBLE)"
        checks = [
            ("missing", f"{wq} IS NULL OR isnan({w})", " Every respondent needs a weight: impute, drop those rows, or use 0 to exclude."),
            ("infinite", f"isinf({w})", ""),
            ("negative", f"{w} < 0", " Sampling weights must be >= 0."),
        ]
        for what, cond, hint in checks:
            bad = self._count(cond)
            if bad:
                raise WeightsError(
                    f"weights column {weights!r} has {bad} {what} value(s) in {self.source}.{hint}"
                )
        for arg, col in (("psu", psu), ("strata", strata)):
            if col is not None:
                bad = self._count(f"{quote(col)} IS NULL")
                if bad:
                    raise DesignSpecError(
                        f"{arg} column {col!r} has {bad} missing value(s) in {self.source}. "
                        f"Every row needs a {'cluster id' if arg == 'psu' else 'stratum'}."
                    )
        self._w_sql = w

    def _build_psu_map(self, psu: str, strata: str | None) -> None:
        """Temp table ``__psu_map(h, p, pcode, hcode)``: PSUs numbered in (stratum, psu) order
        (the order :class:`SurveyDesign` uses), and the per-stratum PSU counts."""
        pq = quote(psu)
        hq = quote(strata) if strata else "0"
        if strata and not self.nest:
            bad = self._con.execute(
                f"SELECT {pq}, list(DISTINCT {hq}) FROM {self._src} GROUP BY {pq} "
                f"HAVING count(DISTINCT {hq}) > 1 LIMIT 5"
            ).fetchall()
            if bad:
                raise NestingError(
                    f"PSU ids repeat across strata in column {psu!r}: e.g. {bad[0][0]!r} in strata "
                    f"{', '.join(repr(x) for x in bad[0][1][:5])}. If PSU ids are only unique "
                    "within strata, use nest=True."
                )
        self._con.execute(
            f"CREATE OR REPLACE TEMP TABLE __psu_map AS "
            f"SELECT h, p, (row_number() OVER (ORDER BY h, p) - 1)::BIGINT AS pcode, "
            f"(dense_rank() OVER (ORDER BY h) - 1)::BIGINT AS hcode "
            f"FROM (SELECT DISTINCT {hq} AS h, {pq} AS p FROM {self._src})"
        )
        rows = self._con.execute("SELECT hcode, h FROM __psu_map ORDER BY pcode").fetchall()
        hcode = np.asarray([r[0] for r in rows], dtype=np.int64)
        n_h = np.bincount(hcode)
        labels = {}
        for code, lab in rows:
            labels.setdefault(code, lab)
        if len(rows) == 1 and not (self.nest and strata):
            raise DesignSpecError(
                f"The design has only one primary sampling unit (psu={psu!r}); variances cannot "
                "be estimated. Check the psu column, or give strata with nest=True."
            )
        stage = VarianceStage(
            stage=1, psu=np.empty(0, dtype=np.int64), strata=np.empty(0, dtype=np.int64),
            psu_stratum=hcode, stratum_starts=np.concatenate([[0], np.cumsum(n_h)[:-1]]),
            n_psu=n_h, f=np.ones(n_h.size), mult=np.ones(n_h.size),
            parent=np.zeros(n_h.size, dtype=np.int64), n_parent=1,
            stratum_labels=tuple(repr(labels[j]) if strata else "'(all)'" for j in range(n_h.size)),
        )
        if self.lonely_psu == "fail" and stage.lonely.any():
            bad = [stage.stratum_labels[j] for j in np.flatnonzero(stage.lonely)]
            raise LonelyPSUError(
                f"Stratum {bad[0]} has only one PSU at stage 1"
                + (f" ({len(bad)} such strata: {', '.join(map(str, bad[:5]))})" if len(bad) > 1 else "")
                + ". Its variance cannot be estimated; choose lonely_psu='adjust', 'average', "
                "'certainty' or 'remove', or merge it with a neighbouring stratum."
            )
        self._stage = stage
        self._join = (
            f"JOIN __psu_map m ON m.p = t.{pq}" + (f" AND m.h = t.{hq}" if strata else "")
        )
        self.n_rows = self._count("TRUE")

    def _apply_fpc(self, fpc: str, strata: str | None) -> None:
        """Stage-1 ``f_h = (N_h - n_h) / N_h`` from the fpc column (one SQL pass per check),
        with SurveyDesign's checks: no missing or non-positive value, not a mix of sizes and
        fractions, constant within strata, N_h >= n_h.  Mirrors survey::as.fpc."""
        if not self._is_numeric(fpc) or self._types[fpc] == "BOOLEAN":
            raise FpcError(f"fpc column {fpc!r} has type {self._types[fpc]} in {self.source}; it must be numbers.")
        v = f"CAST({quote(fpc)} AS DOUBLE)"
        bad = self._count(f"{quote(fpc)} IS NULL OR isnan({v})")
        if bad:
            raise FpcError(f"fpc column {fpc!r} has {bad} missing value(s) in {self.source}; every row needs "
                           "its stratum's population size or sampling fraction.")
        if self._count(f"{v} <= 0"):
            raise FpcError(f"fpc columns ['{fpc}'] contain values <= 0; give population sizes or sampling fractions.")
        is_popsize = bool(self._count(f"{v} > 1"))
        if is_popsize and self._count(f"{v} < 1"):
            raise FpcError(f"fpc columns ['{fpc}'] mix values below and above 1: give all as population "
                           "sizes (>= 1) or all as sampling fractions (<= 1).")
        rows = self._con.execute(
            f"SELECT m.hcode, min({v.replace('CAST(', 'CAST(t.', 1)}), max({v.replace('CAST(', 'CAST(t.', 1)}) "
            f"FROM {self._src} t {self._join} GROUP BY m.hcode ORDER BY m.hcode").fetchall()
        st = self._stage
        n_h = st.n_psu.astype(float)
        lo = np.asarray([r[1] for r in rows], dtype=float)
        hi = np.asarray([r[2] for r in rows], dtype=float)
        pop_lo, pop_hi = (lo, hi) if is_popsize else (n_h / hi, n_h / lo)
        varies = pop_hi - pop_lo > 1e-9 * np.maximum(np.abs(pop_hi), 1)
        if varies.any():
            j = int(np.flatnonzero(varies)[0])
            raise FpcError(f"fpc column {fpc!r} varies within stratum {st.stratum_labels[j]} at stage 1 "
                           f"(from {pop_lo[j]:g} to {pop_hi[j]:g}); it must be constant within strata.")
        too_small = pop_lo < n_h * (1 - 1e-12)
        if too_small.any():
            j = int(np.flatnonzero(too_small)[0])
            raise FpcError(f"fpc column {fpc!r} implies a population size ({pop_lo[j]:g}) smaller than the number "
                           f"of sampled units ({int(n_h[j])}) in stratum {st.stratum_labels[j]} at stage 1. Give "
                           "population sizes, or sampling fractions <= 1.")
        f = np.where(np.isinf(pop_lo), 1.0, (pop_lo - n_h) / pop_lo)
        self._stage = dataclasses.replace(st, f=f)

    # ------------------------------------------------------------------------------------------
    # public read-only views
    @property
    def n_psu(self) -> int:
        return int(self._stage.n_units)

    @property
    def n_strata(self) -> int:
        return int(self._stage.n_strata)

    def __repr__(self) -> str:
        return (f"OutOfCoreDesign({self.n_rows} rows in {self.source}, {self.n_strata} strata, "
                f"{self.n_psu} PSUs, lonely_psu={self.lonely_psu!r})")

    def close(self) -> None:
        """Close the private DuckDB connection."""
        self._con.close()

    # ------------------------------------------------------------------------------------------
    # scanning
    def _is_numeric(self, col: str) -> bool:
        t = self._types[col]
        return t.split("(")[0] in _NUMERIC or t.startswith("DECIMAL")

    def levels(self, col: str, argument: str = "var") -> list:
        """Sorted distinct non-missing values of ``col`` (NaN counts as missing)."""
        self._check_column(col, argument)
        if col not in self._levels_cache:
            self.prefetch_levels([col])
        return self._levels_cache[col]

    def prefetch_levels(self, cols: Sequence[str]) -> None:
        """Distinct values of several columns in ONE scan (``GROUP BY GROUPING SETS``)."""
        todo = list(dict.fromkeys(c for c in cols if c not in self._levels_cache))
        if not todo:
            return
        qs = [quote(c) for c in todo]
        flags = ", ".join(f"GROUPING({q}) AS g{i}" for i, q in enumerate(qs))
        sets = ", ".join(f"({q})" for q in qs)
        rows = self._con.execute(
            f"SELECT {', '.join(qs)}, {flags} FROM {self._src} GROUP BY GROUPING SETS ({sets})"
        ).fetchall()
        k = len(todo)
        found: list[list] = [[] for _ in todo]
        for r in rows:
            for j in range(k):
                if r[k + j] == 0:
                    v = r[j]
                    if v is not None and not (isinstance(v, float) and np.isnan(v)):
                        found[j].append(v)
                    break
        for c, vals in zip(todo, found, strict=True):
            self._levels_cache[c] = sorted(vals)

    def _batches(self, cols: list[str], nan_cols: frozenset = frozenset()):
        """Arrow record batches of (pcode, w, *cols) over all rows, ``chunk_rows`` at a time.
        ``nan_cols`` (numeric) arrive as DOUBLE with NaN for NULL: no validity mask, so numpy
        reads them without a copy."""
        sel = ", ".join((f"coalesce(CAST(t.{quote(c)} AS DOUBLE), 'NaN'::DOUBLE)" if c in nan_cols
                         else f"t.{quote(c)}") + f" AS c{i}" for i, c in enumerate(cols))
        sql = (f"SELECT m.pcode AS __p, {self._w_sql.replace('CAST(', 'CAST(t.', 1)} AS __w"
               + (f", {sel}" if sel else "") + f" FROM {self._src} t {self._join}")
        reader = self._con.sql(sql).to_arrow_reader(self.chunk_rows)
        yield from reader

    def _group_spec(self, by_cols: list[str]) -> tuple[list[list], int]:
        levels = [self.levels(b, "by") for b in by_cols]
        size = int(np.prod([len(lv) for lv in levels])) if levels else 1
        if size > 5_000_000:
            raise ArgumentError(
                f"by={by_cols} has {size} combinations of levels: too many for the out-of-core "
                "accumulators; use fewer or coarser breakdowns."
            )
        return levels, size

    @staticmethod
    def _group_codes(batch: pa.RecordBatch, first: int, by_cols: list[str], levels: list[list],
                     luts: list) -> np.ndarray:
        if not by_cols:
            return np.zeros(batch.num_rows, dtype=np.int64)
        code = np.zeros(batch.num_rows, dtype=np.int64)
        ok = np.ones(batch.num_rows, dtype=bool)
        for j, (lv, lut) in enumerate(zip(levels, luts, strict=True)):
            c = code_column(batch.column(first + j), lv, lut)
            ok &= c >= 0
            code = code * len(lv) + c
        return np.where(ok, code, -1)

    # ------------------------------------------------------------------------------------------
    # estimators
    def tables(self, questions: Sequence[str], breakdowns: Sequence[str | Sequence[str] | None],
               kind: str = "mean") -> dict[tuple[str, tuple], dict]:
        """Per (question, breakdown) the arrays of a categorical table from ONE scan of the
        data: ``theta`` (G, L), ``var`` (G, L), ``num`` (G, L), ``den`` (G,), ``n`` (G,),
        ``degf`` (G,), ``groups`` (observed group labels) and ``levels``.

        ``kind``: "mean" (proportions) or "total" (weighted counts).  Mirrors
        ``SurveyDesign`` table_stats (svyby(~factor, ~by, svymean/svytotal)).
        """
        questions = list(questions)
        bds = [_as_list(b) for b in breakdowns]
        for q in questions:
            self._check_column(q, "questions")
        for b in bds:
            for c in b:
                self._check_column(c, "by")
        self.prefetch_levels(questions + [c for b in bds for c in b])
        qlevels = [self.levels(q) for q in questions]
        for q, lv in zip(questions, qlevels, strict=True):
            if not lv:
                raise EmptyDomainError(f"No observation of {q!r} in {self.source}: missing everywhere.")
        qluts = [make_lut(lv) if self._is_numeric(q) else None for q, lv in zip(questions, qlevels, strict=True)]
        specs = [self._group_spec(b) for b in bds]
        by_flat = [c for b in bds for c in b]
        bluts = [make_lut(lv) if self._is_numeric(c) else None
                 for b, (levels, _) in zip(bds, specs, strict=True) for c, lv in zip(b, levels, strict=True)]
        gsize = np.asarray([s for _, s in specs], dtype=np.int64)
        n_levels = np.asarray([len(lv) for lv in qlevels], dtype=np.int64)
        n_q = len(questions)

        qspec = [question_lut(lv, lut) for lv, lut in zip(qlevels, qluts, strict=True)]
        width = max(t.size for _, t, _ in qspec)
        qlo = np.asarray([lo for lo, _, _ in qspec], dtype=float)
        qlut = np.full((n_q, width), -1, dtype=np.int32)
        for j, (_, t, _) in enumerate(qspec):
            qlut[j, :t.size] = t

        def coded():
            raw = frozenset(q for q, spec in zip(questions, qspec, strict=True) if spec[2])
            for batch in self._batches(questions + by_flat, raw):
                p = batch.column(0).to_numpy()
                w = batch.column(1).to_numpy(zero_copy_only=False)
                qv = []
                for j in range(n_q):
                    col = batch.column(2 + j)
                    if qspec[j][2]:
                        qv.append(col.to_numpy(zero_copy_only=False))
                    else:
                        c = code_column(col, qlevels[j], None)
                        qv.append(np.where(c >= 0, c, np.nan))
                gc = np.empty((batch.num_rows, len(bds)), dtype=np.int64)
                first, k = 2 + n_q, 0
                for j, b in enumerate(bds):
                    gc[:, j] = self._group_codes(batch, first + k, b, specs[j][0],
                                                 bluts[k:k + len(b)])
                    k += len(b)
                yield p, w, gc, qv

        acc_w, acc_n = fold_tables(prefetch(coded()), self.n_psu, gsize, n_levels, qlo, qlut)
        out = {}
        off = 0
        for j, b in enumerate(bds):
            g = int(gsize[j])
            blk_w = acc_w[off:off + self.n_psu * g].reshape(self.n_psu, g, n_q, -1)
            blk_n = acc_n[off:off + self.n_psu * g].reshape(self.n_psu, g, n_q)
            off += self.n_psu * g
            for i, q in enumerate(questions):
                nl = int(n_levels[i])
                out[(q, tuple(b))] = self._table(
                    q, b, specs[j][0], qlevels[i], blk_w[:, :, i, :nl], blk_n[:, :, i], kind)
        return out

    def _groups_table(self, by_cols: list[str], levels: list[list], observed: np.ndarray) -> dict:
        codes = np.flatnonzero(observed)
        table = {}
        rem = codes.copy()
        parts = []
        for lv in reversed(levels):
            parts.append(rem % len(lv))
            rem = rem // len(lv)
        parts.reverse()
        for b, lv, part in zip(by_cols, levels, parts, strict=True):
            table[b] = np.asarray([lv[i] for i in part], dtype=object)
        return table

    def _table(self, var: str, by_cols: list[str], blevels: list[list], levels: list,
               ta: np.ndarray, c_pg: np.ndarray, kind: str) -> dict:
        st = self._stage
        observed = c_pg.sum(axis=0) > 0
        if not observed.any():
            raise EmptyDomainError(
                f"No observation of {var!r}"
                + (f" with a non-missing {', '.join(map(repr, by_cols))}" if by_cols else "")
                + f" in {self.source}."
            )
        ta, c_pg = ta[:, observed], c_pg[:, observed]
        tb = ta.sum(axis=2)
        num = ta.sum(axis=0)
        den = tb.sum(axis=0)
        present = c_pg > 0
        strat_present = np.add.reduceat(present, st.stratum_starts, axis=0) > 0
        degf = (present.sum(axis=0) - strat_present.sum(axis=0)).astype(float)
        if kind == "total":
            theta = num
            totals = ta
        else:
            theta = num / den[:, None]
            totals = (ta - theta[None] * tb[:, :, None]) / den[None, :, None]
        n_g, n_l = theta.shape
        pres = None
        if self.lonely_psu == "average":
            pres = np.repeat(strat_present, n_l, axis=1)
        var = psu_totals_vcov(totals.reshape(st.n_units, n_g * n_l), st, self.lonely_psu, pres,
                              diag_only=True).reshape(n_g, n_l)
        return {"theta": theta, "var": var, "num": num, "den": den, "n": c_pg.sum(axis=0),
                "degf": degf, "groups": self._groups_table(by_cols, blevels, observed),
                "levels": list(levels)}

    def _frame(self, variable: str, groups: dict, res: dict, levels: list | None) -> pd.DataFrame:
        reps = len(levels) if levels else 1
        n_groups = len(next(iter(groups.values()))) if groups else 1
        data: dict = {"variable": np.full(n_groups * reps, variable, dtype=object)}
        if variable in self._labels:
            data["label"] = np.full(n_groups * reps, self._labels[variable], dtype=object)
        for col, vals in groups.items():
            data[col] = np.repeat(vals, reps) if reps > 1 else vals
        if levels:
            data["level"] = np.tile(np.asarray(levels, dtype=object), n_groups)
        for col in RESULT_COLUMNS:
            data[col] = res[col]
        return pd.DataFrame(data, copy=False)

    def _table_result(self, r: dict, kind: str, ci_method: str | None, conf_level: float,
                      df: float | None) -> dict:
        n_lev = r["theta"].shape[1]
        est = r["theta"].ravel()
        v = r["var"].ravel()
        se = np.sqrt(np.maximum(v, 0))
        n = np.repeat(r["n"], n_lev)
        dfs = np.repeat(r["degf"], n_lev) if df is None else np.full(est.size, float(df))
        big_n = np.repeat(r["den"], n_lev)
        num = r["num"].ravel()
        if ci_method is None:
            lo, hi = t_interval(est, se, dfs, conf_level)
        else:
            lo, hi = proportion_ci(ci_method, est, se, dfs, n, conf_level)
        return {"estimate": est, "se": se, "ci_low": lo, "ci_high": hi, "df": dfs, "n": n,
                "deff": design_effect(kind, v, num, num, big_n, n)}

    def proportion(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   ci_method: str = "logit", conf_level: float = 0.95,
                   df: float | None = None) -> pd.DataFrame:
        """Proportion of each level of ``var`` (by group): ``SurveyDesign.proportion`` out of
        core (one scan for all variables).  ``ci_method`` as there, except 'likelihood'
        (needs the rows).  Mirrors: survey::svymean on a factor + svyciprop, svyby."""
        if ci_method not in CI_METHODS or ci_method == "likelihood":
            raise ArgumentError(
                f"ci_method={ci_method!r} is not available out of core. Possible values are: "
                f"{', '.join(m for m in CI_METHODS if m != 'likelihood')}."
            )
        variables = _as_list(var)
        tabs = self.tables(variables, [by])
        frames = []
        for v in variables:
            r = tabs[(v, tuple(_as_list(by)))]
            res = self._table_result(r, "mean", ci_method, conf_level, df)
            frames.append(self._frame(v, r["groups"], res, r["levels"]))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def banner(self, questions: Sequence[str], breakdowns: Sequence[str], *,
               ci_method: str = "logit", conf_level: float = 0.95) -> pd.DataFrame:
        """Every proportion table ``questions x breakdowns`` from ONE scan of the data: a tidy
        frame with ``question, breakdown, group, level`` and the estimate columns (the same
        numbers as ``SurveyDesign.proportion(q, by=b)`` for each pair)."""
        tabs = self.tables(questions, list(breakdowns))
        frames = []
        for b in breakdowns:
            for q in questions:
                r = tabs[(q, (b,))]
                res = self._table_result(r, "mean", ci_method, conf_level, None)
                fr = self._frame(q, r["groups"], res, r["levels"]).rename(columns={"variable": "question", b: "group"})
                fr.insert(1, "breakdown", b)
                frames.append(fr)
        return pd.concat(frames, ignore_index=True)

    def total(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              conf_level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Weighted total of a numeric variable, or the estimated count of each level of a
        categorical one.  Mirrors: survey::svytotal(na.rm=TRUE), svyby."""
        return self._numeric_or_table(var, by, "total", conf_level, df)

    def mean(self, var: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             conf_level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        """Weighted mean ``sum w y / sum w`` (proportions of levels for a categorical).
        Mirrors: survey::svymean(deff=TRUE, na.rm=TRUE), svyby."""
        return self._numeric_or_table(var, by, "mean", conf_level, df)

    def _numeric_or_table(self, var, by, kind: str, conf_level: float, df: float | None) -> pd.DataFrame:
        frames = []
        for v in _as_list(var):
            self._check_column(v, "var")
            if not self._is_numeric(v):
                r = self.tables([v], [by], kind=kind)[(v, tuple(_as_list(by)))]
                res = self._table_result(r, kind, None, conf_level, df)
                frames.append(self._frame(v, r["groups"], res, r["levels"]))
            else:
                frames.append(self._numeric(v, _as_list(by), kind, conf_level, df))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def _numeric(self, v: str, by_cols: list[str], kind: str, conf_level: float,
                 df: float | None) -> pd.DataFrame:
        for b in by_cols:
            self._check_column(b, "by")
        if self._types[v] == "BOOLEAN":
            raise VariableTypeError(f"Variable {v!r} is boolean; cast it to a number first.")
        levels, size = self._group_spec(by_cols)
        bluts = [make_lut(lv) if self._is_numeric(c) else None for c, lv in zip(by_cols, levels, strict=True)]
        n_cells = self.n_psu * size

        def coded():
            for batch in self._batches([v, *by_cols]):
                p = batch.column(0).to_numpy()
                w = batch.column(1).to_numpy(zero_copy_only=False)
                col = batch.column(2)
                y = col.to_numpy(zero_copy_only=False).astype(float, copy=False)
                valid = col.is_valid().to_numpy(zero_copy_only=False) & ~np.isnan(y)
                g = self._group_codes(batch, 3, by_cols, levels, bluts)
                ok = valid & (g >= 0)
                yield p * size + np.maximum(g, 0), w, np.where(valid, y, 0.0), ok

        acc = fold_moments(prefetch(coded()), n_cells).reshape(4, self.n_psu, size)
        sw, swy, swy2, cnt = acc
        observed = cnt.sum(axis=0) > 0
        if not observed.any():
            raise EmptyDomainError(f"No observation of {v!r} in {self.source}.")
        sw, swy, swy2, cnt = sw[:, observed], swy[:, observed], swy2[:, observed], cnt[:, observed]
        st = self._stage
        den = sw.sum(axis=0)
        num = swy.sum(axis=0)
        theta = num if kind == "total" else num / den
        totals = swy if kind == "total" else (swy - theta[None] * sw) / den[None]
        present = cnt > 0
        strat_present = np.add.reduceat(present, st.stratum_starts, axis=0) > 0
        degf = (present.sum(axis=0) - strat_present.sum(axis=0)).astype(float)
        var = psu_totals_vcov(totals, st, self.lonely_psu,
                              strat_present if self.lonely_psu == "average" else None, diag_only=True)
        se = np.sqrt(np.maximum(var, 0))
        n = cnt.sum(axis=0)
        dfs = degf if df is None else np.full(theta.size, float(df))
        lo, hi = t_interval(theta, se, dfs, conf_level)
        res = {"estimate": theta, "se": se, "ci_low": lo, "ci_high": hi, "df": dfs, "n": n,
               "deff": design_effect(kind, var, num, swy2.sum(axis=0), den, n)}
        return self._frame(v, self._groups_table(by_cols, levels, observed) if by_cols else {}, res, None)
