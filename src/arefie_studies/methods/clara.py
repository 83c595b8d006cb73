"""Typology of a whole cohort of sequences: CLARA medoids on the distinct sequences.

Mirrors: ``WeightedCluster::seqclararange`` (Studer's CLARA for sequences): identical sequences
are aggregated (weight = their count, or the sum of their weights); ``n_samples`` times, a
sample of ``sample_size`` distinct sequences is drawn with probability proportional to the
weights (without replacement), PAM (:func:`arefie_studies.methods.pam`, weighted) finds ``k``
medoids on the sample's distance matrix, every distinct sequence is assigned to its nearest
medoid, and the sample whose medoids give the smallest total weighted distance

    cost = sum_u w_u min_j d(u, m_j)

over the whole cohort is kept.  Distances are those of
:func:`arefie_studies.methods.sequence_distances` (OM or HAM with the same cost conventions);
only ``sample_size^2 + n_distinct * k`` of them are ever computed, so memory is linear in the
number of distinct sequences.  When ``sample_size`` covers every distinct sequence the result
is the full weighted PAM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._clara_kernels import ham_cross, om_cross
from ._seq_cluster import pam
from ._seq_errors import SequenceDataError
from .sequences import StateSequences, sequence_distances, substitution_costs

__all__ = ["ClaraResult", "medoid_silhouette", "read_monthly_sequences", "seq_clara"]


@dataclass(frozen=True)
class ClaraResult:
    """CLARA partition of a cohort.

    ``labels`` (n,) 1..k per input sequence; ``medoids`` (k,) input row positions of one
    sequence equal to each medoid (clusters numbered by the medoids' order of first
    appearance in the input); ``cost`` the total weighted distance to the medoids;
    ``distinct_codes`` / ``distinct_weights`` / ``distinct_labels`` the aggregated sequences;
    ``samples`` one row per sample (its cost, and whether it was the best so far);
    ``medoid_distances`` (n_distinct, k) the distance of each distinct sequence to each medoid
    (columns in cluster order).
    """

    labels: np.ndarray
    medoids: np.ndarray
    cost: float
    distinct_codes: np.ndarray
    distinct_weights: np.ndarray
    distinct_labels: np.ndarray
    samples: pd.DataFrame
    medoid_distances: np.ndarray | None = None

    @property
    def n_distinct(self) -> int:
        return int(self.distinct_codes.shape[0])


def _costs(seqs: StateSequences, method: str, sm, indel, with_missing: bool) -> tuple[np.ndarray, np.ndarray]:
    """Substitution matrix and indel vector as :func:`sequence_distances` resolves them for
    ``sm`` in ("TRATE", "CONSTANT", None) or a matrix, ``indel`` a number or "auto"."""
    k = len(seqs.alphabet) + (1 if with_missing else 0)
    if isinstance(sm, str) or sm is None:
        if sm not in (None, "CONSTANT", "TRATE"):
            raise SequenceDataError(f"sm: expected 'CONSTANT', 'TRATE' or a matrix, got {sm!r}.")
        cval = 1.0 if (method == "HAM" and sm != "TRATE") else 2.0
        sub = substitution_costs(seqs, sm or "CONSTANT", cval=cval, with_missing=with_missing)
        auto = 0.5 * float(substitution_costs(seqs, "TRATE", cval=cval).max()) if sm == "TRATE" else 1.0
    else:
        sub = np.asarray(sm, dtype=float)
        if sub.shape != (k, k):
            raise SequenceDataError(f"sm: expected a ({k}, {k}) cost matrix, got {sub.shape}.")
        auto = float(sub.max()) / 2
    if isinstance(indel, str):
        if indel != "auto":
            raise SequenceDataError(f"indel: expected a number or 'auto', got {indel!r}.")
        ind = np.full(k, auto)
    else:
        ind = np.asarray(indel, dtype=float)
        ind = np.full(k, float(ind)) if ind.ndim == 0 else ind
        if ind.shape != (k,) or np.any(~(ind > 0)):
            raise SequenceDataError(f"indel: expected a positive number or {k} positive costs.")
    return np.ascontiguousarray(sub), ind


def seq_clara(
    sequences: StateSequences,
    k: int,
    method: Literal["OM", "HAM"] = "OM",
    sm: Literal["CONSTANT", "TRATE"] | np.ndarray | None = "TRATE",
    indel: float | Literal["auto"] = "auto",
    weights: Sequence[float] | np.ndarray | None = None,
    n_samples: int = 100,
    sample_size: int | None = None,
    seed: int = 1,
    with_missing: bool = False,
) -> ClaraResult:
    """CLARA typology of ``sequences`` in ``k`` clusters (see the module docstring).

    ``sample_size`` defaults to WeightedCluster's ``40 + 2 k``; ``n_samples`` to its ``R=100``.
    ``weights`` (one per sequence) default to the sequences' own weights when they have some,
    else 1.  Reproducible for a given ``seed``.
    """
    if not isinstance(sequences, StateSequences):
        raise SequenceDataError(
            f"sequences: expected a StateSequences, got {type(sequences).__name__}."
        )
    if method not in ("OM", "HAM"):
        raise SequenceDataError(f"method: expected 'OM' or 'HAM' for CLARA, got {method!r}.")
    if sequences.has_missing and not with_missing:
        raise SequenceDataError(
            "sequences: some months are missing; pass with_missing=True to treat missing as a "
            "state (TraMineR's with.missing=TRUE), or recode them."
        )
    with_missing = with_missing and sequences.has_missing
    n = sequences.n_sequences
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if weights is None and getattr(sequences, "weights", None) is not None:
        w = np.asarray(sequences.weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise SequenceDataError(f"weights: expected {n} finite non-negative numbers.")
    codes = np.ascontiguousarray(sequences.codes)
    uniq, first, inv = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    wu = np.bincount(inv, weights=w, minlength=uniq.shape[0])
    m = uniq.shape[0]
    if not isinstance(k, int | np.integer) or not 1 <= k < m:
        raise SequenceDataError(f"k: expected an integer in 1..{m - 1} ({m} distinct sequences), got {k!r}.")
    if method == "HAM" and np.unique(sequences.lengths).size > 1:
        raise SequenceDataError("method='HAM' is not defined for sequences of different lengths.")
    size = min(40 + 2 * int(k) if sample_size is None else int(sample_size), m)
    if size <= k:
        raise SequenceDataError(f"sample_size: expected more than k={k} sequences, got {size}.")
    sub, ind = _costs(sequences, method, sm, indel, with_missing)
    lengths = (uniq >= 0).sum(axis=1).astype(np.int64)
    cu = np.ascontiguousarray(np.where(uniq < 0, 0, uniq).astype(np.int64))
    alphabet = list(sequences.alphabet)

    cache: dict[int, np.ndarray] = {}

    def dist_to(idx: np.ndarray) -> np.ndarray:
        todo = [int(i) for i in idx if int(i) not in cache]
        if todo:
            t = np.asarray(todo)
            if method == "OM":
                d = om_cross(cu, lengths, cu[t], lengths[t], sub, ind)
            else:
                d = ham_cross(cu, cu[t], sub)
            for j, i in enumerate(todo):
                cache[i] = d[:, j]
        return np.column_stack([cache[int(i)] for i in idx])

    rng = np.random.default_rng(seed)
    p = wu / wu.sum() if wu.sum() > 0 else None
    best = (np.inf, None, None, None)
    rows = []
    positive = int((wu > 0).sum())
    for r in range(int(n_samples)):
        if size >= m:
            sample = np.arange(m)
        else:
            sample = np.sort(rng.choice(m, size=min(size, positive), replace=False, p=p))
        sub_seqs = StateSequences.from_codes(uniq[sample], alphabet)
        d_s = sequence_distances(sub_seqs, method, sm=sub, indel=ind, with_missing=with_missing)
        meds = sample[pam(d_s, int(k), weights=wu[sample]).medoids]
        d = dist_to(meds)
        lab = np.argmin(d, axis=1)
        cost = float(wu @ d[np.arange(m), lab])
        improved = cost < best[0]
        rows.append({"sample": r + 1, "cost": cost, "best": improved})
        if improved:
            best = (cost, meds, lab, d)
        if size >= m:
            break
        if len(cache) > 64 * k:  # bound memory: keep the current best medoids only
            keep = {int(i) for i in best[1]}
            cache = {i: v for i, v in cache.items() if i in keep}
    cost, meds, lab, dmed = best
    # number clusters by the first input row of each medoid's cluster (stable, seed-free)
    lab_rows = lab[inv]
    order = np.argsort([np.flatnonzero(lab_rows == j)[0] if (lab_rows == j).any() else n
                        for j in range(int(k))], kind="stable")
    rank = np.empty(int(k), dtype=np.int64)
    rank[order] = np.arange(int(k))
    dl = rank[lab] + 1
    return ClaraResult(
        labels=dl[inv], medoids=first[meds[order]].astype(np.int64), cost=cost,
        distinct_codes=uniq, distinct_weights=wu, distinct_labels=dl, samples=pd.DataFrame(rows),
        medoid_distances=dmed[:, order],
    )


def medoid_silhouette(result: ClaraResult) -> float:
    """Average medoid silhouette (WeightedCluster ``seqclararange`` criterion "AMS"): the
    weighted mean over the distinct sequences of ``(d2 - d1) / max(d1, d2)``, with ``d1`` the
    distance to the own (nearest) medoid and ``d2`` to the second nearest (0 when both are 0).
    Needs only the n_distinct x k distances to the medoids."""
    d = np.sort(np.asarray(result.medoid_distances, dtype=float), axis=1)
    if d.shape[1] < 2:
        raise SequenceDataError("medoid_silhouette: needs at least 2 clusters.")
    d1, d2 = d[:, 0], d[:, 1]
    top = np.maximum(d1, d2)
    s = np.divide(d2 - d1, top, out=np.zeros_like(top), where=top > 0)
    w = np.asarray(result.distinct_weights, dtype=float)
    return float(w @ s / w.sum())


def read_monthly_sequences(path, id: str = "id_jeune", month: str = "mois", state: str = "situation",
                           n_months: int | None = None) -> StateSequences:
    """A cohort's sequences from a long monthly extract (one row per individual and observed
    month, months numbered from 1) reading ONLY the three columns ``id, month, state`` of the
    Parquet file (pyarrow column projection; the other columns are never decoded).

    Individuals are numbered by first appearance (``pyarrow.compute.dictionary_encode``, no
    sort of the identifiers); the alphabet is the state column's categories (dictionary) or
    its sorted distinct values; months after the last observed one are void (-1).  Memory:
    the three columns plus an int16 matrix individuals x months.  Rows are not kept in
    the identifiers' order: the result serves a typology of the whole cohort."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        t = pq.read_table(path, columns=[id, month, state])
    except (OSError, KeyError, pa.ArrowInvalid) as exc:
        raise SequenceDataError(f"{path}: cannot read columns {id!r}, {month!r}, {state!r} ({exc}).") from exc
    for col in (id, month, state):
        if t.column(col).null_count:
            raise SequenceDataError(f"{path}: column {col!r} has {t.column(col).null_count} missing value(s); "
                                    "every row needs an individual, a month and a state.")
    who = pc.dictionary_encode(t.column(id)).combine_chunks().indices.to_numpy()
    mon = t.column(month).to_numpy().astype(np.int64)
    st = t.column(state).combine_chunks()
    if not pa.types.is_dictionary(st.type):
        st = pc.dictionary_encode(st)
    alphabet = [str(x) for x in st.dictionary.to_pylist()]
    code = st.indices.to_numpy().astype(np.int16)
    del t
    if mon.size and mon.min() < 1:
        raise SequenceDataError(f"{path}: column {month!r} starts at {mon.min()}; months are numbered from 1.")
    width = int(mon.max()) if n_months is None else int(n_months)
    keep = mon <= width
    codes = np.full((int(who.max()) + 1 if who.size else 0, width), -1, dtype=np.int16)
    codes[who[keep], mon[keep] - 1] = code[keep]
    return StateSequences.from_codes(codes, alphabet)
