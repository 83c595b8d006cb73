"""Compiled (numba) kernels of the proportional-odds likelihood: one fused pass over the rows.

The model's row terms use ``F(z_k - eta_i) = 1 / (1 + e_i g_k)`` with ``e_i = exp(eta_i)``
(one exponential per row, computed by the caller) and ``g_k = exp(-z_k)`` for the cut points
``z = (-100, zeta_1..zeta_q, 100)`` (the library's outer bounds): R's ``optimhess`` then needs
no exponential at all for the ``2 q`` cut-point perturbations.  Both kernels equal the numpy
forms of :class:`arefie_studies.survey._olr._Problem` to rounding.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def olr_gradient(e: np.ndarray, x: np.ndarray, code: np.ndarray, w: np.ndarray,
                 g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Gradient in ``(beta, zeta)`` of ``-sum_i w_i log(F(u_i) - F(l_i))``,
    ``u_i = z[y_i + 1] - eta_i``, ``l_i = z[y_i] - eta_i``::

        d/d beta   =  sum_i x_i (gu_i + gl_i),   gu = w f(u) / P,  gl = -w f(l) / P
        d/d zeta_k = -(sum_{y_i = k} gu_i + sum_{y_i = k + 1} gl_i)
    """
    n, pc = x.shape
    q = g.size - 2
    gb = np.zeros(pc)
    gzeta = np.zeros(q)
    for i in range(n):
        c = code[i]
        fu = 1.0 / (1.0 + e[i] * g[c + 1])
        fl = 1.0 / (1.0 + e[i] * g[c])
        p = fu - fl
        gu = w[i] * fu * (1.0 - fu) / p
        gl = -w[i] * fl * (1.0 - fl) / p
        s = gu + gl
        for j in range(pc):
            gb[j] += x[i, j] * s
        if c < q:
            gzeta[c] -= gu
        if c >= 1:
            gzeta[c - 1] -= gl
    return gb, gzeta


@numba.njit(cache=True, nogil=True)
def olr_nll_grad_hess(e: np.ndarray, x: np.ndarray, code: np.ndarray, w: np.ndarray,
                      g: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:  # pragma: no cover
    """Negative log-likelihood, gradient and Hessian in ``(beta, zeta)`` (``nll = inf`` when a
    row has ``P <= 0``).  Per row, with ``a = f(u)``, ``b = f(l)``::

        huu = gu (1 - 2 F(u)) - gu a / P,  hll = gl (1 - 2 F(l)) + gl b / P,  hul = gu b / P

    and ``du = dzeta_k - x'dbeta``, ``dl = dzeta_{k-1} - x'dbeta`` (``_Problem._nll_grad_hess``).
    """
    n, pc = x.shape
    q = g.size - 2
    k = pc + q
    h = np.zeros((k, k))
    grad = np.zeros(k)
    nll = 0.0
    for i in range(n):
        c = code[i]
        fu = 1.0 / (1.0 + e[i] * g[c + 1])
        fl = 1.0 / (1.0 + e[i] * g[c])
        p = fu - fl
        if not p > 0:
            return np.inf, grad, h
        wi = w[i]
        nll -= wi * np.log(p)
        a = fu * (1.0 - fu)
        b = fl * (1.0 - fl)
        gu = wi * a / p
        gl = -wi * b / p
        huu = gu * (1.0 - 2.0 * fu) - gu * a / p
        hll = gl * (1.0 - 2.0 * fl) + gl * b / p
        hul = gu * b / p
        s = gu + gl
        t = huu + hll + 2.0 * hul
        for j in range(pc):
            xj = x[i, j]
            grad[j] += xj * s
            for m in range(pc):
                h[j, m] += xj * x[i, m] * t
            if c < q:
                h[j, pc + c] -= xj * (huu + hul)
            if c >= 1:
                h[j, pc + c - 1] -= xj * (hul + hll)
        if c < q:
            grad[pc + c] -= gu
            h[pc + c, pc + c] += huu
        if c >= 1:
            grad[pc + c - 1] -= gl
            h[pc + c - 1, pc + c - 1] += hll
        if 1 <= c <= q - 1:
            h[pc + c, pc + c - 1] += hul
            h[pc + c - 1, pc + c] += hul
    for j in range(pc):
        for m in range(q):
            h[pc + m, j] = h[j, pc + m]
    return nll, grad, -h


@numba.njit(cache=True, nogil=True)
def olr_influence(e: np.ndarray, x: np.ndarray, code: np.ndarray, w: np.ndarray, g: np.ndarray,
                  vm: np.ndarray, dest: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[dest[i]] = score_i vm``: each row's gradient of ``-w log P`` in ``(beta, zeta)``
    (``_Problem.gmini``) times ``vm`` (k, k), written at row ``dest[i]`` of ``out`` (N, k)."""
    n, pc = x.shape
    q = g.size - 2
    k = pc + q
    for i in range(n):
        c = code[i]
        fu = 1.0 / (1.0 + e[i] * g[c + 1])
        fl = 1.0 / (1.0 + e[i] * g[c])
        p = fu - fl
        gu = w[i] * fu * (1.0 - fu) / p
        gl = -w[i] * fl * (1.0 - fl) / p
        s = gu + gl
        r = dest[i]
        for m in range(k):
            acc = 0.0
            for j in range(pc):
                acc += x[i, j] * s * vm[j, m]
            if c < q:
                acc -= gu * vm[pc + c, m]
            if c >= 1:
                acc -= gl * vm[pc + c - 1, m]
            out[r, m] = acc
