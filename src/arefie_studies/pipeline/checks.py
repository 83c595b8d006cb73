"""``arefie-studies check``: every per-report check over everything published, and the portal.

For each published report (``reports/<slug>/<variant>/``): the quality gate of
:func:`arefie_studies.pipeline.quality.check_report` (French text, synthetic notice, links to the
downloads, page layout, tagged PDF, methods stated once), and every file its ``meta.json`` lists
is present and not empty; then
axe-core (:mod:`.accessibility`) over every report's HTML and the portal's pages (``index.html``,
``territoires/*.html``) in one Chromium. A serious or critical axe violation fails the check; so
does a gate issue. When axe cannot run (no Chromium, no npm) the result says so: it never passes
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from arefie_studies.pipeline.layout import ReportsLayout

__all__ = ["CheckResult", "check_published", "portal_pages"]


@dataclass
class CheckResult:
    """What :func:`check_published` found: gate issues by report folder (relative to the reports
    folder), axe violations by page, and why axe did not run (``''`` when it ran)."""

    reports: int = 0
    issues: dict[str, list[str]] = field(default_factory=dict)
    axe: dict[str, list[dict]] = field(default_factory=dict)
    axe_missing: str = ""
    axe_disabled: bool = False

    @property
    def serious(self) -> dict[str, list[dict]]:
        from arefie_studies.pipeline.accessibility import serious

        return {page: bad for page, v in self.axe.items() if (bad := serious(v))}

    @property
    def ok(self) -> bool:
        """Nothing to fix and every check ran."""
        return not self.issues and not self.serious and not self.axe_missing

    def summary(self) -> str:
        """The French summary printed by ``arefie-studies check``."""
        nb = sum(len(v) for v in self.issues.values())
        lines = [f"{self.reports} rapport(s) vérifié(s) (français, mention de synthèse, liens, "
                 f"fichiers, mise en page, PDF balisé, méthodes une seule fois)\u00a0: "
                 + ("aucun problème." if not nb else f"{nb} problème(s) dans {len(self.issues)} rapport(s).")]
        for where, found in self.issues.items():
            lines += [f"  - {where}\u00a0: {f}" for f in found]
        if self.axe_disabled:
            lines.append("axe-core non exécuté (--sans-axe)\u00a0: l'accessibilité n'est pas vérifiée.")
        elif self.axe_missing:
            lines.append(f"axe-core NON EXÉCUTÉ\u00a0: {self.axe_missing}. L'accessibilité n'est pas vérifiée.")
        else:
            bad = self.serious
            n = sum(len(v) for v in bad.values())
            lines.append(f"axe-core sur {len(self.axe)} page(s)\u00a0: "
                         + ("aucune violation grave ou critique." if not n
                            else f"{n} violation(s) grave(s) ou critique(s) sur {len(bad)} page(s)."))
            for page, found in bad.items():
                lines += [f"  - {page}\u00a0: [{v['impact']}] {v['id']} — {v['help']} "
                          f"({', '.join(v['nodes'])})" for v in found]
        return "\n".join(lines)


def portal_pages(layout: ReportsLayout) -> list[Path]:
    """The portal's pages: ``index.html`` and the territory pages."""
    pages = [layout.index] if layout.index.is_file() else []
    return pages + sorted((layout.reports / "territoires").glob("*.html"))


def _files_issues(vdir: Path, meta: dict) -> list[str]:
    out = []
    for key, name in (meta.get("files") or {}).items():
        path = vdir / str(name)
        if not path.is_file():
            out.append(f"fichier\u00a0: {name} ({key}) est listé dans meta.json mais absent")
        elif path.stat().st_size == 0:
            out.append(f"fichier\u00a0: {name} ({key}) est vide")
    return out


def check_published(reports: str | Path, *, axe: bool = True, timeout: float = 120.0) -> CheckResult:
    """Run every per-report check over the reports published in ``reports`` and its portal.

    ``axe=False`` skips axe-core by choice (the summary says so); axe unavailable is a failure."""
    from arefie_studies.pipeline.publish import collect_published
    from arefie_studies.pipeline.quality import check_report

    layout = ReportsLayout(Path(reports))
    result = CheckResult()
    pages: list[Path] = []
    for slug, variants in collect_published(layout).items():
        for name, meta in variants.items():
            vdir = layout.variant_dir(slug, name)
            result.reports += 1
            found = [str(i) for i in check_report(vdir, synthetic=bool(meta.get("synthetic")))]
            found += _files_issues(vdir, meta)
            if found:
                result.issues[f"{slug}/{name}"] = found
            if (vdir / "report.html").is_file():
                pages.append(vdir / "report.html")
    pages += portal_pages(layout)
    if not axe:
        result.axe_disabled = True
        return result
    from arefie_studies.pipeline.accessibility import AxeError, AxeSession, axe_unavailable

    result.axe_missing = axe_unavailable()
    if result.axe_missing or not pages:
        return result
    try:
        with AxeSession(timeout=timeout) as session:
            for page in pages:
                rel = str(page.relative_to(layout.reports))
                try:
                    result.axe[rel] = session.check(page)
                except AxeError as exc:  # this page could not be checked: a failure, named
                    result.axe[rel] = [{"id": "axe-error", "impact": "critical",
                                        "help": f"axe-core n'a pas pu vérifier la page\u00a0: {exc}",
                                        "nodes": []}]
    except (AxeError, OSError) as exc:
        result.axe_missing = f"Chromium n'a pas pu être lancé\u00a0: {exc}"
    return result
