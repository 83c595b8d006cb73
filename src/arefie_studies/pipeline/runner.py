"""Plan and run variants: fingerprints decide what is stale, workers execute, the parent scans and
publishes.

The parent process is the only writer of ``reports/`` (besides each worker's own ``.tmp-<uuid>``
folder, log and failed copy): it holds ``reports/.lock``, repairs what an interrupted run left, leak
scans each new report and moves it in, then rebuilds ``index.html`` and ``manifest.json``.  Workers
are local processes (``jobs``) or a Dask cluster (``scheduler``; the workers must share the file
system and have ``arefie_studies`` installed).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arefie_studies.french import accord, fmt_num
from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.project.cache import MissingInputError, hash_cache, study_dependencies
from arefie_studies.project.config import StudyConfig, StudyConfigError, Variant
from arefie_studies.project.hashing import HashCache, variant_fingerprint

__all__ = ["Failure", "PlannedVariant", "RunSummary", "SchedulerError", "plan_variants",
           "run_studies"]


@dataclass
class PlannedVariant:
    """A variant with its fingerprint; ``fresh`` when the published report already matches it."""

    config: StudyConfig
    variant: Variant
    fingerprint: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    references: dict[str, Any] = field(default_factory=dict)
    fresh: bool = False
    error: str = ""


@dataclass(frozen=True)
class Failure:
    """One variant that could not be published, with a clean one-paragraph reason."""

    slug: str
    variant: str
    reason: str
    cell: dict[str, Any] | None = None
    kept: str = ""
    log: str = ""

    def describe(self) -> str:
        """``slug / variant : cellule 3 (In [4]) «source» : raison`` then where the failed notebook
        and the log are kept."""
        head = f"{self.slug} / {self.variant} : "
        if self.cell:
            c = self.cell
            idx = c.get("index")
            where = f"cellule {idx}" if idx is not None else "une cellule"
            if c.get("execution_count") is not None:
                where += f" (In [{c['execution_count']}])"
            head += f"{where} «{c.get('source', '')}» : "
        text = head + "\n      ".join(self.reason.strip().splitlines())
        extra = [f"carnet conservé dans {self.kept}"] if self.kept else []
        if self.log:
            extra.append(f"journal : {self.log}")
        if extra:
            text += "\n      " + " ; ".join(extra)
        return text


@dataclass
class RunSummary:
    """What a run did."""

    published: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # run-level: index or manifest not written
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.errors

    def report(self) -> str:
        """The run's summary in French, counts agreed (``1 rapport publié``, ``3 rapports
        publiés``, ``aucun rapport publié``), then one ``  - `` line per failed variant."""
        published = accord(len(self.published), "rapport publié", "rapports publiés",
                           zero="0 rapport publié")
        lines = [f"{published}, {len(self.skipped)} à jour, {len(self.failures)} en échec "
                 f"({fmt_num(self.seconds, 1)} s)."]
        if self.failures:
            lines.append(accord(len(self.failures), "variante en échec", "variantes en échec")
                         + " :")
            lines += [f"  - {f.describe()}" for f in self.failures]
        if self.errors:
            lines.append("l’exécution n’a pas pu mettre à jour l’index ou le manifeste :")
            lines += [f"  - {e}" for e in self.errors]
        return "\n".join(lines)


def ensure_synthetic(root: Path, configs: list[StudyConfig], echo=print) -> str:
    """Generate ``data/synthetic`` (seed 2024) when a study's synthetic input is missing.
    Returns an error message ('' when fine)."""
    missing = [s for c in configs for s in c.inputs.values()
               if s.is_synthetic and not (root / s.path).exists()]
    if not missing:
        return ""
    echo(f"données de synthèse absentes ({missing[0].path}) : génération de data/synthetic "
         "(graine 2024)…")
    try:
        from arefie_studies.synth import generate_all

        generate_all(out_dir=root / "data" / "synthetic", seed=2024)
    except Exception as exc:
        return f"la génération des données de synthèse a échoué : {type(exc).__name__}: {exc}"
    return ""


def _study_parts(config: StudyConfig, root: Path, cache: HashCache) -> tuple[dict, str]:
    """Fingerprint parts shared by a study's variants (the results cache's dependencies plus the
    notebook), or an error message naming the missing file and its config key."""
    notebook = root / config.notebook
    if not notebook.is_file():
        return {}, f"notebook not found: {config.notebook} (key 'notebook' of {config.path})"
    try:
        deps = study_dependencies(config, root, cache)
    except MissingInputError as exc:
        return {}, str(exc)
    return {**deps, "notebook": cache.file(notebook)}, ""


def plan_variants(root: Path, configs: list[StudyConfig], layout: ReportsLayout, cache: HashCache, *,
                  variant: str | None = None, force: bool = False) -> list[PlannedVariant]:
    """Every selected variant with its fingerprint and whether its published report is current."""
    planned = []
    for config in configs:
        if variant is not None:
            variants = [v for v in config.variants if v.name == variant]
            if not variants and len(configs) == 1:
                config.variant(variant)  # raises with the list of known variants
        else:
            variants = list(config.variants)
        parts, error = _study_parts(config, root, cache)
        for v in variants:
            params = config.run_parameters(v)
            p = PlannedVariant(config, v, parameters=params, inputs=parts.get("inputs", {}),
                               references=parts.get("references", {}),
                               error=error)
            if not error:
                p.fingerprint = variant_fingerprint({
                    **parts, "parameters": params, "threshold": config.disclosure_threshold,
                    "title": config.title, "subtitle": v.subtitle, "label": v.display,
                    "wave": config.wave,
                    "outputs": list(config.outputs), "renderer": config.renderer,
                    "identifiers": {n: list(s.identifying_columns) for n, s in config.inputs.items()},
                })
                p.fresh = not force and _is_current(layout, config.slug, v.name, p.fingerprint)
            planned.append(p)
    if variant is not None and not planned:
        raise StudyConfigError(f"no selected study has a variant '{variant}'.")
    return planned


def _is_current(layout: ReportsLayout, slug: str, variant: str, fingerprint: str) -> bool:
    try:
        meta = json.loads(layout.meta(slug, variant).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if meta.get("fingerprint") != fingerprint:
        return False
    vdir = layout.variant_dir(slug, variant)
    return all((vdir / f).is_file() for f in meta.get("files", {}).values())


def _input_list(p: PlannedVariant, root: Path) -> list[dict[str, str]]:
    """Input files and codebooks with their sha256, for the report's provenance block."""
    out = []
    for name, entry in p.inputs.items():
        out.append({"path": entry["path"], "sha256": entry["sha256"], "name": name})
        spec = p.config.inputs[name]
        if "codebook_sha256" in entry:
            out.append({"path": spec.codebook, "sha256": entry["codebook_sha256"],
                        "name": f"{name} (dictionnaire)"})
    for name, entry in p.references.items():
        out.append({"path": entry["path"], "sha256": entry["sha256"], "name": f"{name} (référence)"})
    return out


