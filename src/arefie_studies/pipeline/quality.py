"""What every rendered report must satisfy before it is published, beside the leak scan:

- its visible French text passes :func:`arefie_studies.french.lint_html` (the audit's patterns:
  « Pour Hauts-de-France », « En Nord », lower-case acronyms, English words, missing no-break
  spaces, wrong month abbreviations...);
- a report computed on synthetic data says so (the renderer's notice is present);
- every link to a file beside the report (its downloads) resolves;
- its PDF (``report.pdf``) has no layout defect (:mod:`.layout_check`: no page under half full
  except before a chapter, no stub page, no note apart from its table or figure, no overlapping
  text, nothing past the margins), each reported with the file, the page and the rule.
- every PDF beside it is tagged (PDF/UA structure tree, marked; :mod:`.pdf_tags`);
- its methods are stated once (:func:`methods_issues`): one methods chapter, and each topic of
  the annex (sample, weighting, precision, disclosure) under one heading or paragraph lead, no
  lead repeated by the sentence it introduces.

A report that fails is quarantined like a leaking one, with the reasons; the published report
stays as it was. Run by :mod:`.runner` on each new report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SYNTHETIC_MARK", "QualityIssue", "check_report", "layout_issues", "methods_issues",
           "pdf_issues"]

#: Words the renderer prints on every page of a report computed on synthetic data.
SYNTHETIC_MARK = "Données de synthèse"
_HREF = re.compile(r'href="([^"#:?]+)"')
#: Topics of a methods annex, each to be stated once: the normalised heading texts and bold
#: paragraph leads (« **Précision.** ») that state it.
METHOD_TOPICS = {
    "méthodes": ("méthodes", "méthode", "annexe méthodologique", "méthode de l'étude",
                 "méthode, définitions et références"),
    "échantillon": ("échantillon",),
    "pondération": ("pondération",),
    "précision": ("estimation de la précision", "précision"),
    "secret statistique": ("secret statistique",),
}
_HEADING = re.compile(r"<h[1-4][^>]*>(.*?)</h[1-4]>", re.S)
_LEAD = re.compile(r"<p>\s*<strong>(.*?)</strong>", re.S)


@dataclass(frozen=True)
class QualityIssue:
    """One reason not to publish: ``kind`` (french, synthetic, link, layout, pdf, methods) and
    a readable detail."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def check_report(folder: str | Path, *, synthetic: bool) -> list[QualityIssue]:
    """The quality issues of the report rendered in ``folder`` (``report.html`` and the files
    beside it); an empty list when it may be published."""
    from arefie_studies import french

    folder = Path(folder)
    page = folder / "report.html"
    if not page.is_file():
        return []   # a study whose outputs hold no HTML page: nothing to read
    html = page.read_text(encoding="utf-8")
    issues = [QualityIssue("french", str(i)) for i in french.lint_html(html)]
    if synthetic and SYNTHETIC_MARK not in html:
        issues.append(QualityIssue("synthetic", "the data are synthetic but the report does not say so"))
    for href in dict.fromkeys(_HREF.findall(html)):
        if "/" in href or href.startswith(".."):
            continue   # portal pages outside the report's folder
        if not (folder / href).is_file():
            issues.append(QualityIssue("link", f"the report links to {href}, which is not beside it"))
    pdf = folder / "report.pdf"
    if pdf.is_file():
        issues += layout_issues(pdf)
    issues += pdf_issues(folder)
    issues += methods_issues(html)
    return issues


def _norm_title(html_text: str) -> str:
    """A heading or lead as a reader sees it (:func:`french.visible_text`), case- and
    apostrophe-folded, without its final full stop."""
    from arefie_studies.french import visible_text

    text = visible_text(html_text).replace("\u2019", "'")
    return " ".join(text.split()).rstrip(".").strip().casefold()


def methods_issues(html: str) -> list[QualityIssue]:
    """``methods`` issues of a report page: a topic of :data:`METHOD_TOPICS` stated under more
    than one heading or bold lead (the methods written twice: a chapter and the annex, or an
    annex section and a paragraph saying the same), and a bold lead repeated word for word by
    the sentence after it (« Règle de présentation. Règle de présentation… »)."""
    seen: dict[str, list[str]] = {}
    titles = [m.group(1) for m in _HEADING.finditer(html)] + [m.group(1) for m in _LEAD.finditer(html)]
    for raw in titles:
        title = _norm_title(raw)
        for topic, names in METHOD_TOPICS.items():
            if title in names:
                seen.setdefault(topic, []).append(title)
    issues = [QualityIssue("methods", f"« {topic} » is stated {len(found)} times ("
                           + ", ".join(f"« {t} »" for t in found) + "): the methods belong once, "
                           "in the annex") for topic, found in seen.items() if len(found) > 1]
    for m in _LEAD.finditer(html):
        lead = _norm_title(m.group(1))
        after = _norm_title(html[m.end():m.end() + 2 * len(m.group(1)) + 40])
        if lead and after.startswith(lead):
            issues.append(QualityIssue("methods", f"the lead « {lead} » is repeated by the "
                                                  "sentence it introduces"))
    return issues


def pdf_issues(folder: str | Path) -> list[QualityIssue]:
    """An issue for each PDF in ``folder`` that is not tagged or cannot be read (names the file)."""
    from arefie_studies.pipeline.pdf_tags import PdfTagError, untagged_reason

    issues = []
    for pdf in sorted(Path(folder).glob("*.pdf")):
        try:
            reason = untagged_reason(pdf)
        except PdfTagError as exc:
            reason = str(exc)
        if reason:
            issues.append(QualityIssue("pdf", reason))
    return issues


def layout_issues(pdf: Path) -> list[QualityIssue]:
    """The layout defects of a report PDF as quality issues (``layout``: file, page, rule and
    detail); a PDF poppler cannot read is an issue too, never a silent pass."""
    from arefie_studies.pipeline.layout_check import LayoutCheckError, check_pdf

    try:
        defects = check_pdf(pdf, name=pdf.name)
    except LayoutCheckError as exc:
        return [QualityIssue("layout", f"{pdf.name}: the layout check could not read it: {exc}")]
    return [QualityIssue("layout", str(d)) for d in defects]
