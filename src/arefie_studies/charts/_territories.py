"""Territory charts: a schematic tile map, a caterpillar plot and a funnel plot.

* :func:`tile_map` — one square per département or Mission Locale on a hand-made grid
  (``tiles_hdf.json``: a schematic map, since no geometry can be fetched offline), coloured by
  the estimate on a colour-blind-safe sequential scale (``cividis``); a hidden (suppressed) cell is
  a hatched grey tile reading « non publié » and carries no number.
* :func:`caterpillar` — each territory's estimate with its confidence interval, sorted, the
  regional value as a vertical line; flagged territories (significant gap) in the accent colour,
  hidden ones listed without a value.
* :func:`funnel` — estimate against size with control limits around the regional value
  ``p0 ± z·√(p0(1−p0)/n)`` at 95 % (z = 1,96) and 99,8 % (z = 3,09) (Spiegelhalter 2005, *Funnel
  plots for comparing institutional performance*, Stat Med 24:1185); points outside the 99,8 %
  limits are named.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import ScaledTranslation
from scipy.stats import norm

from arefie_studies.charts._common import ChartError, check_columns, value_text
from arefie_studies.charts._style import ACCENT, GREY, GREY_LIGHT, PRIMARY, add_source, house_style

__all__ = ["HIDDEN_LABEL", "caterpillar", "funnel", "funnel_limits", "tile_map", "tile_positions"]

HIDDEN_LABEL = "non publié"
_TILES = Path(__file__).with_name("tiles_hdf.json")
#: How far under the axes the caterpillar's legend starts (points): below the x tick labels.
_LEGEND_DROP_PT = 20.0


@cache
def _grid() -> dict[str, dict[str, tuple[int, int]]]:
    raw = json.loads(_TILES.read_text(encoding="utf-8"))
    return {lvl: {k: (int(v[0]), int(v[1])) for k, v in raw[lvl].items()}
            for lvl in ("departement", "ml")}


def tile_positions(level: str) -> dict[str, tuple[int, int]]:
    """``{code: (column, row)}`` of the schematic grid (``level``: "departement" or "ml")."""
    grid = _grid()
    if level not in grid:
        raise ChartError(f"tile_map: level {level!r} unknown; use 'departement' or 'ml'.")
    return dict(grid[level])


def _code(value: object, level: str) -> str:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text.zfill(2) if level == "departement" and text.isdigit() else text


def _short(name: str) -> str:
    for prefix in ("Mission Locale ", "ML "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    for art in ("du ", "de la ", "de l'", "de l’", "d'", "d’", "de ", "des "):
        if name.startswith(art):
            return name[len(art):]
    return name


def _hidden(df: pd.DataFrame, hidden: str | None) -> pd.Series:
    if hidden is None or hidden not in df:
        return pd.Series(False, index=df.index)
    return df[hidden].fillna(False).astype(bool)


def tile_map(
    values: pd.DataFrame,
    *,
    level: str = "ml",
    code: str = "code",
    estimate: str = "estimate",
    ci_low: str | None = "ci_low",
    ci_high: str | None = "ci_high",
    hidden: str | None = "hidden",
    label: str | None = "label",
    flag: str | None = None,
    percent: bool = True,
    digits: int = 0,
    title: str | None = None,
    legend_title: str = "",
    source: str | None = None,
    cmap: str = "cividis",
) -> Figure:
    """Schematic tile map of the départements (``level="departement"``) or the 42 Mission
    Locales (``level="ml"``) of Hauts-de-France, coloured by ``estimate``.

    ``values`` has one row per territory: ``code`` (ML code or département code), ``estimate``,
    optionally ``ci_low``/``ci_high`` (not drawn, checked to frame the estimate), ``hidden``
    (True: suppressed — hatched tile « non publié », no value) and ``flag`` (True: outlined,
    e.g. a significant gap). Territories absent from ``values`` are drawn blank (« sans donnée »).
    """
    check_columns(values, [code, estimate], "tile_map")
    pos = tile_positions(level)
    df = values.copy()
    df["_code"] = [_code(v, level) for v in df[code]]
    unknown = sorted(set(df["_code"]) - set(pos))
    if unknown:
        raise ChartError(f"tile_map: codes {unknown} are not on the {level} grid "
                         f"(known: {sorted(pos)[:6]}...); check the '{code}' column.")
    if df["_code"].duplicated().any():
        raise ChartError(f"tile_map: codes {sorted(df.loc[df['_code'].duplicated(), '_code'])} "
                         "appear more than once; give one row per territory.")
    df["_hidden"] = _hidden(df, hidden)
    shown = df.loc[~df["_hidden"], estimate].astype(float)
    if ci_low in df and ci_high in df:
        bad = df.loc[~df["_hidden"] & ((df[ci_low] > df[estimate] + 1e-12)
                                       | (df[ci_high] < df[estimate] - 1e-12)), "_code"]
        if len(bad):
            raise ChartError(f"tile_map: estimate outside its interval for {sorted(bad)}.")
    norm_ = Normalize(vmin=float(shown.min()) if len(shown) else 0.0,
                      vmax=float(shown.max()) if len(shown) else 1.0)
    if norm_.vmin == norm_.vmax:
        norm_ = Normalize(norm_.vmin - 0.01, norm_.vmax + 0.01)
    colours = mpl.colormaps[cmap]
    ncol = max(x for x, _ in pos.values()) + 1
    nrow = max(y for _, y in pos.values()) + 1
    cell = 1.05 if level == "ml" else 1.6
    with house_style():
        fig = Figure(figsize=(ncol * cell + 1.6, nrow * cell + 1.2), layout="constrained")
        ax = fig.add_subplot()
        rows = df.set_index("_code")
        for key, (x, y) in pos.items():
            row = rows.loc[key] if key in rows.index else None
            name = str(row[label]) if row is not None and label and label in rows else key
            short = textwrap.fill(_short(name), 11 if level == "ml" else 14,
                                  break_long_words=False, break_on_hyphens=True)
            if row is None:
                face, hatch, text, dark = "white", None, short, False
            elif bool(row["_hidden"]):
                face, hatch, text, dark = GREY_LIGHT, "////", f"{short}\n{HIDDEN_LABEL}", False
            else:
                v = float(row[estimate])
                rgba = colours(norm_(v))
                face, hatch = rgba, None
                dark = _white_text(rgba)
                text = f"{short}\n{value_text(v, percent, digits)}"
            flagged = (row is not None and flag and flag in rows and not bool(row["_hidden"])
                       and bool(row[flag]))
            ax.add_patch(Rectangle((x + 0.04, -y + 0.04), 0.92, 0.92, facecolor=face,
                                   hatch=hatch, edgecolor=ACCENT if flagged else "white",
                                   linewidth=3 if flagged else 1))
            ax.text(x + 0.5, -y + 0.5, text, ha="center", va="center",
                    fontsize=6.2 if level == "ml" else 9,
                    color="white" if dark else "#222222", gid=f"tile-{key}")
        if level == "ml":
            _departement_borders(ax, pos)
        ax.set_xlim(-0.1, ncol + 0.1)
        ax.set_ylim(-nrow + 0.9, 1.1)
        ax.set_aspect("equal")
        ax.axis("off")
        if title:
            ax.set_title(title)
        sm = mpl.cm.ScalarMappable(norm=norm_, cmap=colours)
        bar = fig.colorbar(sm, ax=ax, shrink=0.5, location="right")
        bar.ax.yaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda v, _p: value_text(v, percent, digits)))
        if legend_title:
            bar.set_label(legend_title)
        handles = [Patch(facecolor=GREY_LIGHT, hatch="////", edgecolor="white",
                         label=f"{HIDDEN_LABEL} (effectif insuffisant ou secret)")]
        if flag:
            handles.append(Patch(facecolor="white", edgecolor=ACCENT, linewidth=2,
                                 label="écart significatif"))
        ax.legend(handles=handles, loc="upper right", bbox_to_anchor=(1.0, -0.0),
                  frameon=False, fontsize=7.5)
        # one text block under the map (source, then the map's note): nothing overlaps
        add_source(fig, source or "", note="Carte schématique\u202f: un carré par territoire, placé à "
                   "peu près selon la géographie.")
    return fig


def _white_text(rgba: Sequence[float]) -> bool:
    """True when white text contrasts more than near-black (#222) on ``rgba`` (WCAG 2 relative
    luminance and contrast ratio)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05) > (lum + 0.05) / (0.0159 + 0.05)  # #222 has luminance 0.0159