def _clean_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def preflight_inputs(config: StudyConfig, root: Path) -> str:
    """Read and validate each input that declares a codebook; '' or a clean error message."""
    specs = [s for s in config.inputs.values() if s.codebook]
    if not specs:
        return ""
    from arefie_studies.project.inputs import validate_input

    for spec in specs:
        try:
            validate_input(spec, root)
        except ImportError:
            return ""  # the io layer is not available: the notebook will report problems itself
        except Exception as exc:
            return f"input '{spec.name}' ({spec.path}): {_clean_error(exc)}"
    return ""


def _code_version(root: Path) -> str:
    import subprocess

    from arefie_studies import __version__

    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return __version__
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True, timeout=5)
        suffix = "-dirty" if dirty.stdout.strip() else ""
        return f"{__version__} (git {rev.stdout.strip()}{suffix})"
    except (OSError, subprocess.SubprocessError):
        return __version__


class SchedulerError(RuntimeError):
    """The Dask scheduler given with --scheduler cannot be used."""


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGINT/SIGTERM while a step must not be cut in two (moving a report in, rebuilding
    the index, ending the workers): a signal received meanwhile is delivered again once the step
    is done, to the handler that was in place (so SIGTERM stays SIGTERM: the command's exit code
    says which signal ended it).  No-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    saved = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
             for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])
            raise KeyboardInterrupt   # a handler that returned (SIG_IGN): the step still stops here


