"""R survey's ``hadamard(n)``: the Hadamard matrix ``as.svrepdesign(type = "BRR")`` uses.

Mirrors: survey::hadamard, survey:::paley, survey:::hadamard.doubler (R survey 4.1), as 0/1
matrices (1 for +1).  R chooses among its precooked matrices of orders 4, 16, 28, 36, their
doublings ``[[H, H], [H, 1 - H]]`` and Paley's construction (a prime ``p = 3 mod 4``:
quadratic residues mod p, bordered by ones), the smallest fit above ``n``.  The orders 4 and 16
are Sylvester's; R's precooked 28 and 36 (Sloane's library) are not reproduced here: the orders
that need them fall back to Sylvester's with a warning, and ``hadamard_matrix=`` takes R's.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["r_hadamard"]

_SIZES = (4, 16, 28, 36)


def _small_primes() -> list[int]:
    """The primes p = 3 (mod 4) up to 7919 (R's ``small.primes`` in ``paley``)."""
    limit = 7919
    sieve = np.ones(limit + 1, dtype=bool)
    sieve[:2] = False
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i:: i] = False
    return [int(p) for p in np.flatnonzero(sieve) if p % 4 == 3]


SMALL_PRIMES = _small_primes()


def _doubler(h: np.ndarray) -> np.ndarray:
    return np.block([[h, h], [h, 1 - h]])


def _sylvester(order: int) -> np.ndarray:
    h = np.ones((1, 1), dtype=np.int64)
    while h.shape[0] < order:
        h = _doubler(h)
    return h


def _paley_prime(p: int) -> np.ndarray:
    idx = np.arange(p)
    m = (idx[:, None] + idx[None, :]) % p
    res = {0, 1} | {(i * i) % p for i in range(2, (p - 1) // 2 + 1)}
    m = np.where(np.isin(m, list(res)), 0, 1)
    top = np.ones((1, p), dtype=np.int64)
    return np.hstack([np.ones((p + 1, 1), dtype=np.int64), np.vstack([top, m])])


def paley(n: int, nmax: int | None = None) -> np.ndarray | None:
    """survey:::paley(n, nmax) (prime = NULL)."""
    nmax = 2 * n if nmax is None else nmax
    nceil = nn = n + 4 - (n % 4)
    if (n % 4) + 4 == (n % 8):
        while not nn % 8:
            nn //= 2
        if (nn - 1) in SMALL_PRIMES:
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = _doubler(m)
                nn *= 2
            return m
    if n > max(SMALL_PRIMES):
        return None
    p = min(q for q in SMALL_PRIMES if q >= n)
    if (p + 1 > nceil + 4) and (nceil + 4 < nmax):
        return paley(nceil + 3)
    if p > nmax:
        return None
    return _paley_prime(p)


def _precooked(k: int) -> np.ndarray | None:
    """R's precooked matrix of order ``_SIZES[k]`` (None for 28 and 36: not reproduced)."""
    return _sylvester(_SIZES[k]) if _SIZES[k] in (4, 16) else None


def r_hadamard(n: int) -> np.ndarray:
    """The 0/1 matrix of R's ``hadamard(n)`` (order at least n + 1).  For the orders R builds
    on its precooked 28/36 matrices: Sylvester's matrix of the next power-of-2 order and a
    :class:`ReplicateWarning` (variances of linear estimates are the same; nonlinear ones and
    the number of replicates differ from R's; ``hadamard_matrix=`` takes R's matrix)."""
    h = _r_hadamard(n)
    if h is None:
        import warnings

        from .errors import ReplicateWarning

        order = 1
        while order < n + 1:
            order *= 2
        warnings.warn(ReplicateWarning(
            f"BRR with {n} strata: R's hadamard({n}) builds on its precooked order-28/36 "
            f"matrices, not reproduced here; Sylvester's order-{order} matrix is used ({order} "
            "replicates). Linear estimates get R's variances, nonlinear ones may differ slightly: "
            "pass R's matrix with hadamard_matrix= to match R."), stacklevel=4)
        return _sylvester(order)
    return h


def _r_hadamard(n: int) -> np.ndarray | None:
    m = n - (n % 4)
    pre = [k for k, s in enumerate(_SIZES) if m < s <= m + 4]
    if pre:
        return _precooked(min(pre))
    sizes = [s * 2 ** max(0, math.ceil(math.log2((n + 1) / s))) for s in _SIZES]
    best = int(np.argmin([s - n for s in sizes]))
    h = paley(n, sizes[best]) if sizes[best] - n > 4 else None
    if h is None:
        ndoubles = math.ceil(math.log2(sizes[best] / _SIZES[best]))
        h = _precooked(best)
        if h is None:
            return None
        for _ in range(ndoubles):
            h = _doubler(h)
    return h
