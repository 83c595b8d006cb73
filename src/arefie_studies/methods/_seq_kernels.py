"""Compiled (numba) kernels for sequence distances and clustering.

Private: the public entry points are in ``methods.sequences`` and ``methods._seq_cluster``.
All kernels take integer state codes ``int16[n, L]`` with per-sequence lengths (states after
``lengths[i]`` are void and ignored) and fill a dense float64 matrix. Work is split over pairs
of rows (r, n-1-r) so that each parallel task gets the same number of pairs of the triangle.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def _om_pair(x, lx, y, ly, sub, indel, buf0, buf1):
    """Optimal matching (Levenshtein with costs) between x[:lx] and y[:ly].

    d[i, j] = min(d[i-1, j] + indel[x_i], d[i, j-1] + indel[y_j], d[i-1, j-1] + sub[x_i, y_j]),
    with d[i, 0] = sum of indel[x_1..x_i] and d[0, j] likewise. Two rolling rows.
    """
    prev = buf0
    cur = buf1
    prev[0] = 0.0
    for j in range(1, ly + 1):
        prev[j] = prev[j - 1] + indel[y[j - 1]]
    for i in range(1, lx + 1):
        xi = x[i - 1]
        di = indel[xi]
        cur[0] = prev[0] + di
        for j in range(1, ly + 1):
            yj = y[j - 1]
            best = prev[j - 1] + sub[xi, yj]
            c = prev[j] + di
            if c < best:
                best = c
            c = cur[j - 1] + indel[yj]
            if c < best:
                best = c
            cur[j] = best
        tmp = prev
        prev = cur
        cur = tmp
    return prev[ly]


@njit(parallel=True, cache=True)
def ham_matrix(codes, sub):
    """Position-wise substitution sum: d(x, y) = sum_t sub[x_t, y_t] (equal lengths)."""
    n = codes.shape[0]
    L = codes.shape[1]
    out = np.zeros((n, n))
    half = (n + 1) // 2
    for r0 in prange(half):
        r = np.int64(r0)
        for k in range(2):
            rr = r + k * (n - 1 - 2 * r)
            if k == 1 and rr == r:
                break
            x = codes[rr]
            for j in range(rr + 1, n):
                y = codes[j]
                d = 0.0
                for t in range(L):
                    d += sub[x[t], y[t]]
                out[rr, j] = d
                out[j, rr] = d
    return out


@njit(parallel=True, cache=True)
def dhd_matrix(codes, sub3):
    """Dynamic Hamming: d(x, y) = sum_t sub3[t, x_t, y_t] with time-varying costs (Lesnard)."""
    n = codes.shape[0]
    L = codes.shape[1]
    out = np.zeros((n, n))
    half = (n + 1) // 2
    for r0 in prange(half):
        r = np.int64(r0)
        for k in range(2):
            rr = r + k * (n - 1 - 2 * r)
            if k == 1 and rr == r:
                break
            x = codes[rr]
            for j in range(rr + 1, n):
                y = codes[j]
                d = 0.0
                for t in range(L):
                    d += sub3[t, x[t], y[t]]
                out[rr, j] = d
                out[j, rr] = d
    return out


@njit(parallel=True, cache=True)
def om_matrix(codes, lengths, sub, indel):
    """Square OM distance matrix; rows r and n-1-r form one parallel task (balanced triangle)."""
    n = codes.shape[0]
    L = codes.shape[1]
    out = np.zeros((n, n))
    half = (n + 1) // 2
    for r0 in prange(half):
        r = np.int64(r0)
        buf0 = np.empty(L + 1)
        buf1 = np.empty(L + 1)
        for k in range(2):
            rr = r + k * (n - 1 - 2 * r)
            if k == 1 and rr == r:
                break
            for j in range(rr + 1, n):
                d = _om_pair(codes[rr], lengths[rr], codes[j], lengths[j], sub, indel, buf0, buf1)
                out[rr, j] = d
                out[j, rr] = d
    return out


# --------------------------------------------------------------------------- clustering


@njit(cache=True)
def _row_min(d, active, k, n):
    """Minimum of d[k, j] over active j > k and the LAST j attaining it (agnes' tie rule)."""
    best = np.inf
    arg = -1
    for j in range(k + 1, n):
        if active[j] and best >= d[k, j]:
            best = d[k, j]
            arg = j
    return best, arg


@njit(cache=True)
def agnes_ward(d, mass):
    """Ward agglomeration exactly as ``cluster::agnes(method="ward")`` (C routine ``agnes``).

    ``d`` (n x n, overwritten) are dissimilarities between starting clusters of mass ``mass``.
    At each step the closest pair is the lexicographically LAST pair (k < j) at the minimal
    dissimilarity (agnes scans with ``d_min >= d``); b is merged into a (a < b) with
    d(q, a∪b) = sqrt(fa·d(a,q)² + fb·d(b,q)² + fc·d(a,b)²), fa = (n_a+n_q)/N, fb = (n_b+n_q)/N,
    fc = −n_q/N, N = n_a+n_b+n_q — the same floating-point expression as agnes, so ties and
    near-ties are broken identically. Row minima are cached (exact same choice as a full scan).
    Returns slots (a, b) and heights in merge order.
    """
    n = d.shape[0]
    active = np.ones(n, dtype=np.bool_)
    m = mass.copy()
    rmin = np.empty(n)
    rarg = np.empty(n, dtype=np.int64)
    for k in range(n):
        rmin[k], rarg[k] = _row_min(d, active, k, n)
    ma = np.empty(n - 1, dtype=np.int64)
    mb = np.empty(n - 1, dtype=np.int64)
    hh = np.empty(n - 1)
    for step in range(n - 1):
        best = np.inf
        la = -1
        for k in range(n):
            if active[k] and rarg[k] >= 0 and best >= rmin[k]:
                best = rmin[k]
                la = k
        lb = rarg[la]
        ma[step] = la
        mb[step] = lb
        hh[step] = best
        ta = m[la]
        tb = m[lb]
        dab = d[la, lb]
        for q in range(n):
            if q == la or q == lb or not active[q]:
                continue
            tq = m[q]
            fa = (ta + tq) / (ta + tb + tq)
            fb = (tb + tq) / (ta + tb + tq)
            fc = -tq / (ta + tb + tq)
            v = np.sqrt(fa * d[la, q] * d[la, q] + fb * d[lb, q] * d[lb, q] + fc * dab * dab)
            d[la, q] = v
            d[q, la] = v
        active[lb] = False
        m[la] = ta + tb
        rmin[la], rarg[la] = _row_min(d, active, la, n)
        rarg[lb] = -1
        for k in range(n):
            if not active[k] or k == la:
                continue
            if k < la:
                if rarg[k] == la or rarg[k] == lb:
                    rmin[k], rarg[k] = _row_min(d, active, k, n)
                else:
                    v = d[k, la]
                    if v < rmin[k] or (v == rmin[k] and la > rarg[k]):
                        rmin[k] = v
                        rarg[k] = la
            elif k < lb:
                if rarg[k] == lb:
                    rmin[k], rarg[k] = _row_min(d, active, k, n)
            else:
                break
    return ma, mb, hh


@njit(cache=True)
def pam_swap(dist, w, medoids, max_iter):
    """PAM SWAP phase (Kaufman & Rousseeuw), weighted: minimise sum_i w_i d(i, nearest medoid).

    Each iteration evaluates every (medoid, non-medoid) swap through nearest/second-nearest
    distances and applies the best one while it lowers the objective (as cluster::pam).
    """
    n = dist.shape[0]
    k = medoids.shape[0]
    is_med = np.zeros(n, dtype=np.bool_)
    for q in range(k):
        is_med[medoids[q]] = True
    near = np.empty(n)
    near_idx = np.empty(n, dtype=np.int64)
    second = np.empty(n)
    for _it in range(max_iter):
        for i in range(n):
            d1 = np.inf
            d2 = np.inf
            i1 = -1
            for q in range(k):
                dd = dist[i, medoids[q]]
                if dd < d1:
                    d2 = d1
                    d1 = dd
                    i1 = q
                elif dd < d2:
                    d2 = dd
            near[i] = d1
            near_idx[i] = i1
            second[i] = d2
        best_delta = 0.0
        best_q = -1
        best_h = -1
        for h in range(n):
            if is_med[h]:
                continue
            for q in range(k):
                delta = 0.0
                for j in range(n):
                    djh = dist[j, h]
                    if near_idx[j] == q:
                        alt = second[j] if second[j] < djh else djh
                        delta += w[j] * (alt - near[j])
                    elif djh < near[j]:
                        delta += w[j] * (djh - near[j])
                if delta < best_delta - 1e-12 * (1.0 + abs(best_delta)):
                    best_delta = delta
                    best_q = q
                    best_h = h
        if best_q < 0:
            break
        is_med[medoids[best_q]] = False
        medoids[best_q] = best_h
        is_med[best_h] = True
    return medoids