def _worker_init(parent: int) -> None:
    """Start of each local pool worker: it dies with the run.

    The workers are children of multiprocessing's fork server, not of the run, and they keep the
    fork server alive (they hold its pipe), so nothing ends them when the run is killed (kill -9).
    A thread waits on a pidfd of the run's process and, when it ends, kills this worker's kernel
    templates and the worker itself; the kernels die with their template (``PR_SET_PDEATHSIG``).
    SIGINT is left to the parent, which ends the workers itself (Ctrl-C and SIGTERM alike)."""
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)

    def die() -> None:
        # no import here: the main thread may hold an import lock (a deadlock, seen in the soak)
        try:
            kernels = sys.modules.get("arefie_studies.pipeline._kernels")
            if kernels is not None:
                kernels.kill_templates()
        finally:
            os.kill(os.getpid(), signal.SIGKILL)

    try:
        fd = os.pidfd_open(parent)
    except ProcessLookupError:
        die()
        return
    except (AttributeError, OSError):  # not Linux >= 5.3: poll the process table
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while os.path.exists(f"/proc/{parent}") or not os.path.isdir("/proc"):
                time.sleep(1.0)
        die()

    threading.Thread(target=watch, name="arefie-parent-watch", daemon=True).start()


def _end_pool(pool, interrupted: bool) -> None:
    """Shut the local pool down; when interrupted, kill its workers first (a running notebook is
    not waited for; its kernel dies with the worker's template)."""
    if interrupted:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _start_forkserver(log: Path) -> None:
    """Start multiprocessing's fork server with its stderr (and so its workers') in ``log``.

    A worker the fork server was still starting when an interrupted run had already ended and
    removed the pool's semaphores printed a Python traceback (``SemLock._rebuild``) on the
    command's own stderr, after its last line (seen in the soak).  Workers' own output goes to the
    run's log instead; what a run reports is the parent's.  When the log cannot be opened (full
    disk), the fork server keeps the command's stderr."""
    from multiprocessing import forkserver

    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = open(log, "ab")
    except OSError:
        return
    saved = os.dup(2)
    try:
        os.dup2(out.fileno(), 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        out.close()


def _executor(jobs: int, scheduler: str | None, log: Path | None = None):
    """(submit, as_completed, close(interrupted)) over a Dask client or a local process pool."""
    if scheduler:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise SchedulerError("--scheduler needs dask.distributed: pip install "
                                 "'dask[distributed]'.") from None
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. "
                                 "Check the address (tcp://host:8786) and that it runs.") from None

        def submit(fn, job):
            return client.submit(fn, job, pure=False, key=f"{job.slug}-{job.variant}-{job.fingerprint[:12]}")

        return submit, as_completed, lambda interrupted=False: client.close()
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    if method == "forkserver" and log is not None:
        _start_forkserver(log)
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=mp.get_context(method),
                               initializer=_worker_init, initargs=(os.getpid(),))
    return pool.submit, as_completed, lambda interrupted=False: _end_pool(pool, interrupted)


def run_studies(root: Path, configs: list[StudyConfig], *, reports: Path | None = None,
                variant: str | None = None, force: bool = False, jobs: int = 1,
                scheduler: str | None = None, progress: bool = True, echo=None) -> RunSummary:
    """Run every stale variant of ``configs``, publish what succeeds and passes the leak scan."""
    from arefie_studies.pipeline.publish import (
        PublishError,
        build_index,
        build_manifest,
        collect_published,
        lock_reports,
        recover,
    )

    echo = echo or (lambda msg: print(msg, file=sys.stderr))
    start = time.monotonic()
    root = Path(root).resolve()
    layout = ReportsLayout(Path(reports).resolve() if reports else root / "reports")
    summary = RunSummary()
    lock = lock_reports(layout)
    try:
        for note in recover(layout):
            echo(f"reprise après une exécution interrompue : {note}")
        synth_error = ensure_synthetic(root, configs, echo)
        cache = hash_cache(root)
        planned = plan_variants(root, configs, layout, cache, variant=variant, force=force)
        _save_cache(cache)
        todo = []
        for p in planned:
            key = (p.config.slug, p.variant.name)
            if p.fresh:
                summary.skipped.append(key)
            elif p.error:
                reason = p.error + (f" ({synth_error})" if synth_error and "synth" in p.error else "")
                summary.failures.append(Failure(*key, reason=reason))
            else:
                todo.append(p)
        if todo:
            _execute(root, layout, todo, summary, jobs=jobs, scheduler=scheduler,
                     progress=progress, echo=echo)
        with signals_deferred():
            published = collect_published(layout)
            for build in (build_manifest, build_index):
                try:
                    build(layout, published)
                except PublishError as exc:
                    summary.errors.append(str(exc))
    finally:
        lock.close()
    summary.seconds = time.monotonic() - start
    return summary


