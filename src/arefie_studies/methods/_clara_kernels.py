"""Compiled kernels for CLARA on sequences: distances from every sequence to a few medoids.

Private: the public entry point is :func:`arefie_studies.methods.clara.seq_clara`.  Same cost
conventions and the same OM recurrence (:func:`._seq_kernels._om_pair`) as the square matrices of
:func:`arefie_studies.methods.sequence_distances`, so a cross distance equals the matrix entry.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._seq_kernels import _om_pair


@njit(parallel=True, cache=True)
def om_cross(codes, lengths, med_codes, med_lengths, sub, indel):  # pragma: no cover - jit
    """(n, k) OM distances between ``codes[i, :lengths[i]]`` and each medoid."""
    n = codes.shape[0]
    k = med_codes.shape[0]
    L = max(codes.shape[1], med_codes.shape[1])
    ns = sub.shape[0]
    out = np.empty((n, k))
    # medoid as "x" (its substitution rows precomputed once), every sequence as "y"
    subx_all = np.empty((k, L, ns))
    indx_all = np.empty((k, L))
    for m in range(k):
        for i in range(med_lengths[m]):
            indx_all[m, i] = indel[med_codes[m, i]]
            for q in range(ns):
                subx_all[m, i, q] = sub[med_codes[m, i], q]
    for i in prange(n):
        prev = np.empty(L + 1)
        cur = np.empty(L + 1)
        indy = np.empty(L)
        ly = lengths[i]
        for t in range(ly):
            indy[t] = indel[codes[i, t]]
        for m in range(k):
            out[i, m] = _om_pair(codes[i], med_lengths[m], ly, subx_all[m], indx_all[m], indy, prev, cur)
    return out


@njit(parallel=True, cache=True)
def ham_cross(codes, med_codes, sub):  # pragma: no cover - jit
    """(n, k) Hamming distances sum_t sub[x_t, m_t] (equal lengths)."""
    n = codes.shape[0]
    k = med_codes.shape[0]
    L = codes.shape[1]
    out = np.empty((n, k))
    for i in prange(n):
        for m in range(k):
            d = 0.0
            for t in range(L):
                d += sub[codes[i, t], med_codes[m, t]]
            out[i, m] = d
    return out
