"""R survey's ``hadamard(n)``: the Hadamard matrix ``as.svrepdesign(type = "BRR")`` uses.

Mirrors: survey::hadamard, survey:::paley, survey:::hadamard.doubler (R survey 4.1), as 0/1
matrices (1 for +1).  R chooses among its precooked matrices of orders 4, 16, 28, 36, their
doublings ``[[H, H], [H, 1 - H]]`` and Paley's construction (a prime ``p = 3 mod 4``:
quadratic residues mod p, bordered by ones), the smallest fit above ``n``.  The orders 4 and 16
are Sylvester's; R's precooked 28 and 36 (Sloane's library, ``survey:::hadamard.list``) are
package data exported from R (``data/r_hadamard_28_36.json``, written by
``tests/reference/r/hadamard.R``; survey is GPL-2 | GPL-3, a +1/-1 pattern is data).
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources

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


@functools.cache
def _r_precooked() -> dict[int, np.ndarray]:
    """R's precooked order-28 and order-36 matrices (0/1) from the package data."""
    text = resources.files(__package__).joinpath("data", "r_hadamard_28_36.json").read_text()
    data = json.loads(text)
    return {28: np.array(data["order28"], dtype=np.int64),
            36: np.array(data["order36"], dtype=np.int64)}


def _precooked(k: int) -> np.ndarray:
    """R's precooked matrix of order ``_SIZES[k]``: Sylvester's for 4 and 16, R's data for 28
    and 36."""
    size = _SIZES[k]
    return _sylvester(size) if size in (4, 16) else _r_precooked()[size].copy()


def r_hadamard(n: int) -> np.ndarray:
    """The 0/1 matrix of R's ``hadamard(n)`` (order at least n + 1), equal to R's."""
    return _r_hadamard(n)


def _r_hadamard(n: int) -> np.ndarray:
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
        for _ in range(ndoubles):
            h = _doubler(h)
    return h