def _departement_borders(ax, pos: dict[str, tuple[int, int]]) -> None:
    """Dark lines between tiles of different départements (ML code = département × 100 + rank)."""
    dep = {xy: code[:-2] for code, xy in pos.items()}
    for (x, y), d in dep.items():
        for dx, dy, seg in ((1, 0, ((x + 1, x + 1), (-y, -y + 1))), (-1, 0, ((x, x), (-y, -y + 1))),
                            (0, 1, ((x, x + 1), (-y, -y))), (0, -1, ((x, x + 1), (-y + 1, -y + 1)))):
            if dep.get((x + dx, y + dy)) != d:
                ax.plot(*seg, color="#222222", linewidth=1.6, solid_capstyle="projecting")


def _prepared(df: pd.DataFrame, cols: Sequence[str | None], func: str,
              hidden: str | None) -> pd.DataFrame:
    check_columns(df, list(cols), func)
    out = df.copy()
    out["_hidden"] = _hidden(out, hidden)
    return out


def caterpillar(
    df: pd.DataFrame,
    *,
    label: str = "label",
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    reference: float | None = None,
    reference_label: str = "Région",
    flag: str | None = "flag",
    hidden: str | None = "hidden",
    percent: bool = True,
    digits: int = 0,
    title: str | None = None,
    source: str | None = None,
) -> Figure:
    """Each territory's estimate and interval, sorted from lowest to highest (top = highest),
    the regional value as a vertical line; flagged rows in the accent colour; hidden rows at the
    bottom with « non publié » and no value."""
    d = _prepared(df, [label, estimate, ci_low, ci_high], "caterpillar", hidden)
    shown = d.loc[~d["_hidden"]].sort_values(estimate, kind="stable")
    gone = d.loc[d["_hidden"]]
    n = len(shown) + len(gone)
    with house_style():
        fig = Figure(figsize=(7.0, 0.8 + 0.22 * n), layout="constrained")
        ax = fig.add_subplot()
        y_hidden = np.arange(len(gone))
        y = np.arange(len(shown)) + len(gone)
        flagged = (shown[flag].fillna(False).astype(bool).to_numpy() if flag and flag in shown
                   else np.zeros(len(shown), bool))
        est = shown[estimate].to_numpy(float)
        lo, hi = shown[ci_low].to_numpy(float), shown[ci_high].to_numpy(float)
        for mask, colour in ((~flagged, PRIMARY), (flagged, ACCENT)):
            if mask.any():
                ax.errorbar(est[mask], y[mask], xerr=[est[mask] - lo[mask], hi[mask] - est[mask]],
                            fmt="o", color=colour, ms=4, elinewidth=1.2, capsize=0)
        for yy in y_hidden:
            ax.text(0.01, yy, HIDDEN_LABEL, transform=ax.get_yaxis_transform(), va="center",
                    fontsize=7.5, color=GREY, style="italic")
        ax.set_yticks(list(y_hidden) + list(y),
                      [*gone[label].astype(str), *shown[label].astype(str)], fontsize=7.5)
        if reference is not None:
            ax.axvline(reference, color=GREY, linestyle="--", linewidth=1)
            ax.text(reference, 1.0, f" {reference_label}\u202f: {value_text(reference, percent, 1)}",
                    transform=ax.get_xaxis_transform(), va="bottom", fontsize=7.5, color=GREY)
        ax.xaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda v, _p: value_text(v, percent, digits)))
        ax.set_ylim(-0.7, n - 0.3)
        handles = [Line2D([], [], marker="o", color=PRIMARY, label="estimation et intervalle à 95\u202f%")]
        if flagged.any():
            handles.append(Line2D([], [], marker="o", color=ACCENT, label="écart significatif"))
        # under the x tick labels, outside the axes: a legend inside would hide an interval
        # (issue 11); constrained layout keeps room for it, above the source line
        under = ax.transAxes + ScaledTranslation(0, -_LEGEND_DROP_PT / 72, fig.dpi_scale_trans)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=under, ncols=len(handles), fontsize=7, frameon=False,
                  borderaxespad=0.0)
        if title:
            ax.set_title(title)
        if source:
            add_source(fig, source)
    return fig


