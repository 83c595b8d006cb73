"""Command-line entry point: ``arefie-studies list | run | publish | validate | synth``.

Exit status: 0 success, 1 a variant failed / a leak was found / validation found problems /
the reports folder cannot be written, 2 bad usage or configuration, 130 Ctrl-C, 143 SIGTERM
(both: workers and kernels ended, published reports unchanged).  Heavy modules (pandas, papermill, dask) are imported only by the
commands that need them, so an up-to-date ``run --all`` returns in well under two seconds.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from arefie_studies import __version__
from arefie_studies.french import accord

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
INTERRUPTED = "interrompu ; les rapports publiés sont inchangés."


def default_jobs() -> int:
    """Parallel variants by default: the cores this process may use."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _root(args) -> Path:
    from arefie_studies.project.layout import find_root

    return find_root(args.root)


def _reports(args, root: Path) -> Path:
    return Path(args.reports).resolve() if getattr(args, "reports", None) else root / "reports"


def cmd_list(args) -> int:
    from arefie_studies.pipeline.layout import ReportsLayout
    from arefie_studies.pipeline.runner import plan_variants
    from arefie_studies.project import hash_cache, load_configs

    root = _root(args)
    configs = load_configs(root, args.studies or None)
    layout = ReportsLayout(_reports(args, root))
    planned = plan_variants(root, configs, layout, hash_cache(root))
    by_slug: dict[str, list] = {}
    for p in planned:
        by_slug.setdefault(p.config.slug, []).append(p)
    for config in configs:
        print(f"{config.slug}  —  {config.title}  (seuil {config.disclosure_threshold})")
        for p in by_slug.get(config.slug, []):
            state = ("erreur : " + p.error) if p.error else ("à jour" if p.fresh else "à produire")
            names = [t for t in (p.variant.display, p.variant.subtitle) if t and t != p.variant.name]
            sub = f"  [{' – '.join(dict.fromkeys(names))}]" if names else ""
            print(f"    {p.variant.name:<24}{state:<12}{sub}")
    if not configs:
        print(f"aucune étude dans {root / 'studies'}")
    if not args.studies:
        from arefie_studies.pipeline.publish import collect_published

        known = {(p.config.slug, p.variant.name) for p in planned}
        stale = [f"{s}/{v}" for s, vs in collect_published(layout).items() for v in vs
                 if (s, v) not in known]
        if stale:
            print(f"publiés mais plus configurés (supprimez-les pour les dépublier) : "
                  f"{', '.join(stale)}")
    return EXIT_OK


def cmd_run(args) -> int:
    from arefie_studies.pipeline.runner import run_studies
    from arefie_studies.project.config import load_configs

    if not args.studies and not args.all:
        _err("error: name the studies to run (arefie-studies list shows them) or use --all.")
        return EXIT_USAGE
    if args.studies and args.all:
        _err("error: give study names or --all, not both.")
        return EXIT_USAGE
    if args.jobs is None:
        args.jobs = default_jobs()
    if args.jobs < 1:
        _err(f"error: --jobs must be at least 1, got {args.jobs}.")
        return EXIT_USAGE
    root = _root(args)
    data = getattr(args, "data", None)
    if data:
        import os

        from arefie_studies.project.config import DATASET_ENV

        if not (root / "data" / "synthetic" / data).is_dir():
            _err(f"error: --data {data}: no folder data/synthetic/{data}. Generate it first: "
                 f"arefie-studies synth --scale {data}.")
            return EXIT_USAGE
        os.environ[DATASET_ENV] = data  # inherited by the kernels (and set it on Dask workers)
        if not getattr(args, "reports", None):
            args.reports = str(root / "reports" / data)
    configs = load_configs(root, args.studies or None)
    summary = run_studies(
        root, configs, reports=_reports(args, root), variant=args.variant, force=args.force,
        jobs=args.jobs, scheduler=args.scheduler, progress=not args.no_progress,
    )
    if summary.ok:
        print(summary.report())
        return EXIT_OK
    _err(summary.report())
    return EXIT_FAILED