def _save_cache(cache: HashCache) -> None:
    """Save the file-hash cache; it only saves time, so a full or read-only disk is no error
    (its temporary file is removed)."""
    try:
        cache.save()
    except OSError:
        if cache.path is None:
            return
        for tmp in cache.path.parent.glob(f"{cache.path.stem}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _execute(root: Path, layout: ReportsLayout, todo: list[PlannedVariant], summary: RunSummary, *,
             jobs: int, scheduler: str | None, progress: bool, echo) -> None:
    from arefie_studies.pipeline.execute import Job, JobResult, execute_job

    # inputs are checked once per study before any kernel starts
    bad_inputs: dict[str, str] = {}
    for config in {p.config.slug: p.config for p in todo}.values():
        msg = preflight_inputs(config, root)
        if msg:
            bad_inputs[config.slug] = msg
    runnable = []
    for p in todo:
        if p.config.slug in bad_inputs:
            summary.failures.append(Failure(p.config.slug, p.variant.name,
                                            reason=bad_inputs[p.config.slug]))
        else:
            runnable.append(p)
    if not runnable:
        return
    from arefie_studies.pipeline.publish import publish_error

    code_version = _code_version(root)
    tmp_dirs: list[Path] = []
    try:
        for _ in runnable:
            tmp_dirs.append(layout.new_tmp())
    except OSError as exc:
        for tmp in tmp_dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        reason = str(publish_error(exc, "create a working folder in", layout.reports))
        summary.failures += [Failure(p.config.slug, p.variant.name, reason=reason) for p in runnable]
        return
    submit, as_completed, close = _executor(jobs, scheduler, layout.reports / "_logs" / "workers.log")
    jobs_list = [Job(
        slug=p.config.slug, variant=p.variant.name, label=p.variant.display,
        title=p.config.title, subtitle=p.variant.subtitle,
        notebook=str(root / p.config.notebook), root=str(root),
        tmp_dir=str(tmp), log_path=str(layout.log(p.config.slug, p.variant.name)),
        failed_path=str(layout.failed_notebook(p.config.slug, p.variant.name)),
        parameters=p.parameters, fingerprint=p.fingerprint, outputs=p.config.outputs,
        renderer=p.config.renderer, cell_timeout=p.config.cell_timeout,
        preload=(p.config.module,),
        metadata={"study": p.config.description or p.config.title,
                  "partners": p.config.partners, "wave": p.config.wave, "inputs": _input_list(p, root),
                  "code_version": code_version,
                  "disclosure_threshold": p.config.disclosure_threshold,
                  "synthetic": p.config.is_synthetic, "slug": p.config.slug},
    ) for p, tmp in zip(runnable, tmp_dirs, strict=True)]
    jobs_list = _longest_first(jobs_list, runnable)
    configs = {p.config.slug: p.config for p in todo}
    rules_cache: dict[str, Any] = {}
    from arefie_studies.pipeline.progress import RunProgress

    view = RunProgress(len(jobs_list), enabled=progress)
    interrupted = True  # until the loop ends normally: Ctrl-C, SIGTERM, an unexpected error
    try:
        futures = {}
        for job in jobs_list:
            view.submitted(f"{job.slug}/{job.variant}", job.log_path, job.notebook)
            futures[submit(execute_job, job)] = job
        view.start()
        for fut in as_completed(list(futures)):
            job = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # the worker itself died
                res = JobResult(job.slug, job.variant, ok=False, tmp_dir=job.tmp_dir,
                                error=f"le processus de travail a échoué : {_clean_error(exc)}")
            with signals_deferred():  # a report is moved in whole or not at all
                _finish(root, layout, job, res, configs[job.slug], rules_cache, summary)
            view.ended(f"{job.slug}/{job.variant}", seconds=res.duration,
                       ok=bool(summary.published) and summary.published[-1] == (job.slug, job.variant))
        interrupted = False
    finally:
        with signals_deferred():
            view.close()
            close(interrupted)
            for job in jobs_list:
                shutil.rmtree(job.tmp_dir, ignore_errors=True)


