"""Vectorised building blocks shared by the generators (no loops over rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from arefie_studies.io.codebook import Codebook, Variable
from arefie_studies.io.write import write_parquet, write_sav


def V(label: str, values: Mapping[Any, str] | None = None, *, measure: str | None = None,
      missing: Sequence[Any] = (), range: tuple[float, float] | None = None,
      type: str = "numeric", role: str | None = None) -> dict[str, Any]:
    """A variable spec: label, value labels, measure, user-missing codes, allowed range."""
    if measure is None:
        measure = "nominal" if values else ("scale" if type == "numeric" else None)
    return {"label": label, "values": dict(values or {}), "measure": measure, "missing": list(missing),
            "range": range, "type": type, "role": role}


def make_codebook(dataset: str, description: str, specs: Mapping[str, Mapping[str, Any]],
                  id_columns: Sequence[str] = ()) -> Codebook:
    variables = {
        name: Variable(name=name, label=s["label"], type=s["type"], value_labels=s["values"],
                       missing_codes=s["missing"], measure=s["measure"], range=s["range"],
                       role=s["role"])
        for name, s in specs.items()
    }
    return Codebook(variables=variables, dataset=dataset, description=description,
                    id_columns=list(id_columns))


def save_sav(df: pd.DataFrame, cb: Codebook, path: Path) -> Path:
    """Write ``df`` (numeric codes) as a labelled .sav following its codebook."""
    frame = df[cb.names]
    return write_sav(
        frame, path,
        variable_labels={v.name: v.label for v in cb if v.label},
        value_labels={v.name: v.value_labels for v in cb if v.value_labels},
        missing_ranges={v.name: v.missing_codes for v in cb if v.missing_codes},
        measure={v.name: v.measure for v in cb if v.measure},
        file_label=(cb.description or "")[:64],
    )


def save_parquet(df: pd.DataFrame, cb: Codebook, path: Path) -> Path:
    return write_parquet(df[cb.names], path, cb)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def calibrate_intercept(lin: np.ndarray, u: np.ndarray, target: float) -> float:
    """Offset c so that mean(u < sigmoid(lin + c)) equals ``target`` on these very draws.

    u < sigmoid(lin + c) ⇔ logit(u) − lin < c, so c is the ``target`` quantile of logit(u) − lin:
    the sample share hits the target to 1/n, deterministically (the draws ``u`` are fixed).
    """
    gap = np.log(u) - np.log1p(-u) - lin
    return float(np.quantile(gap, target))


def binary(rng: np.random.Generator, lin: np.ndarray, target: float) -> np.ndarray:
    """0/1 outcome with log-odds ``lin + c``, c calibrated so the sample share equals ``target``."""
    u = rng.random(len(lin))
    c = calibrate_intercept(lin, u, target)
    return (np.log(u) - np.log1p(-u) - lin < c).astype(np.int8)


def ordinal(latent: np.ndarray, shares: Sequence[float], start: int = 1) -> np.ndarray:
    """Cut a latent score at its empirical quantiles so category k has share ``shares[k]``."""
    cum = np.cumsum(np.asarray(shares, dtype=float))[:-1] / np.sum(shares)
    cuts = np.quantile(latent, cum)
    return (np.searchsorted(cuts, latent, side="right") + start).astype(np.int16)


def categorical(rng: np.random.Generator, logits: np.ndarray, start: int = 1) -> np.ndarray:
    """One draw per row from softmax(logits) (n × k) by the Gumbel-max trick."""
    g = rng.gumbel(size=logits.shape)
    return (np.argmax(logits + g, axis=1) + start).astype(np.int16)


def choice_by_group(rng: np.random.Generator, groups: np.ndarray, options: Mapping[Any, Sequence[Any]],
                    weights: Mapping[Any, Sequence[float]]) -> np.ndarray:
    """For each row, draw one of ``options[group]`` with ``weights[group]`` (vectorised per group)."""
    out = np.empty(len(groups), dtype=object)
    u = rng.random(len(groups))
    for g, opts in options.items():  # a handful of groups, not rows
        idx = np.flatnonzero(groups == g)
        if idx.size == 0:
            continue
        w = np.asarray(weights[g], dtype=float)
        cum = np.cumsum(w / w.sum())
        k = np.minimum(np.searchsorted(cum, u[idx], side="right"), len(opts) - 1)
        out[idx] = np.asarray(opts, dtype=object)[k]
    return out


def sprinkle_missing(rng: np.random.Generator, x: np.ndarray, share: float, code: float) -> np.ndarray:
    """Replace a random ``share`` of non-missing values by a user-missing ``code``."""
    x = x.astype(float).copy()
    hit = (rng.random(len(x)) < share) & ~np.isnan(x)
    x[hit] = code
    return x


def zscore(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return (x - x.mean()) / (x.std() or 1.0)


def make_ids(prefix: str | np.ndarray, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers ``prefix + zero-padded number`` built column-wise (object array of str)."""
    num = np.char.zfill(np.asarray(numbers).astype(np.int64).astype(str), width)
    return np.char.add(np.asarray(prefix).astype(str), num).astype(object)


def hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 16-hex-digit tokens (like pseudonymised i-Milo ids)."""
    return np.char.mod("%016x", rng.integers(0, 2**63, n, dtype=np.int64)).astype(object)