def cmd_publish(args) -> int:
    from arefie_studies.pipeline.layout import ReportsLayout
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_files
    from arefie_studies.pipeline.publish import (
        build_index,
        build_manifest,
        collect_published,
        lock_reports,
        recover,
    )
    from arefie_studies.project.config import load_configs

    root = _root(args)
    layout = ReportsLayout(_reports(args, root))
    lock = lock_reports(layout)
    try:
        recover(layout)
        published = collect_published(layout)
        findings = []
        if not args.no_scan:
            configs = {c.slug: c for c in load_configs(root)}
            for slug, variants in published.items():
                if slug not in configs:
                    _err(f"warning: {slug} has no studies/{slug}.yaml; scanned for small cells only.")
                    from arefie_studies.pipeline.leakscan import ScanRules

                    threshold = next(iter(variants.values())).get("disclosure_threshold", 11)
                    rules = ScanRules(threshold=int(threshold))
                else:
                    rules = rules_for_study(configs[slug], root)
                for name in variants:
                    vdir = layout.variant_dir(slug, name)
                    findings += scan_files(sorted(vdir.rglob("*")), rules,
                                           relative_to=layout.reports)
        build_manifest(layout, published)
        build_index(layout, published)
        n = sum(len(v) for v in published.values())
        if findings:
            _err(f"analyse des fuites : {accord(len(findings), 'problème')} dans les rapports "
                 "publiés :")
            for f in findings:
                _err(f"  - {f}")
            _err("rien n’a été copié ; corrigez l’étude (secret statistique, identifiants) puis "
                 "relancez-la.")
            return EXIT_FAILED
        print(f"{accord(n, 'rapport indexé', 'rapports indexés', zero='0 rapport indexé')} "
              f"dans {layout.index}"
              + ("" if args.no_scan else " ; analyse des fuites sans problème"))
        if args.to:
            from arefie_studies.pipeline.release import ReleaseRefused, copy_release

            try:
                copied = copy_release(layout, Path(args.to), published,
                                      allow_synthetic=args.allow_synthetic,
                                      allow_dirty=args.allow_dirty)
            except ReleaseRefused as exc:
                _err(str(exc))
                return EXIT_FAILED
            print(f"{accord(len(copied), 'élément copié', 'éléments copiés')} vers "
                  f"{Path(args.to).resolve()}")
    finally:
        lock.close()
    return EXIT_OK


def cmd_validate(args) -> int:
    from arefie_studies.pipeline.validate import validate_studies

    root = _root(args)
    problems, checked = validate_studies(root, args.studies or None, check_data=not args.no_data)
    for slug in checked:
        own = [p for p in problems if p.startswith(f"{slug}:")]
        print(f"{slug} : {'ok' if not own else accord(len(own), 'problème')}")
    if problems:
        _err(f"{accord(len(problems), 'problème')} :")
        for p in problems:
            _err(f"  - {p}")
        return EXIT_FAILED
    return EXIT_OK


def cmd_check(args) -> int:
    from arefie_studies.pipeline.checks import check_published

    reports = Path(args.reports).resolve() if args.reports else _root(args) / "reports"
    if not reports.is_dir():
        _err(f"erreur\u00a0: pas de dossier de rapports {reports} (lancez d'abord arefie-studies run).")
        return EXIT_USAGE
    result = check_published(reports, axe=not args.no_axe)
    if result.ok:
        print(result.summary())
        return EXIT_OK
    _err(result.summary())
    return EXIT_FAILED


