"""Multiple correspondence analysis with row (survey) weights.

Mirrors: ``FactoMineR::MCA(X, ncp, quali.sup, quanti.sup, row.w, method="Indicator",
na.method="NA")`` (FactoMineR 2.7), i.e. a correspondence analysis (``FactoMineR::CA``) of the
indicator matrix ``Z`` (n rows x J categories of the Q active variables) with row weights.

With raw weights ``w`` (default 1), row masses ``r = w / sum(w)``, category masses
``c_j = sum_i r_i Z_ij / Q`` and ``T_ij = Z_ij / (Q c_j) - 1``, the SVD of
``diag(sqrt r) T diag(sqrt c) = U S V'`` gives the eigenvalues ``s_k^2``, the category coordinates
``G = diag(c)^{-1/2} V S`` and the row coordinates ``F = (Z / Q) diag(c)^{-1/2} V`` (the transition
formula, equal to ``diag(r)^{-1/2} U S``). Each axis is oriented as ``FactoMineR::svd.triplet``: the
sum of the entries of the singular vector ``V[:, k]`` (i.e. ``sum_j sqrt(c_j) G_jk / s_k``) is positive.

V-tests use the raw weights: ``N = sum(w)``, ``N_j = sum_i w_i Z_ij``,
``v_jk = G_jk sqrt(N_j (N - 1) / (N - N_j))`` — so survey weights that sum to a population size give
v-tests for that size (as FactoMineR's ``row.w``); rescale weights to sum to the sample size to get
v-tests on the sample scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ._mca_data import PreparedMCAData, as_text, prepare_mca_data
from ._mca_errors import MCAInputError, NotFittedError

__all__ = ["MCA"]


def _dims(k: int) -> list[str]:
    return [f"Dim {i + 1}" for i in range(k)]


def _vtest_coef(nj: np.ndarray, n: float) -> np.ndarray:
    """``sqrt(Nj (N-1)/(N-Nj))`` as FactoMineR (``sqrt(Nj)`` when N <= 1)."""
    if n > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(nj * ((n - 1) / (n - nj)))
    return np.sqrt(nj)


def _validate_weights(weights, df: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    column = None
    if weights is None:
        return np.ones(df.shape[0]), None
    if isinstance(weights, str):
        if weights not in df.columns:
            raise MCAInputError(f"MCA.fit: `weights` names column {weights!r} which is not in `df`; "
                                f"available columns: {[str(c) for c in df.columns]}.")
        column = weights
        weights = df[weights]
    try:
        w = np.asarray(weights, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise MCAInputError(f"MCA.fit: `weights` must be numeric ({exc}).") from exc
    if w.shape[0] != df.shape[0]:
        raise MCAInputError(f"MCA.fit: `weights` has length {w.shape[0]} but `df` has "
                            f"{df.shape[0]} rows.")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        rows = df.index[bad[:10]].tolist()
        raise MCAInputError(f"MCA.fit: `weights` must be finite and >= 0; {bad.size} bad value(s) at "
                            f"rows {rows}{' ...' if bad.size > 10 else ''}.")
    if w.sum() <= 0:
        raise MCAInputError("MCA.fit: `weights` sum to 0; at least one row needs a positive weight.")
    return w, column


class MCA:
    """Multiple correspondence analysis (indicator method) with row weights.

    Mirrors: ``FactoMineR::MCA`` (see the module docstring for the formulas).

    Parameters
    ----------
    n_components:
        Number of axes kept (FactoMineR's ``ncp``); capped at ``J - Q`` and ``n - 1``.

    Attributes (after ``fit``)
    --------------------------
    eigenvalues_ : DataFrame ``eigenvalue, % of variance, cumulative %`` (all non-null eigenvalues,
        as ``res$eig``), index ``Dim 1 ...``.
    row_coordinates_, row_contributions_ (%), row_cos2_ : DataFrames, one row per row of ``df``.
    category_coordinates_, category_contributions_ (%), category_cos2_, category_vtest_ : one row per
        active category, labelled and ordered as FactoMineR (variable order, then level order).
    eta2_ : squared correlation ratio of each active variable with each axis (``res$var$eta2``).
    quali_sup_coordinates_, quali_sup_cos2_, quali_sup_vtest_, quali_sup_eta2_ : supplementary
        categories (``res$quali.sup``).
    quanti_sup_correlations_ : correlations of supplementary numeric columns with the axes
        (``res$quanti.sup$coord``).
    categories_ : DataFrame ``variable, level, weight, frequency`` per active category.
    row_weights_ : the raw row weights (``row.w``); ``row_masses_`` = weights / their sum.
    data_ : the analysed columns as factors (missing values recoded ``"<var>.NA"``), used by HCPC.

    Examples
    --------
    >>> tea = pd.read_csv("tests/reference/data/tea.csv")  # doctest: +SKIP
    >>> mca = MCA(5).fit(tea, weights=None, quali_sup=list(tea.columns[19:]),
    ...                  quanti_sup=["age"])  # doctest: +SKIP
    >>> mca.eigenvalues_.iloc[0, 0]  # FactoMineR: 0.1482744  # doctest: +SKIP
    >>> mca.corrected_inertia("greenacre")  # doctest: +SKIP
    """

    def __init__(self, n_components: int = 5) -> None:
        self.n_components = n_components

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, weights: Sequence[float] | np.ndarray | pd.Series | str | None = None,
            quali_sup: Sequence[str] | None = None,
            quanti_sup: Sequence[str] | None = None) -> MCA:
        """Fit on ``df``; columns not named in ``quali_sup``/``quanti_sup`` are active.

        ``weights`` is an array of row weights (FactoMineR ``row.w``) or the name of a column of
        ``df`` holding them (that column is then not analysed).
        """
        if not isinstance(self.n_components, int | np.integer) or self.n_components < 1:
            raise MCAInputError(f"MCA: `n_components` must be a positive integer, got "
                                f"{self.n_components!r}.")
        if not isinstance(df, pd.DataFrame):
            raise MCAInputError(f"MCA.fit: `df` must be a pandas DataFrame, got {type(df).__name__}.")
        w, wcol = _validate_weights(weights, df)
        prep = prepare_mca_data(df, quali_sup, quanti_sup, exclude=(wcol,) if wcol else ())
        self._fit_prepared(prep, w)
        return self

    def _fit_prepared(self, prep: PreparedMCAData, w: np.ndarray) -> None:
        z = prep.indicator
        n_cat = z.shape[1]
        q = len(prep.active)
        n_pos = int((w > 0).sum())
        r = w / w.sum()
        c = (r @ z) / q
        zero_cats = np.flatnonzero(c <= 0)
        if zero_cats.size:
            names = prep.categories.index[zero_cats].tolist()
            raise MCAInputError(f"MCA.fit: categories {names} only occur in rows with weight 0; "
                                "drop those rows or recode the categories.")
        # scaled matrix sqrt(r) * (Z/(Q c) - 1) * sqrt(c)
        t = z / (q * c) - 1.0
        x = np.sqrt(r)[:, None] * t * np.sqrt(c)[None, :]
        _, s, vt = np.linalg.svd(x, full_matrices=False)
        n_sv = min(n_cat, n_pos - 1)
        s = s[:n_sv]
        eig_all = s**2
        n_eig = min(n_pos - 1, n_cat - q) if q > 1 else n_cat - 1
        n_eig = max(min(n_eig, n_sv), 1)
        k = int(min(self.n_components, n_cat - q if n_cat - q > 0 else 1, n_pos - 1, n_cat - 1))
        if k < 1:
            raise MCAInputError("MCA.fit: the active variables have a single category each; "
                                "there is no axis to extract.")
        v = vt[:k].T  # J x k
        mult = np.sign(v.sum(axis=0))
        mult[mult == 0] = 1.0
        v = v * mult
        eig = eig_all[:k]
        v_std = v / np.sqrt(c)[:, None]
        col_coord = v_std * s[:k]
        row_coord = (z / q) @ v_std
        dims = _dims(k)
        total = eig_all.sum()
        pct = eig_all / total * 100.0
        self.eigenvalues_ = pd.DataFrame(
            {"eigenvalue": eig_all[:n_eig], "% of variance": pct[:n_eig],
             "cumulative %": np.cumsum(pct)[:n_eig]},
            index=pd.Index(_dims(n_eig), name="dimension"))
        self._eig_full = eig_all
        idx = prep.data.index
        cats = prep.categories.index
        dist2_row = (z / (q * q * c)).sum(axis=1) - 1.0
        dist2_col = 1.0 / (q * c) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            row_cos2 = row_coord**2 / dist2_row[:, None]
        self.row_coordinates_ = pd.DataFrame(row_coord, index=idx, columns=dims)
        self.row_contributions_ = pd.DataFrame(row_coord**2 * r[:, None] / eig * 100.0,
                                               index=idx, columns=dims)
        self.row_cos2_ = pd.DataFrame(row_cos2, index=idx, columns=dims)
        self.category_coordinates_ = pd.DataFrame(col_coord, index=cats, columns=dims)
        contrib = col_coord**2 * c[:, None] / eig * 100.0
        self.category_contributions_ = pd.DataFrame(contrib, index=cats, columns=dims)
        self.category_cos2_ = pd.DataFrame(col_coord**2 / dist2_col[:, None], index=cats, columns=dims)
        n_tot = float(w.sum())
        nj = w @ z
        self.category_vtest_ = pd.DataFrame(col_coord * _vtest_coef(nj, n_tot)[:, None],
                                            index=cats, columns=dims)
        variables = prep.categories["variable"].to_numpy()
        if q > 1:
            eta = (pd.DataFrame(contrib / 100.0, index=cats, columns=dims)
                   .groupby(variables, sort=False).sum() * eig * q)
            self.eta2_ = eta.reindex(prep.active)
        else:
            self.eta2_ = pd.DataFrame(np.ones((1, k)), index=prep.active, columns=dims)
        self.eta2_.index.name = "variable"
        self.categories_ = prep.categories.assign(weight=nj, frequency=c * q)
        # supplementary categorical variables (CA col.sup path)
        u_std = row_coord / s[:k]
        self._fit_quali_sup(prep, w, r, u_std, row_coord, n_tot, dims)
        # supplementary numeric variables: weighted (ML) correlation with the axes
        if prep.quanti_sup:
            xq = prep.quanti.to_numpy()
            xc = xq - r @ xq
            uc = u_std - r @ u_std
            cov = (xc * r[:, None]).T @ uc
            with np.errstate(divide="ignore", invalid="ignore"):
                corr = cov / np.sqrt(np.outer(r @ xc**2, r @ uc**2))
            self.quanti_sup_correlations_ = pd.DataFrame(corr, index=pd.Index(prep.quanti_sup,
                                                         name="variable"), columns=dims)
        else:
            self.quanti_sup_correlations_ = pd.DataFrame(columns=dims, dtype=float)
        self.n_components_ = k
        self.row_weights_ = pd.Series(w, index=idx, name="weight")
        self.row_masses_ = pd.Series(r, index=idx, name="mass")
        self.data_ = prep.data
        self.active_ = list(prep.active)
        self.quali_sup_ = list(prep.quali_sup)
        self.quanti_sup_ = list(prep.quanti_sup)
        self._prep = prep

    def _fit_quali_sup(self, prep: PreparedMCAData, w, r, u_std, row_coord, n_tot, dims) -> None:
        zs = prep.sup_indicator
        scats = prep.sup_categories.index
        if zs.shape[1] == 0:
            empty = pd.DataFrame(columns=dims, dtype=float)
            self.quali_sup_coordinates_ = empty
            self.quali_sup_cos2_ = empty.copy()
            self.quali_sup_vtest_ = empty.copy()
            self.quali_sup_eta2_ = empty.copy()
            return
        wz = zs * w[:, None]
        njs = wz.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            prof = wz / njs  # column profiles, each sums to 1
            coord = prof.T @ u_std
            dist2 = ((prof - r[:, None]) ** 2 / r[:, None])[r > 0].sum(axis=0)
            cos2 = coord**2 / dist2[:, None]
        self.quali_sup_coordinates_ = pd.DataFrame(coord, index=scats, columns=dims)
        self.quali_sup_cos2_ = pd.DataFrame(cos2, index=scats, columns=dims)
        self.quali_sup_vtest_ = pd.DataFrame(coord * _vtest_coef(njs, n_tot)[:, None],
                                             index=scats, columns=dims)
        # squared correlation ratio of each supplementary variable with the row coordinates
        sums = wz.T @ row_coord  # Jsup x k
        between = pd.DataFrame(sums**2 / njs[:, None], index=scats).groupby(
            prep.sup_categories["variable"].to_numpy(), sort=False).sum()
        denom = w @ row_coord**2
        eta2 = between.reindex(prep.quali_sup).to_numpy() / denom
        self.quali_sup_eta2_ = pd.DataFrame(eta2, index=pd.Index(prep.quali_sup, name="variable"),
                                            columns=dims)

    # ------------------------------------------------------------- results
    def _check_fitted(self) -> None:
        if not hasattr(self, "eigenvalues_"):
            raise NotFittedError("This MCA is not fitted yet; call `MCA(...).fit(df)` first.")

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Coordinates of rows of ``df`` projected as supplementary individuals.

        Mirrors: ``FactoMineR::MCA(..., ind.sup = ...)$ind.sup$coord`` — each row sits at the mean
        of its categories' standard coordinates. ``df`` needs the active columns; their values
        must be categories seen by ``fit`` (a missing value maps to ``"<var>.NA"`` if it existed).
        """
        self._check_fitted()
        if not isinstance(df, pd.DataFrame):
            raise MCAInputError(f"MCA.transform: `df` must be a DataFrame, got {type(df).__name__}.")
        columns = {str(c): c for c in df.columns}
        missing = [v for v in self.active_ if v not in columns]
        if missing:
            raise MCAInputError(f"MCA.transform: active columns {missing} are not in `df`; "
                                f"available columns: {list(columns)}.")
        cats = self.categories_
        q = len(self.active_)
        z = np.zeros((df.shape[0], cats.shape[0]))
        rows = np.arange(df.shape[0])
        for var in self.active_:
            positions = np.flatnonzero(cats["variable"].to_numpy() == var)
            where = dict(zip(cats["level"].to_numpy()[positions], positions, strict=True))
            text = as_text(df[columns[var]])
            label = text.map(self._prep.level_maps[var])
            na_label = f"{var}.NA"
            label = label.where(text.notna(), na_label if na_label in where else None)
            unknown = label.isna().to_numpy()
            if unknown.any():
                values = sorted({str(v) for v in text[unknown]})
                raise MCAInputError(
                    f"MCA.transform: column {var!r} has values not seen by fit: {values} (rows "
                    f"{df.index[unknown][:10].tolist()}); known levels: {list(where)}.")
            z[rows, label.map(where).to_numpy(dtype=np.int64)] = 1.0
        g = self.category_coordinates_.to_numpy()
        lam = self.eigenvalues_["eigenvalue"].to_numpy()[: self.n_components_]
        coords = (z / q) @ (g / np.sqrt(lam))
        return pd.DataFrame(coords, index=df.index, columns=self.category_coordinates_.columns)

    def corrected_inertia(self, method: Literal["benzecri", "greenacre"] = "benzecri") -> pd.DataFrame:
        """Benzécri or Greenacre corrected inertia rates for the eigenvalues above ``1/Q``.

        Corrected eigenvalue ``((Q/(Q-1)) (lambda - 1/Q))^2`` (Benzécri 1979). Benzécri's rate divides
        by the sum of corrected eigenvalues (as FactoMineR's modified rates, unrounded); Greenacre's
        (1993) divides by the adjusted total inertia ``Q/(Q-1) (sum(lambda^2) - (J-Q)/Q^2)``.
        Columns: ``eigenvalue, corrected eigenvalue, % of variance, cumulative %``.
        """
        self._check_fitted()
        if method not in ("benzecri", "greenacre"):
            raise MCAInputError(f"MCA.corrected_inertia: `method` must be 'benzecri' or 'greenacre', "
                                f"got {method!r}.")
        q = len(self.active_)
        if q < 2:
            raise MCAInputError("MCA.corrected_inertia: needs at least 2 active variables.")
        n_cat = self.category_coordinates_.shape[0]
        lam = self.eigenvalues_["eigenvalue"].to_numpy()
        keep = lam > (1.0 / q) * (1.0 + 1e-10)  # eigenvalues equal to 1/Q up to rounding are out
        corrected = ((q / (q - 1.0)) * (lam[keep] - 1.0 / q)) ** 2
        if method == "benzecri":
            denom = corrected.sum()
        else:
            denom = q / (q - 1.0) * ((self._eig_full**2).sum() - (n_cat - q) / q**2)
        pct = corrected / denom * 100.0
        return pd.DataFrame({"eigenvalue": lam[keep], "corrected eigenvalue": corrected,
                             "% of variance": pct, "cumulative %": np.cumsum(pct)},
                            index=self.eigenvalues_.index[keep])