def _longest_first(jobs_list: list, runnable: list[PlannedVariant]) -> list:
    """Dispatch order: full reports (variants that override no parameter: the regional ones)
    before the light variants, so the longest jobs do not start last and leave cores idle."""
    order = sorted(range(len(jobs_list)), key=lambda i: bool(runnable[i].variant.parameters))
    return [jobs_list[i] for i in order]


def _finish(root: Path, layout: ReportsLayout, job, res, config: StudyConfig,
            rules_cache: dict[str, Any], summary: RunSummary) -> None:
    """Parent side of one finished job: record a failure, or leak scan then publish/quarantine."""
    from arefie_studies.pipeline.leakscan import rules_for_study, scan_files, summarize
    from arefie_studies.pipeline.publish import PublishError, publish_variant

    failed_nb = Path(job.failed_path)

    def rel(p) -> str:
        return str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else str(p)

    if not res.ok:
        summary.failures.append(Failure(
            job.slug, job.variant, reason=res.error, cell=res.cell,
            kept=rel(failed_nb) if failed_nb.is_file() else "", log=rel(job.log_path)))
        return
    tmp = Path(res.tmp_dir)
    try:
        if job.slug not in rules_cache:
            rules_cache[job.slug] = rules_for_study(config, root)
        findings = scan_files(sorted(tmp.rglob("*")), rules_cache[job.slug], relative_to=tmp)
    except Exception as exc:
        findings = None
        reason = f"l’analyse des fuites n’a pas pu s’exécuter : {_clean_error(exc)}"
    else:
        reason = "analyse des fuites, publication refusée : " + summarize(findings, limit=5)
        if not findings:
            from arefie_studies.pipeline.quality import check_report

            issues = check_report(tmp, synthetic=config.is_synthetic)
            if issues:
                findings = issues
                reason = (f"contrôle qualité, publication refusée : "
                          f"{accord(len(issues), 'problème')} : "
                          + "; ".join(map(str, issues[:5])) + (" …" if len(issues) > 5 else ""))
    if findings is None or findings:
        kept = ""
        with contextlib.suppress(OSError):
            with open(job.log_path, "a", encoding="utf-8") as log:
                log.write(reason + "\n" + "".join(f"  {f}\n" for f in findings or []))
        quarantine = layout.quarantine(job.slug, job.variant)
        try:
            shutil.rmtree(quarantine, ignore_errors=True)
            quarantine.parent.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, quarantine)  # same file system: whole or not at all
            kept = rel(quarantine)
        except OSError as exc:
            reason += (f" (non conservé dans {rel(quarantine)} : "
                       f"{exc.strerror or type(exc).__name__})")
        summary.failures.append(Failure(job.slug, job.variant, reason=reason,
                                        kept=kept, log=rel(job.log_path)))
        return
    if "notebook" not in job.outputs:  # kept by the worker for the scan only
        (tmp / f"{job.slug}.ipynb").unlink(missing_ok=True)
    try:
        publish_variant(layout, job.slug, job.variant, tmp)
    except PublishError as exc:  # this variant fails alone; the previous report stays published
        summary.failures.append(Failure(job.slug, job.variant, reason=str(exc),
                                        log=rel(job.log_path)))
        return
    with contextlib.suppress(OSError):
        failed_nb.unlink(missing_ok=True)
    shutil.rmtree(layout.quarantine(job.slug, job.variant), ignore_errors=True)
    summary.published.append((job.slug, job.variant))
