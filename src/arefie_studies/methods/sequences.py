"""State sequences and their dissimilarities (TraMineR's seqdef / seqcost / seqdist).

A :class:`StateSequences` holds monthly states as integer codes ``(n, L)``: ``0..a-1`` for the
alphabet, ``a`` for the explicit *missing* state (TraMineR's ``*``, label "Manquant") and ``-1``
for *void* (after the end of a shorter sequence, TraMineR's ``%``). Built from a wide table (one
column per month) or from dated episodes on a monthly grid.

:func:`sequence_distances` mirrors ``TraMineR::seqdist`` for OM, HAM, DHD and LCS with the cost
conventions of ``TraMineR::seqcost``; pairs are computed by a compiled kernel (numba, parallel)
once per distinct sequence, then expanded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from arefie_studies.methods import _seq_kernels as _k
from arefie_studies.methods._seq_cluster import (
    PamResult,
    WardTree,
    adjusted_rand_index,
    cluster_quality,
    pam,
    silhouette,
    ward_tree,
)
from arefie_studies.methods._seq_errors import SequenceDataError

__all__ = [
    "TRAMINER_COLORS",
    "PamResult",
    "SequenceDataError",
    "StateSequences",
    "WardTree",
    "adjusted_rand_index",
    "cluster_quality",
    "pam",
    "sequence_distances",
    "silhouette",
    "substitution_costs",
    "transition_rates",
    "ward_tree",
]

MISSING_LABEL = "Manquant"
MISSING_COLOR = "#bdbdbd"
# ColorBrewer Set3 then Dark2: TraMineR's default qualitative palette for up to 12 states.
_PALETTE = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
)  # fmt: skip
TRAMINER_COLORS: tuple[str, ...] = _PALETTE  # public: charts swap it for a colour-blind-safe one


def _missing_columns(param: str, missing: Sequence[str], available: Sequence[str]) -> None:
    if missing:
        raise SequenceDataError(
            f"{param}: column(s) {list(missing)} not found in the data. "
            f"Available columns: {list(available)}. Hint: check spelling and case."
        )


def _row_list(index: pd.Index, mask: np.ndarray, limit: int = 10) -> str:
    rows = list(index[np.asarray(mask)][:limit])
    more = int(np.sum(mask)) - len(rows)
    return f"{rows}" + (f" and {more} more" if more > 0 else "")


def _state_names(seqs, with_missing: bool) -> list[str]:
    return [str(a) for a in seqs.alphabet] + (["<missing>"] if with_missing else [])


class StateSequences:
    """Monthly state sequences with an alphabet, French labels, colours and weights.

    Mirrors ``TraMineR::seqdef(data, var, alphabet, labels, cpal, weights, right="DEL")``.

    Parameters
    ----------
    data : wide DataFrame, one row per individual, one column per month (state labels).
    columns : the month columns, in time order (default: all columns but ``weights``).
    alphabet : the states in display order (default: categories of a categorical column, else
        sorted distinct values, as seqdef). Values outside the alphabet raise an error.
    labels : labels to show (French for partners), one per state; default the state names.
    colors : one colour per state; default ColorBrewer Set3 (TraMineR's default).
    weights : a column of ``data`` or an array of length n (sampling weights); None = unweighted.
    missing_values : extra values read as missing, besides NaN / None.
    right : ``"void"`` (TraMineR ``right="DEL"``): missing values after the last observed month
        end the sequence (shorter sequence); ``"missing"``: they are the missing state.
        Missing values at the start or in gaps are always the explicit missing state.

    Attributes
    ----------
    codes : int16 array (n, L): state index, ``len(alphabet)`` for missing, -1 for void.
    lengths : int array (n,): number of non-void months of each sequence.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        columns: Sequence[str] | None = None,
        *,
        alphabet: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        colors: Sequence[str] | None = None,
        weights: str | Sequence[float] | np.ndarray | None = None,
        missing_values: Sequence[object] = (),
        right: Literal["void", "missing"] = "void",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise SequenceDataError(
                f"data: expected a pandas DataFrame (one column per month), got {type(data).__name__}."
            )
        if right not in ("void", "missing"):
            raise SequenceDataError(f"right: expected 'void' or 'missing', got {right!r}.")
        wcol = weights if isinstance(weights, str) else None
        if columns is None:
            columns = [c for c in data.columns if c != wcol]
        columns = list(columns)
        if not columns:
            raise SequenceDataError("columns: no month column given; pass columns=[...].")
        _missing_columns(
            "columns", [c for c in columns if c not in data.columns], list(data.columns)
        )
        block = data[columns]
        shape = block.shape
        # factorise once: every check below runs on the distinct values only
        ucode, uniq = pd.factorize(block.to_numpy(dtype=object).ravel(), use_na_sentinel=True)
        uniq = np.asarray(uniq, dtype=object)
        umiss = np.array([any(u == mv for mv in missing_values) for u in uniq], dtype=bool)
        fmiss = (ucode < 0) | umiss[np.maximum(ucode, 0)]
        if alphabet is None:
            used = uniq[~umiss]
            if all(isinstance(block[c].dtype, pd.CategoricalDtype) for c in columns):
                cats: list[object] = []
                for c in columns:
                    cats += [x for x in block[c].cat.categories if x not in cats]
                used_set = set(used.tolist())
                cats = [x for x in cats if x in used_set]
            else:
                cats = sorted(used.tolist(), key=str)
            alphabet = [str(x) for x in cats]
        alphabet = [str(a) for a in alphabet]
        if len(set(alphabet)) != len(alphabet):
            raise SequenceDataError(f"alphabet: duplicated states in {alphabet}.")
        a = len(alphabet)
        lookup = {s: i for i, s in enumerate(alphabet)}
        umap = np.array([lookup.get(str(u), -1) for u in uniq], dtype=np.int64)
        ubad = (umap < 0) & ~umiss
        if ubad.any():
            rows_bad = (ubad[np.maximum(ucode, 0)] & (ucode >= 0)).reshape(shape).any(axis=1)
            raise SequenceDataError(
                f"data: state(s) {sorted(str(u) for u in uniq[ubad])[:10]} are not in the alphabet "
                f"{alphabet} (rows {_row_list(data.index, rows_bad)}). Hint: add them to "
                "alphabet= or list them in missing_values=."
            )
        codes = np.where(fmiss, a, umap[np.maximum(ucode, 0)]).astype(np.int16).reshape(shape)
        miss = fmiss.reshape(shape)
        values = codes
        if right == "void":
            # trailing missing months -> void
            obs = ~miss
            last = np.where(obs.any(axis=1), values.shape[1] - np.argmax(obs[:, ::-1], axis=1), 0)
            tail = np.arange(values.shape[1])[None, :] >= last[:, None]
            codes[tail] = -1
        self._init(
            codes,
            alphabet,
            labels,
            colors,
            _as_weights(weights, data, len(data)),
            data.index,
            [str(c) for c in columns],
        )

    # ------------------------------------------------------------------ internals
    def _init(self, codes, alphabet, labels, colors, weights, ids, time) -> None:
        a = len(alphabet)
        if labels is None:
            labels = list(alphabet)
        if colors is None:
            colors = [_PALETTE[i % len(_PALETTE)] for i in range(a)]
        labels, colors = [str(x) for x in labels], [str(x) for x in colors]
        if len(labels) != a:
            raise SequenceDataError(f"labels: {len(labels)} labels for {a} states {alphabet}.")
        if len(colors) != a:
            raise SequenceDataError(f"colors: {len(colors)} colours for {a} states {alphabet}.")
        self.codes = np.ascontiguousarray(codes, dtype=np.int16)
        self.codes.setflags(write=False)
        self.alphabet = tuple(alphabet)
        self.labels = tuple(labels)
        self.colors = tuple(colors)
        self.weights = weights
        self.ids = pd.Index(ids)
        self.time = tuple(time)
        self.lengths = (self.codes >= 0).sum(axis=1)
        if np.any(
            self.codes[:, :][np.arange(self.codes.shape[1])[None, :] >= self.lengths[:, None]] >= 0
        ):
            raise SequenceDataError("codes: void (-1) months must come after all observed months.")

    @classmethod
    def from_codes(
        cls,
        codes: np.ndarray,
        alphabet: Sequence[str],
        *,
        labels: Sequence[str] | None = None,
        colors: Sequence[str] | None = None,
        weights: Sequence[float] | np.ndarray | None = None,
        ids: Sequence[object] | None = None,
        time: Sequence[str] | None = None,
    ) -> StateSequences:
        """Build from integer codes (0..a-1 states, a = missing, -1 = void at the end)."""
        codes = np.asarray(codes)
        if codes.ndim != 2:
            raise SequenceDataError(f"codes: expected a 2-d array, got shape {codes.shape}.")
        a = len(alphabet)
        if codes.size and (codes.min() < -1 or codes.max() > a):
            raise SequenceDataError(
                f"codes: values must lie in -1..{a} for an alphabet of {a} states."
            )
        obj = cls.__new__(cls)
        n, L = codes.shape
        obj._init(
            codes,
            [str(s) for s in alphabet],
            labels,
            colors,
            None if weights is None else _check_weights(np.asarray(weights, float), n, "weights"),
            pd.RangeIndex(n) if ids is None else ids,
            [str(t) for t in (time if time is not None else range(1, L + 1))],
        )
        return obj

    @classmethod
    def from_episodes(
        cls,
        df: pd.DataFrame,
        *,
        id: str,
        start: str,
        end: str,
        state: str,
        n_months: int,
        anchor: Literal["entry", "calendar"] = "entry",
        grid_start: str | pd.Timestamp | None = None,
        entry: str | None = None,
        alphabet: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        colors: Sequence[str] | None = None,
        weights: str | None = None,
        fill: str | None = None,
        right: Literal["void", "missing"] = "void",
    ) -> StateSequences:
        """Monthly sequences from dated episodes (TraMineR's SPELL → STS on a month grid).

        Each episode covers the calendar months from the month of ``start`` to the month of
        ``end`` included (``end`` missing = still going at the end of the grid). Month ``t`` of the
        grid is ``origin + t`` with origin the month of each id's entry date — the ``entry``
        column (constant within id, e.g. the programme start) or else the earliest ``start`` —
        (``anchor="entry"``: months since entry) or of ``grid_start`` (``anchor="calendar"``).
        Episode months before the origin are dropped.
        When episodes overlap in a month, the episode that started last wins (ties: the later
        row). Months covered by no episode get ``fill`` (a state label, e.g. "inconnu") if given,
        else the missing state — or void after the last episode when ``right="void"``.
        ``weights`` names a column constant within each id.
        """
        if not isinstance(df, pd.DataFrame):
            raise SequenceDataError(f"df: expected a pandas DataFrame, got {type(df).__name__}.")
        need = [id, start, end, state] + ([weights] if weights else []) + ([entry] if entry else [])
        _missing_columns(
            "from_episodes", [c for c in need if c not in df.columns], list(df.columns)
        )
        if anchor not in ("entry", "calendar"):
            raise SequenceDataError(f"anchor: expected 'entry' or 'calendar', got {anchor!r}.")
        if not isinstance(n_months, int | np.integer) or n_months < 1:
            raise SequenceDataError(f"n_months: expected a positive integer, got {n_months!r}.")
        if anchor == "calendar" and grid_start is None:
            raise SequenceDataError("grid_start: required with anchor='calendar' (e.g. '2023-01').")
        try:
            s = pd.to_datetime(df[start])
            e = pd.to_datetime(df[end])
        except (ValueError, TypeError) as exc:
            raise SequenceDataError(
                f"start/end: columns {start!r}, {end!r} must hold dates ({exc})."
            ) from exc
        if s.isna().any():
            raise SequenceDataError(
                f"{start}: missing start dates in rows {_row_list(df.index, s.isna().to_numpy())}."
            )
        bad = (e < s).to_numpy()
        if bad.any():
            raise SequenceDataError(
                f"{end}: episodes end before they start in rows {_row_list(df.index, bad)}."
            )
        st = df[state]
        if st.isna().any():
            raise SequenceDataError(
                f"{state}: missing state in rows {_row_list(df.index, st.isna().to_numpy())}."
            )
        st = st.astype(str).to_numpy()
        if alphabet is None:
            cats = (
                [str(x) for x in df[state].cat.categories if str(x) in set(st)]
                if isinstance(df[state].dtype, pd.CategoricalDtype)
                else sorted(set(st))
            )
            alphabet = cats + ([fill] if fill is not None and fill not in cats else [])
        alphabet = [str(x) for x in alphabet]
        m0 = (s.dt.year * 12 + s.dt.month - 1).to_numpy(np.int64)
        m1 = np.where(
            e.isna(), np.iinfo(np.int32).max, e.dt.year.fillna(0) * 12 + e.dt.month.fillna(1) - 1
        )
        m1 = m1.astype(np.int64)
        uid, inv = np.unique(df[id].to_numpy(), return_inverse=True)
        n = len(uid)
        if anchor == "entry" and entry is not None:
            en = pd.to_datetime(df[entry])
            if en.isna().any():
                raise SequenceDataError(
                    f"{entry}: missing entry dates in rows {_row_list(df.index, en.isna().to_numpy())}."
                )
            em = (en.dt.year * 12 + en.dt.month - 1).to_numpy(np.int64)
            origin = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(origin, inv, em)
            emax = np.full(n, np.iinfo(np.int64).min)
            np.maximum.at(emax, inv, em)
            if np.any(emax != origin):
                raise SequenceDataError(
                    f"{entry}: entry dates differ between episodes of the same {id} "
                    f"({list(uid[emax != origin][:10])}). Hint: one entry date per individual."
                )
        elif anchor == "entry":
            origin = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(origin, inv, m0)
        else:
            g = pd.Timestamp(grid_start)
            origin = np.full(n, g.year * 12 + g.month - 1, dtype=np.int64)
        lo = np.clip(m0 - origin[inv], 0, n_months)
        hi = np.clip(m1 - origin[inv] + 1, 0, n_months)  # exclusive
        cnt = np.maximum(hi - lo, 0)
        # expand episodes to (id, month) cells; order so that the winning episode comes last
        order = np.lexsort((np.arange(len(df)), m0, inv))
        cnt_o = cnt[order]
        ep = np.repeat(order, cnt_o)
        offs = np.arange(cnt_o.sum()) - np.repeat(np.cumsum(cnt_o) - cnt_o, cnt_o)
        month = lo[ep] + offs
        cell = inv[ep] * n_months + month
        # last occurrence of each cell wins
        rev_cell = cell[::-1]
        _, first_rev = np.unique(rev_cell, return_index=True)
        win = ep[::-1][first_rev]
        wcell = rev_cell[first_rev]
        grid = np.full(n * n_months, None, dtype=object)
        grid[wcell] = st[win]
        if fill is not None:
            grid[pd.isna(grid)] = fill
        wide = pd.DataFrame(grid.reshape(n, n_months), index=pd.Index(uid, name=id))
        wide.columns = [f"m{t + 1}" for t in range(n_months)]
        if anchor == "calendar":
            g = pd.Period(pd.Timestamp(grid_start), freq="M")
            wide.columns = [str(g + t) for t in range(n_months)]
        w = None
        if weights:
            wv = df[weights].to_numpy(float)
            wmin = np.full(n, np.inf)
            wmax = np.full(n, -np.inf)
            np.minimum.at(wmin, inv, wv)
            np.maximum.at(wmax, inv, wv)
            if np.any(wmin != wmax):
                raise SequenceDataError(
                    f"{weights}: weights differ between episodes of the same {id} "
                    f"({list(uid[wmin != wmax][:10])}). Hint: weights are per individual."
                )
            w = wmin
        return cls(wide, alphabet=alphabet, labels=labels, colors=colors, weights=w, right=right)

    # ------------------------------------------------------------------ views
    @property
    def n_sequences(self) -> int:
        return int(self.codes.shape[0])

    @property
    def n_months(self) -> int:
        return int(self.codes.shape[1])

    @property
    def has_missing(self) -> bool:
        """True if some non-void month is the explicit missing state."""
        return bool(np.any(self.codes == len(self.alphabet)))

    @property
    def has_void(self) -> bool:
        return bool(np.any(self.codes < 0))

    def __len__(self) -> int:
        return self.n_sequences

    def __repr__(self) -> str:
        return (
            f"StateSequences(n={self.n_sequences}, months={self.n_months}, "
            f"alphabet={list(self.alphabet)}, weighted={self.weights is not None})"
        )

    def label_of(self) -> dict[str, str]:
        """State → label mapping (with the missing state)."""
        return dict(zip(self.alphabet, self.labels, strict=True)) | {"*": MISSING_LABEL}

    def to_frame(self, use_labels: bool = False) -> pd.DataFrame:
        """Wide DataFrame of states (or labels); missing = "*", void = NaN."""
        names = np.array(
            [*list(self.labels if use_labels else self.alphabet), "*", None], dtype=object
        )
        out = names[np.where(self.codes < 0, len(self.alphabet) + 1, self.codes)]
        return pd.DataFrame(out, index=self.ids, columns=list(self.time))

    def subset(self, mask: np.ndarray | Sequence[bool]) -> StateSequences:
        """Sequences selected by a boolean mask or integer positions (same alphabet)."""
        idx = np.asarray(mask)
        if idx.dtype == bool and idx.shape != (self.n_sequences,):
            raise SequenceDataError(
                f"mask: boolean mask of length {idx.shape[0]} for {self.n_sequences} sequences."
            )
        obj = StateSequences.__new__(StateSequences)
        obj._init(
            self.codes[idx],
            list(self.alphabet),
            list(self.labels),
            list(self.colors),
            None if self.weights is None else self.weights[idx],
            self.ids[idx],
            list(self.time),
        )
        return obj

    def _w(self, weighted: bool) -> np.ndarray:
        if weighted and self.weights is not None:
            return self.weights
        return np.ones(self.n_sequences)

    def state_distribution(self, weighted: bool = True, with_missing: bool = True) -> pd.DataFrame:
        """Share of each state at each month (TraMineR ``seqstatd``; void months excluded).

        Returns a tidy DataFrame: ``month``, ``state``, ``label``, ``share``, ``n`` (unweighted
        count), ``weighted_n``.
        """
        a = len(self.alphabet)
        k = a + 1 if with_missing else a
        w = self._w(weighted)
        L = self.n_months
        c = self.codes.astype(np.int64)
        valid = (c >= 0) & (c < k)
        t_idx = np.broadcast_to(np.arange(L)[None, :], c.shape)
        flat = (t_idx * k + c)[valid]
        wsum = np.bincount(
            flat, weights=np.broadcast_to(w[:, None], c.shape)[valid], minlength=L * k
        )
        nsum = np.bincount(flat, minlength=L * k)
        wsum, nsum = wsum.reshape(L, k), nsum.reshape(L, k)
        tot = wsum.sum(axis=1, keepdims=True)
        share = np.divide(wsum, tot, out=np.zeros_like(wsum), where=tot > 0)
        states = list(self.alphabet) + (["*"] if with_missing else [])
        labels = list(self.labels) + ([MISSING_LABEL] if with_missing else [])
        return pd.DataFrame(
            {
                "month": np.repeat(list(self.time), k),
                "state": np.tile(states, L),
                "label": np.tile(labels, L),
                "share": share.ravel(),
                "n": nsum.ravel(),
                "weighted_n": wsum.ravel(),
            }
        )

    def mean_time(self, weighted: bool = True, with_missing: bool = False) -> pd.DataFrame:
        """Weighted mean number of months spent in each state (TraMineR ``seqmeant``).

        Returns ``state``, ``label``, ``mean``, ``sd`` (weighted, divisor sum(w) as seqmeant's
        serr=FALSE mean) — mean over all sequences of the months in the state.
        """
        a = len(self.alphabet)
        k = a + 1 if with_missing else a
        w = self._w(weighted)
        c = self.codes.astype(np.int64)
        rows = np.broadcast_to(np.arange(self.n_sequences)[:, None], c.shape)
        valid = (c >= 0) & (c < k)
        counts = np.bincount(rows[valid] * k + c[valid], minlength=self.n_sequences * k)
        counts = counts.reshape(self.n_sequences, k).astype(float)
        mean = w @ counts / w.sum()
        var = w @ (counts - mean) ** 2 / w.sum()
        states = list(self.alphabet) + (["*"] if with_missing else [])
        labels = list(self.labels) + ([MISSING_LABEL] if with_missing else [])
        return pd.DataFrame({"state": states, "label": labels, "mean": mean, "sd": np.sqrt(var)})

    def time_in_states(self) -> np.ndarray:
        """(n, a) number of months each sequence spends in each state (missing excluded)."""
        a = len(self.alphabet)
        c = self.codes.astype(np.int64)
        rows = np.broadcast_to(np.arange(self.n_sequences)[:, None], c.shape)
        valid = (c >= 0) & (c < a)
        out = np.bincount(rows[valid] * a + c[valid], minlength=self.n_sequences * a)
        return out.reshape(self.n_sequences, a)


def _check_weights(w: np.ndarray, n: int, name: str) -> np.ndarray:
    if w.shape != (n,):
        raise SequenceDataError(f"{name}: expected {n} weights, got shape {w.shape}.")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise SequenceDataError(
            f"{name}: weights must be finite and >= 0; bad at positions {list(np.flatnonzero(bad)[:10])}."
        )
    return w.astype(float)


def _as_weights(weights, data: pd.DataFrame, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        _missing_columns(
            "weights", [weights] if weights not in data.columns else [], list(data.columns)
        )
        return _check_weights(
            pd.to_numeric(data[weights]).to_numpy(float), n, f"weights ({weights!r})"
        )
    return _check_weights(np.asarray(weights, dtype=float), n, "weights")


# ====================================================================== costs


def _resolve_weights(seqs: StateSequences, weights) -> np.ndarray:
    if weights is None or weights is False:
        return np.ones(seqs.n_sequences)
    if weights is True:
        if seqs.weights is None:
            raise SequenceDataError("weights=True but the sequences carry no weights.")
        return seqs.weights
    return _check_weights(np.asarray(weights, dtype=float), seqs.n_sequences, "weights")


def _transition_counts(
    seqs: StateSequences, w: np.ndarray, k: int, time_varying: bool
) -> np.ndarray:
    """Weighted counts of (s_t, s_{t+1}) over states 0..k-1 (void / excluded states dropped)."""
    c = seqs.codes.astype(np.int64)
    L = c.shape[1]
    frm, to = c[:, :-1], c[:, 1:]
    ok = (frm >= 0) & (frm < k) & (to >= 0) & (to < k)
    ww = np.broadcast_to(w[:, None], frm.shape)[ok]
    if time_varying:
        t = np.broadcast_to(np.arange(L - 1)[None, :], frm.shape)[ok]
        idx = (t * k + frm[ok]) * k + to[ok]
        return np.bincount(idx, weights=ww, minlength=(L - 1) * k * k).reshape(L - 1, k, k)
    return np.bincount(frm[ok] * k + to[ok], weights=ww, minlength=k * k).reshape(k, k)


def _rates(counts: np.ndarray) -> np.ndarray:
    tot = counts.sum(axis=-1, keepdims=True)
    return np.divide(counts, tot, out=np.zeros_like(counts), where=tot > 0)


def transition_rates(
    sequences: StateSequences,
    weights=None,
    with_missing: bool = False,
    time_varying: bool = False,
) -> pd.DataFrame | np.ndarray:
    """Transition rates p(j | i) = Σ_t w·1[s_t=i, s_{t+1}=j] / Σ_t w·1[s_t=i, s_{t+1} observed].

    Mirrors ``TraMineR::seqtrate`` (lag 1). ``weights``: None (unweighted), True (the sequences'
    weights) or an array. Returns a DataFrame with French-friendly labels ``[label ->]`` rows and
    ``[-> label]`` columns; with ``time_varying`` an array ``(L-1, k, k)`` (rates at t → t+1).
    """
    seqs = _as_sequences(sequences)
    a = len(seqs.alphabet)
    k = a + 1 if with_missing else a
    p = _rates(_transition_counts(seqs, _resolve_weights(seqs, weights), k, time_varying))
    if time_varying:
        return p
    lab = list(seqs.labels) + ([MISSING_LABEL] if with_missing else [])
    return pd.DataFrame(p, index=[f"[{x} ->]" for x in lab], columns=[f"[-> {x}]" for x in lab])


def substitution_costs(
    sequences: StateSequences,
    method: Literal["TRATE", "CONSTANT"] = "TRATE",
    cval: float | None = None,
    weights=None,
    with_missing: bool = False,
    time_varying: bool = False,
    miss_cost: float | None = None,
) -> np.ndarray:
    """Substitution-cost matrix as ``TraMineR::seqcost`` (``$sm``).

    CONSTANT: cval (default 2) off the diagonal. TRATE: cval − p(j|i) − p(i|j) (default cval 2).
    TRATE time-varying (Lesnard's DHD costs, default cval 4): at month t (0-based),
    ``cval − p_{t-1}(j|i) − p_{t-1}(i|j) − p_t(j|i) − p_t(i|j)`` inside, and
    ``cval − 2(p(j|i) + p(i|j))`` with the single available transition at t = 0 and t = L−1;
    floored at 0. With ``with_missing`` the missing state is added with cost ``miss_cost``
    (default cval) to every other state. Returns ``(k, k)`` or ``(L, k, k)``.
    (``seqcost``'s ``$indel`` — 1, or half the largest non-time-varying TRATE cost — is what
    ``sequence_distances(..., indel="auto")`` uses.)
    """
    return _seqcost(sequences, method, cval, weights, with_missing, time_varying, miss_cost)[0]


def _seqcost(
    sequences, method, cval, weights, with_missing, time_varying, miss_cost
) -> tuple[np.ndarray, float]:
    """``TraMineR::seqcost``: ``(sm, indel)``; indel = 1 except non-time-varying TRATE,
    where it is half the largest TRATE cost (computed before the missing-state costs are set)."""
    seqs = _as_sequences(sequences)
    if method not in ("TRATE", "CONSTANT"):
        raise SequenceDataError(f"method: expected 'TRATE' or 'CONSTANT', got {method!r}.")
    a = len(seqs.alphabet)
    k = a + 1 if with_missing else a
    L = seqs.n_months
    if cval is None:
        cval = 4.0 if (time_varying and method == "TRATE") else 2.0
    miss_cost = cval if miss_cost is None else miss_cost
    off = ~np.eye(k, dtype=bool)
    indel = 1.0  # seqcost's default $indel (CONSTANT, time-varying TRATE)
    if method == "CONSTANT":
        sm = np.where(off, float(cval), 0.0)
        if time_varying:
            sm = np.broadcast_to(sm, (L, k, k)).copy()
    elif not time_varying:
        p = _rates(_transition_counts(seqs, _resolve_weights(seqs, weights), k, False))
        sm = np.where(off, cval - p - p.T, 0.0)
        # seqcost sets $indel from the TRATE costs *before* the fixed missing-state costs
        indel = 0.5 * float(sm.max())
    else:
        p = _rates(_transition_counts(seqs, _resolve_weights(seqs, weights), k, True))
        ps = p + np.transpose(p, (0, 2, 1))  # (L-1, k, k): p_t(j|i) + p_t(i|j)
        sm = np.zeros((L, k, k))
        if L == 1:
            sm[0] = cval
        else:
            sm[0] = cval - 2 * ps[0]
            sm[L - 1] = cval - 2 * ps[L - 2]
            if L > 2:
                sm[1 : L - 1] = cval - ps[:-1] - ps[1:]
        sm = np.maximum(sm, 0.0)
        sm[:, ~off] = 0.0
    if with_missing:
        if sm.ndim == 2:
            sm[a, :a] = miss_cost
            sm[:a, a] = miss_cost
        else:
            sm[:, a, :a] = miss_cost
            sm[:, :a, a] = miss_cost
    return sm, indel


# ====================================================================== distances


def _as_sequences(sequences) -> StateSequences:
    if isinstance(sequences, StateSequences):
        return sequences
    if isinstance(sequences, pd.DataFrame):
        return StateSequences(sequences)
    raise SequenceDataError(
        f"sequences: expected a StateSequences or a wide DataFrame of states, got {type(sequences).__name__}."
    )


_METHODS = ("OM", "HAM", "DHD", "LCS")


def sequence_distances(
    sequences: StateSequences | pd.DataFrame,
    method: Literal["OM", "HAM", "DHD", "LCS"] = "OM",
    sm: Literal["CONSTANT", "TRATE"] | np.ndarray | None = None,
    indel: float | Sequence[float] | Literal["auto"] = 1.0,
    weights=None,
    with_missing: bool = False,
) -> np.ndarray:
    """Pairwise dissimilarities between sequences (square ``(n, n)`` numpy array).

    Mirrors ``TraMineR::seqdist(seqdata, method, sm, indel, with.missing, weighted)``:

    - ``OM``: optimal matching, minimal cost of indels (``indel``, a number or one per state)
      and substitutions (``sm``) turning x into y. ``indel="auto"`` follows ``seqdist``: 1 with
      "CONSTANT", max(TRATE costs)/2 with "TRATE" (before missing-state costs), max(sm)/2 with a
      cost matrix (``sm`` any numeric array-like: ndarray, nested list, DataFrame).
      ``sm`` None or "CONSTANT" → 2 off the diagonal; "TRATE" → 2 − p(i|j) − p(j|i).
    - ``LCS``: OM with indel 1 and substitution 2, i.e. |x| + |y| − 2·LCS(x, y).
    - ``HAM``: Σ_t sm[x_t, y_t] (equal lengths); ``sm`` None or "CONSTANT" → 1, "TRATE" → 2 − ….
    - ``DHD``: Σ_t sm_t[x_t, y_t] with time-varying TRATE costs (cval 4, see
      :func:`substitution_costs`); ``sm`` may be an ``(L, k, k)`` array.

    ``weights``: None (unweighted transition rates), True (the sequences' weights, TraMineR's
    default when the object has weights) or an array. Sequences with missing months require
    ``with_missing=True`` (missing = an extra state, cost 2 for OM, 1 for HAM, 4 for DHD).
    Identical sequences are computed once.
    """
    seqs = _as_sequences(sequences)
    if method not in _METHODS:
        raise SequenceDataError(f"method: expected one of {list(_METHODS)}, got {method!r}.")
    if seqs.has_missing and not with_missing:
        rows = np.any(seqs.codes == len(seqs.alphabet), axis=1)
        raise SequenceDataError(
            f"sequences: missing states in rows {_row_list(seqs.ids, rows)}; pass with_missing=True "
            "to treat them as an extra state (TraMineR's with.missing=TRUE), or recode them."
        )
    with_missing = with_missing and seqs.has_missing
    a = len(seqs.alphabet)
    k = a + 1 if with_missing else a
    if method in ("HAM", "DHD") and np.unique(seqs.lengths).size > 1:
        raise SequenceDataError(
            f"method={method!r} is not defined for sequences of different lengths."
        )
    # cost matrix (and seqcost's indel, used by indel="auto")
    if sm is not None and not isinstance(sm, str):
        # any array-like of costs: numpy array, nested list, DataFrame (labels ignored)
        try:
            sm = np.asarray(sm, dtype=float)
        except (TypeError, ValueError) as exc:
            raise SequenceDataError(
                f"sm: expected 'CONSTANT', 'TRATE' or a numeric cost matrix, got {type(sm).__name__} "
                f"({exc})."
            ) from None
    auto_indel = 1.0
    if method == "LCS":
        sub = substitution_costs(seqs, "CONSTANT", cval=2.0, with_missing=with_missing)
        indel = 1.0
    elif isinstance(sm, np.ndarray):
        want = (seqs.n_months, k, k) if method == "DHD" else (k, k)
        if sm.shape != want:
            raise SequenceDataError(
                f"sm: expected shape {want} for method {method!r} ({k} states"
                f"{' incl. missing' if with_missing else ''}: {_state_names(seqs, with_missing)}), "
                f"got {sm.shape}."
            )
        if not np.all(np.isfinite(sm)):
            raise SequenceDataError("sm: substitution costs must be finite numbers (found NaN/inf).")
        sub = sm
        auto_indel = float(sub.max()) / 2  # seqdist: indel "auto" with a matrix = max(sm)/2
    else:
        if sm not in (None, "CONSTANT", "TRATE"):
            raise SequenceDataError(f"sm: expected 'CONSTANT', 'TRATE' or an array, got {sm!r}.")
        if method == "DHD":
            if sm == "CONSTANT":
                raise SequenceDataError("sm='CONSTANT' is not relevant for DHD; use method='HAM'.")
            sub = substitution_costs(seqs, "TRATE", 4.0, weights, with_missing, time_varying=True)
        else:
            cval = 1.0 if (method == "HAM" and sm != "TRATE") else 2.0
            # seqdist: seqcost(sm, cval, miss.cost = cval); indel "auto" = seqcost's $indel
            sub, auto_indel = _seqcost(seqs, sm or "CONSTANT", cval, weights, with_missing, False, None)
    if np.any(sub < 0):
        raise SequenceDataError("sm: substitution costs must be >= 0.")
    # indel vector
    if isinstance(indel, str):
        if indel != "auto":
            raise SequenceDataError(f"indel: expected a number, a vector or 'auto', got {indel!r}.")
        # TraMineR: 1 for CONSTANT, max(TRATE costs)/2 for TRATE, max(sm)/2 for a user matrix
        indel_v = np.full(k, auto_indel)
    else:
        indel_v = np.asarray(indel, dtype=float)
        if indel_v.ndim == 0:
            indel_v = np.full(k, float(indel_v))
        if indel_v.shape != (k,) or np.any(~(indel_v > 0)) or not np.all(np.isfinite(indel_v)):
            raise SequenceDataError(f"indel: expected a positive number or {k} positive costs.")
    # distinct sequences only
    uniq, inv = np.unique(seqs.codes, axis=0, return_inverse=True)
    inv = inv.ravel()
    lengths = (uniq >= 0).sum(axis=1).astype(np.int64)
    cu = np.ascontiguousarray(np.where(uniq < 0, 0, uniq).astype(np.int64))
    if method in ("OM", "LCS"):
        du = _k.om_matrix(cu, lengths, np.ascontiguousarray(sub), indel_v)
    elif method == "HAM":
        du = _k.ham_matrix(cu, np.ascontiguousarray(sub))
    else:
        du = _k.dhd_matrix(cu, np.ascontiguousarray(sub))
    return du[np.ix_(inv, inv)]