def funnel_limits(p0: float, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial control limits ``p0 ± z·√(p0(1−p0)/n)`` (normal approximation), clipped to
    [0, 1]; ``z`` is the two-sided quantile of ``level`` (1,96 for 95 %, 3,09 for 99,8 %)."""
    z = norm.ppf(0.5 + level / 2)
    half = z * np.sqrt(p0 * (1 - p0) / np.asarray(n, float))
    return np.clip(p0 - half, 0, 1), np.clip(p0 + half, 0, 1)


def funnel(
    df: pd.DataFrame,
    *,
    label: str = "label",
    estimate: str = "estimate",
    size: str = "n",
    reference: float,
    reference_label: str = "Région",
    hidden: str | None = "hidden",
    levels: tuple[float, float] = (0.95, 0.998),
    percent: bool = True,
    digits: int = 0,
    title: str | None = None,
    xlabel: str = "Nombre de répondants",
    source: str | None = None,
) -> Figure:
    """Funnel plot: ``estimate`` against ``size`` with control limits around ``reference``
    (see :func:`funnel_limits`); points beyond the outer limits are named. Hidden rows are not
    drawn; a note says how many."""
    d = _prepared(df, [label, estimate, size], "funnel", hidden)
    if not 0 < reference < 1:
        raise ChartError(f"funnel: reference must be a proportion in ]0, 1[, got {reference!r}.")
    shown = d.loc[~d["_hidden"]]
    n = shown[size].to_numpy(float)
    if (n <= 0).any():
        raise ChartError(f"funnel: '{size}' must be positive; rows {list(shown.index[n <= 0])}.")
    est = shown[estimate].to_numpy(float)
    grid = np.linspace(max(1.0, n.min() * 0.8), n.max() * 1.1, 200)
    inner, outer = sorted(levels)
    lo_out, hi_out = funnel_limits(reference, n, outer)
    outside = (est < lo_out) | (est > hi_out)
    with house_style():
        fig = Figure(figsize=(7.0, 4.2), layout="constrained")
        ax = fig.add_subplot()
        for lev, style in ((inner, ":"), (outer, "--")):
            lo, hi = funnel_limits(reference, grid, lev)
            pct = f"{lev * 100:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            ax.plot(grid, lo, style, color=GREY, linewidth=1, label=f"limites à {pct}\u202f%")
            ax.plot(grid, hi, style, color=GREY, linewidth=1)
        ax.axhline(reference, color=GREY, linewidth=1)
        ax.text(grid[-1], reference, f"{reference_label}\u202f: {value_text(reference, percent, 1)}",
                ha="right", va="bottom", fontsize=7.5, color=GREY)
        ax.scatter(n[~outside], est[~outside], s=16, color=PRIMARY, zorder=3)
        if outside.any():
            ax.scatter(n[outside], est[outside], s=22, color=ACCENT, zorder=4,
                       label=f"hors des limites à {str(outer * 100).replace('.', ',')}\u202f%")
            for i, (xx, yy, name) in enumerate(zip(n[outside], est[outside],
                                                   shown.loc[outside, label], strict=True)):
                ax.annotate(str(name), (xx, yy), xytext=(4, 3 - 10 * (i % 2)),
                            textcoords="offset points", fontsize=7, color=ACCENT)
        ax.yaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda v, _p: value_text(v, percent, digits)))
        ax.set_xlabel(xlabel)
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        if title:
            ax.set_title(title)
        n_hidden = int(d["_hidden"].sum())
        note = (f"{n_hidden} territoire{'s' if n_hidden > 1 else ''} non publié"
                f"{'s' if n_hidden > 1 else ''} (effectif insuffisant ou secret)."
                if n_hidden else None)
        if source:
            add_source(fig, source, note=note)
        elif note:
            fig.text(0.01, 0.01, note, fontsize=7, color=GREY)
    return fig
