"""charts.show / figure_bundle: PNG resolution for reports (dpi=) and the SVG option."""

from __future__ import annotations

import base64
import re
import struct

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from arefie_studies.charts import _show, figure_bundle, show


def _png_dpi_and_width(b64: str) -> tuple[float, int]:
    """dpi from the pHYs chunk (pixels per metre) and width in pixels from IHDR."""
    data = base64.b64decode(b64)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = struct.unpack(">I", data[16:20])[0]
    pos = 8
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        if ctype == b"pHYs":
            ppm = struct.unpack(">I", data[pos + 8 : pos + 12])[0]
            return ppm * 0.0254, width
        pos += 12 + length
    raise AssertionError("no pHYs chunk")


@pytest.fixture
def fig():
    f, ax = plt.subplots(figsize=(5, 3), layout=None)
    ax.plot([0, 1], [0, 1])
    yield f
    plt.close(f)


def test_default_report_dpi(fig):
    assert 130 <= _show.REPORT_DPI <= 150
    dpi, _ = _png_dpi_and_width(figure_bundle(fig)["image/png"])
    assert dpi == pytest.approx(_show.REPORT_DPI, abs=0.5)


def test_dpi_sets_resolution_not_physical_size(fig):
    d1, w1 = _png_dpi_and_width(figure_bundle(fig, dpi=100)["image/png"])
    d2, w2 = _png_dpi_and_width(figure_bundle(fig, dpi=200)["image/png"])
    assert d1 == pytest.approx(100, abs=0.5) and d2 == pytest.approx(200, abs=0.5)
    # same printed width (tight bbox: within a couple of pixels of rounding)
    assert w1 / d1 == pytest.approx(w2 / d2, abs=0.03)
    assert w2 > 1.9 * w1


def test_svg_option_unchanged_by_dpi(fig):
    a = figure_bundle(fig, svg=True, dpi=100)
    b = figure_bundle(fig, svg=True, dpi=200)
    assert a["image/svg+xml"].lstrip().startswith("<?xml")
    # vector output: same physical size whatever the PNG dpi (ids inside differ run to run)
    size = re.compile(r'<svg[^>]*?width="([^"]+)" height="([^"]+)"')
    assert size.search(a["image/svg+xml"]).groups() == size.search(b["image/svg+xml"]).groups()
    assert "image/png" in a  # PNG fallback kept
    assert "image/svg+xml" not in figure_bundle(fig)


@pytest.mark.parametrize("bad", [0, 10, 5000, "150", True, None])
def test_bad_dpi_is_a_clear_error(fig, bad):
    with pytest.raises(ValueError, match=r"dpi: expected a number between 50 and 600"):
        figure_bundle(fig, dpi=bad)


def test_show_passes_dpi_and_svg(monkeypatch, fig):
    import IPython.display

    seen = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: seen.append((obj, kw)))
    show(fig, "Légende", dpi=120, svg=True, close=False)
    show(fig, "Légende 2", close=True)
    (b1, kw1), (b2, _) = seen
    assert _png_dpi_and_width(b1["image/png"])[0] == pytest.approx(120, abs=0.5)
    assert "image/svg+xml" in b1 and "image/svg+xml" not in b2
    assert _png_dpi_and_width(b2["image/png"])[0] == pytest.approx(_show.REPORT_DPI, abs=0.5)
    assert kw1["metadata"] == {"arefie": {"kind": "figure", "caption": "Légende"}}
    assert not plt.fignum_exists(fig.number)