def cmd_synth(args) -> int:
    from arefie_studies.synth import generate_all

    scale = getattr(args, "scale", None)
    root = _root(args) if args.out is None else None
    if scale is None:
        out = Path(args.out) if args.out is not None else root / "data" / "synthetic"
        paths = generate_all(out_dir=out, seed=args.seed)
    else:
        from arefie_studies.synth.national import generate_scaled, resolve_scale

        try:
            resolve_scale(scale)
        except ValueError as exc:
            _err(f"synth: {exc}")
            return EXIT_USAGE
        # scaled data never overwrite the regional files: data/synthetic/<scale>/ by default
        sub_dir = "national" if scale.strip().lower() == "national" else f"scale-{scale}"
        out = Path(args.out) if args.out is not None else root / "data" / "synthetic" / sub_dir
        if out.resolve() == ((root or Path.cwd()) / "data" / "synthetic").resolve():
            _err(f"synth: --scale {scale} would overwrite the regional files in {out}; choose another --out.")
            return EXIT_USAGE
        paths = generate_scaled(out, seed=args.seed, scale=scale)
    for p in paths or []:
        print(p)
    written = accord(len(paths or []), "fichier écrit", "fichiers écrits", zero="aucun fichier écrit")
    print(f"{written} dans {out} (graine {args.seed})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arefie-studies",
        description="Regenerate the AREFIE studies into HTML/PDF reports.",
    )
    parser.add_argument("--version", action="version", version=f"arefie-studies {__version__}")
    parser.add_argument("--root", default=None,
                        help="project root (default: the working directory or its first parent "
                             "holding studies/)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="list studies, variants and whether they are up to date")
    p.add_argument("studies", nargs="*", metavar="SLUG")
    p.add_argument("--reports", default=None, help="reports folder (default ROOT/reports)")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run the stale variants of studies and publish them")
    p.add_argument("studies", nargs="*", metavar="SLUG")
    p.add_argument("--all", action="store_true", help="every study in studies/")
    p.add_argument("--variant", default=None, help="only this variant (e.g. regional)")
    p.add_argument("--force", action="store_true", help="run even if nothing changed")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="parallel local processes (default: the number of usable cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster (e.g. tcp://host:8786); workers must share the files")
    p.add_argument("--reports", default=None, help="reports folder (default ROOT/reports)")
    p.add_argument("--data", default=None, metavar="NAME",
                   help="read the synthetic inputs from data/synthetic/NAME (e.g. national, written by "
                        "synth --scale national); reports go to ROOT/reports/NAME")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("publish", help="rebuild index.html and manifest.json, leak scan, copy")
    p.add_argument("--to", default=None, metavar="DIR", help="also copy the reports to DIR")
    p.add_argument("--reports", default=None, help="reports folder (default ROOT/reports)")
    p.add_argument("--no-scan", action="store_true", help="skip the full leak scan")
    p.add_argument("--allow-synthetic", action="store_true",
                   help="with --to: also copy reports computed on synthetic data")
    p.add_argument("--allow-dirty", action="store_true",
                   help="with --to: also copy reports produced from uncommitted code")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("validate", help="check configs, notebooks, modules and input data")
    p.add_argument("studies", nargs="*", metavar="SLUG")
    p.add_argument("--no-data", action="store_true", help="do not read the input files")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="vérifie tous les rapports publiés et le portail (français, "
                       "mention de synthèse, liens, fichiers, PDF balisé, axe-core)")
    p.add_argument("--reports", default=None, help="dossier des rapports (par défaut ROOT/reports)")
    p.add_argument("--sans-axe", dest="no_axe", action="store_true",
                   help="ne lance pas axe-core (le résumé le signale)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("synth", help="generate the synthetic data")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out", default=None, metavar="DIR",
                   help="default ROOT/data/synthetic (ROOT/data/synthetic/national with --scale national)")
    p.add_argument("--scale", default=None, metavar="national|FACTOR",
                   help="national-size data (1.1M CEJ youths, 1M barometer answers), or a factor of the "
                        "regional sizes; written in chunks (bounded memory)")
    p.set_defaults(func=cmd_synth)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled exactly as Ctrl-C (workers and kernels ended, temporary folders removed)."""


def _on_sigterm(_signum, _frame) -> None:
    raise _Terminated


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """The library's own warnings (a data file read with values it could not label, ...) as one
    ``warning: ...`` line, not Python's file:line form; others as Python shows them."""
    from arefie_studies.io.errors import DataIntakeWarning, PseudonymisationWarning

    if issubclass(category, (DataIntakeWarning, PseudonymisationWarning)):
        _err(f"warning: {message}")
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


_PYTHON_SHOWWARNING = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    import signal
    import threading

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_show, warnings.showwarning = warnings.showwarning, _show_warning
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:
        _err(INTERRUPTED)
        return 143 if isinstance(exc, _Terminated) else 130
    except OSError as exc:  # reports/ read-only or full (PublishError is not an OSError)
        _err(f"error: {exc}")
        return EXIT_FAILED
    except ValueError as exc:  # config / input errors from the library: a clean message
        _err(f"error: {exc}")
        return EXIT_USAGE
    except RuntimeError as exc:  # e.g. the reports folder is locked, or cannot be written
        from arefie_studies.pipeline.publish import PublishError

        _err(f"error: {exc}")
        return EXIT_FAILED if isinstance(exc, PublishError) else EXIT_USAGE
    finally:
        warnings.showwarning = previous_show
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def entry() -> None:
    """The ``arefie-studies`` command: :func:`main` with SIGTERM handled from the first moment.

    SIGTERM is an interruption (exit 143) from start-up (imports, argument parsing) to the end of
    :func:`main`; once main has returned, the run is complete (its reports published, its exit code
    known) and a SIGTERM during the interpreter's shutdown (multiprocessing's clean-up takes a few
    tenths of a second) is ignored, so the exit code stays the run's: Python has put the default
    handler back by then, and the process would otherwise die as -15 with nothing printed."""
    import signal

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            code = main()
        finally:  # also after --help / --version (SystemExit)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    except KeyboardInterrupt as exc:  # a signal outside main()'s own handling
        _err(INTERRUPTED)
        code = 143 if isinstance(exc, _Terminated) else 130
    sys.exit(code)


if __name__ == "__main__":
    entry()
