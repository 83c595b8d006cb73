"""The report template: no code, no prompts, no stderr; numbered figures; annex; provenance."""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from arefie_studies.pipeline.render import RenderError, prepare_notebook, render_html

SECRET = "import arefie_secret_module as code_should_not_show"


def _png() -> str:
    fig, ax = plt.subplots(figsize=(4, 2), dpi=100)
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    code = new_code_cell(SECRET, execution_count=1)
    code.outputs = [
        new_output("stream", name="stderr", text="UserWarning: something noisy\n"),
        new_output("stream", name="stdout", text="Résultat imprimé\n"),
        new_output(
            "display_data",
            data={"image/png": _png(), "text/plain": "<Figure size 400x200 with 1 Axes>"},
            metadata={"arefie": {"caption": "Part des jeunes fumeurs"}},
        ),
        new_output("execute_result", data={"text/plain": "<Axes: >"}, execution_count=1),
        new_output(
            "display_data",
            data={
                "text/html": '<div class="arefie-table"><table><tr><td>1</td></tr></table></div>',
                "text/plain": "BannerTable(...)",
            },
        ),
        new_output("display_data", data={"application/javascript": "alert(1)"}),
    ]
    hidden = new_code_cell("print('caché')", execution_count=2, metadata={"tags": ["remove-cell"]})
    hidden.outputs = [new_output("stream", name="stdout", text="ne doit pas apparaître\n")]
    nb.cells = [
        new_markdown_cell("# Santé mentale\n\nTexte **important**."),
        new_markdown_cell("## Tabac"),
        code,
        hidden,
        new_code_cell("x = 1", execution_count=3),
    ]
    return nb


META = {
    "study": "Étude santé jeunes",
    "wave": "2024",
    "date": "2026-11-02",
    "parameters": {"departement": "59", "seuil": 11},
    "inputs": {"data/sante_2024.sav": "a" * 64},
    "code_version": "abc1234",
    "sample": "2 612 jeunes.",
    "weighting": "Calage sur marges.",
    "variance": "Linéarisation.",
    "disclosure": "Seuil de 11 répondants.",
}


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(
        notebook(), title="Santé des jeunes", subtitle="Enquête 2024", variant="Nord", metadata=META
    )


def test_no_code_no_prompt_no_stderr(html):
    assert "arefie_secret_module" not in html
    assert "x = 1" not in html and "print(" not in html
    assert "In&nbsp;[" not in html and "In [" not in html and "Out[" not in html
    assert "UserWarning" not in html and "something noisy" not in html
    assert "<Axes" not in html and "&lt;Axes" not in html and "Figure size" not in html
    assert "ne doit pas apparaître" not in html
    assert "alert(1)" not in html and "<script" not in html.lower()
    assert 'class="jp-InputArea' not in html and "highlight" not in html


def test_outputs_kept(html):
    assert "Résultat imprimé" in html
    assert html.count('<figure class="report-figure">') == 1
    assert 'src="data:image/png;base64,' in html
    assert "Part des jeunes fumeurs" in html and 'class="with-text"' in html
    assert 'class="arefie-table"' in html


def test_title_page_contents_annex_provenance(html):
    assert '<html lang="fr">' in html
    assert "Santé des jeunes" in html and "Enquête 2024" in html and "Nord" in html
    assert "2 novembre 2026" in html  # French date
    toc = re.search(r"<nav[^>]*>.*?</nav>", html, re.S).group(0)
    assert "Santé mentale" in toc and "Tabac" in toc and "Annexe méthodologique" in toc
    assert "Traçabilité" in toc
    for text in (
        "Échantillon",
        "Pondération",
        "Estimation de la précision",
        "Secret statistique",
        "Logiciels",
        "abc1234",
        "a" * 64,
        "data/sante_2024.sav",
        "<td>Département</td><td>59</td>",  # parameter names in French
        "(paramètre interne sans libellé français)",  # "seuil" has no French name: visible note
    ):
        assert text in html, text
    assert "numpy" in html and "weasyprint" in html  # detected software versions


def test_image_has_its_physical_width(html):
    # 4 in at 100 dpi -> 101.6 mm, read from the PNG pHYs chunk
    assert re.search(r'style="width:101\.6mm"', html)


def test_error_output_stops_rendering():
    nb = notebook()
    nb.cells[2].outputs.append(
        new_output("error", ename="KeyError", evalue="'dep'", traceback=["..."])
    )
    with pytest.raises(RenderError, match=r"cell 2 holds an error output \(KeyError"):
        render_html(nb, title="x")


def test_empty_title_is_refused():
    with pytest.raises(RenderError, match="title"):
        render_html(notebook(), title=" ")


def test_prepare_does_not_touch_the_input():
    nb = notebook()
    before = nbformat.writes(nb)
    prepare_notebook(nb)
    assert nbformat.writes(nb) == before


def test_notebook_texts_go_to_the_annex():
    nb = notebook()
    cell = new_code_cell("charts.show_annex('sample', ...)", execution_count=9)
    cell.outputs = [
        new_output(
            "display_data",
            data={"text/markdown": "**2 612 jeunes** dans 25 Missions Locales."},
            metadata={"arefie": {"annex": "sample"}},
        ),
        new_output(
            "display_data",
            data={"text/markdown": "Données 2024 provisoires."},
            metadata={"arefie": {"annex": "notes"}},
        ),
    ]
    nb.cells.append(cell)
    html = render_html(nb, title="x", metadata={"sample": "Enquête en ligne."})
    annex = html[html.index('class="annex"') :]
    body = html[: html.index('class="annex"')]
    assert "<strong>2 612 jeunes</strong>" in annex and "2 612 jeunes" not in body
    assert annex.index("Enquête en ligne.") < annex.index("2 612 jeunes")
    assert "Remarques" in annex and "Données 2024 provisoires." in annex


def test_study_slug_and_threshold_from_the_pipeline():
    html = render_html(
        notebook(), title="x", metadata={"study": "sante_jeunes", "disclosure_threshold": 11}
    )
    assert "Étude santé jeunes" in html
    assert "moins de 11 répondants" in html and "Secret statistique" in html
    html = render_html(notebook(), title="x", metadata={"study": "enquete-ml"})
    assert "Enquete ml" in html


def test_show_annex_rejects_unknown_section():
    from arefie_studies.charts import show_annex

    with pytest.raises(ValueError, match="unknown section 'methode'"):
        show_annex("methode", "texte")


def test_bare_text_results_are_console_echoes():
    nb = notebook()
    cell = new_code_cell("len(df)", execution_count=7)
    cell.outputs = [new_output("execute_result", data={"text/plain": "123456"}, execution_count=7)]
    nb.cells.append(cell)
    html = render_html(nb, title="x")
    assert "123456" not in html
