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
def _om_pair(y, lx, ly, subx, indx, indy, prev, cur):
    """Optimal matching (Levenshtein with costs) between x[:lx] and y[:ly].

    d[i, j] = min(d[i-1, j-1] + sub[x_i, y_j], d[i-1, j] + indel[x_i], d[i, j-1] + indel[y_j]),
    d[i, 0] = Σ indel[x_1..x_i], d[0, j] likewise; ``subx[i] = sub[x_i, :]``, ``indx``/``indy``
    the indel costs along x and y. Two rolling rows.
    """
    prev[0] = 0.0
    for j in range(1, ly + 1):
        prev[j] = prev[j - 1] + indy[j - 1]
    for i in range(1, lx + 1):
        di = indx[i - 1]
        sr = subx[i - 1]
        left = prev[0] + di
        cur[0] = left
        diag = prev[0]
        for j in range(1, ly + 1):
            up = prev[j]
            best = diag + sr[y[j - 1]]
            c = up + di
            if c < best:
                best = c
            c = left + indy[j - 1]
            if c < best:
                best = c
            cur[j] = best
            left = best
            diag = up
        tmp = prev
        prev = cur
        cur = tmp
    return prev[ly]


@njit(cache=True, nogil=True)
def _om_pair2(y1, y2, lx, ly, subx, indx, indy1, indy2, p1, c1, p2, c2, out2):
    """Two OM recurrences (x vs y1, x vs y2, same length) interleaved in one loop.

    Same operations as :func:`_om_pair` for each (bit-identical results); the two independent
    dependency chains let the CPU overlap their latencies (~1.5x throughput).
    """
    p1[0] = 0.0
    p2[0] = 0.0
    for j in range(1, ly + 1):
        p1[j] = p1[j - 1] + indy1[j - 1]
        p2[j] = p2[j - 1] + indy2[j - 1]
    for i in range(1, lx + 1):
        di = indx[i - 1]
        sr = subx[i - 1]
        l1 = p1[0] + di
        l2 = p2[0] + di
        c1[0] = l1
        c2[0] = l2
        g1 = p1[0]
        g2 = p2[0]
        for j in range(1, ly + 1):
            u1 = p1[j]
            u2 = p2[j]
            b1 = g1 + sr[y1[j - 1]]
            b2 = g2 + sr[y2[j - 1]]
            t1 = u1 + di
            t2 = u2 + di
            if t1 < b1:
                b1 = t1
            if t2 < b2:
                b2 = t2
            t1 = l1 + indy1[j - 1]
            t2 = l2 + indy2[j - 1]
            if t1 < b1:
                b1 = t1
            if t2 < b2:
                b2 = t2
            c1[j] = b1
            c2[j] = b2
            l1 = b1
            l2 = b2
            g1 = u1
            g2 = u2
        t = p1
        p1 = c1
        c1 = t
        t = p2
        p2 = c2
        c2 = t
    out2[0] = p1[ly]
    out2[1] = p2[ly]


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
    """Square OM distance matrix; rows r and n-1-r form one parallel task (balanced triangle).

    Along a row, two columns of equal length are computed together (:func:`_om_pair2`).
    """
    n = codes.shape[0]
    L = codes.shape[1]
    k = sub.shape[0]
    out = np.zeros((n, n))
    half = (n + 1) // 2
    for r0 in prange(half):
        r = np.int64(r0)
        b1 = np.empty(L + 1)
        b2 = np.empty(L + 1)
        b3 = np.empty(L + 1)
        b4 = np.empty(L + 1)
        o2 = np.empty(2)
        subx = np.empty((L, k))
        indx = np.empty(L)
        iy1 = np.empty(L)
        iy2 = np.empty(L)
        for kk in range(2):
            rr = r + kk * (n - 1 - 2 * r)
            if kk == 1 and rr == r:
                break
            x = codes[rr]
            lx = lengths[rr]
            for i in range(lx):
                indx[i] = indel[x[i]]
                for q in range(k):
                    subx[i, q] = sub[x[i], q]
            j = rr + 1
            while j < n:
                ly = lengths[j]
                for t in range(ly):
                    iy1[t] = indel[codes[j, t]]
                if j + 1 < n and lengths[j + 1] == ly:
                    for t in range(ly):
                        iy2[t] = indel[codes[j + 1, t]]
                    _om_pair2(
                        codes[j], codes[j + 1], lx, ly, subx, indx, iy1, iy2, b1, b2, b3, b4, o2
                    )
                    out[rr, j] = o2[0]
                    out[j, rr] = o2[0]
                    out[rr, j + 1] = o2[1]
                    out[j + 1, rr] = o2[1]
                    j += 2
                else:
                    d = _om_pair(codes[j], lx, ly, subx, indx, iy1, b1, b2)
                    out[rr, j] = d
                    out[j, rr] = d
                    j += 1
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


@njit(parallel=True, cache=True)
def _swap_deltas(dist, w, is_med, near, near_idx, second, k, best_delta, best_q):
    """For each candidate h, the best medoid to swap out and its cost change (FastPAM1 pass).

    delta_q(h) = Σ_j w_j min(d_jh − D_j, 0)
               + Σ_{j: m(j) = q} w_j [min(d_jh, E_j) − D_j − min(d_jh − D_j, 0)],
    D_j / E_j the distances to the nearest / second-nearest medoid: one pass over j per h.
    """
    n = dist.shape[0]
    for h in prange(n):
        best_delta[h] = np.inf
        best_q[h] = -1
        if is_med[h]:
            continue
        corr = np.zeros(k)
        shared = 0.0
        for j in range(n):
            djh = dist[j, h]
            gain = djh - near[j]
            if gain > 0.0:
                gain = 0.0
            shared += w[j] * gain
            alt = second[j] if second[j] < djh else djh
            corr[near_idx[j]] += w[j] * (alt - near[j] - gain)
        for q in range(k):
            dq = shared + corr[q]
            if dq < best_delta[h]:
                best_delta[h] = dq
                best_q[h] = q


@njit(cache=True)
def pam_swap(dist, w, medoids, max_iter):
    """PAM SWAP phase (Kaufman & Rousseeuw), weighted: minimise sum_i w_i d(i, nearest medoid).

    Each iteration evaluates every (medoid, non-medoid) swap (FastPAM1 shared pass, Schubert &
    Rousseeuw 2019 — same swaps as PAM, O(n²) per iteration) and applies the best one while it
    lowers the objective, as cluster::pam; ties go to the first candidate h, then medoid q.
    """
    n = dist.shape[0]
    k = medoids.shape[0]
    is_med = np.zeros(n, dtype=np.bool_)
    for q in range(k):
        is_med[medoids[q]] = True
    near = np.empty(n)
    near_idx = np.empty(n, dtype=np.int64)
    second = np.empty(n)
    best_delta = np.empty(n)
    best_q = np.empty(n, dtype=np.int64)
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
        _swap_deltas(dist, w, is_med, near, near_idx, second, k, best_delta, best_q)
        bd = 0.0
        bh = -1
        for h in range(n):
            if best_q[h] >= 0 and best_delta[h] < bd - 1e-12 * (1.0 + abs(bd)):
                bd = best_delta[h]
                bh = h
        if bh < 0:
            break
        q = best_q[bh]
        is_med[medoids[q]] = False
        medoids[q] = bh
        is_med[bh] = True
    return medoids
