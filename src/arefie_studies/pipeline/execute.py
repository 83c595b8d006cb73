"""Execute one variant: papermill runs the notebook, the renderer writes HTML/PDF, all into a temporary
folder.  Runs in a worker process (local pool or Dask worker); never raises: every outcome is a
:class:`JobResult` so one failing variant cannot stop the others.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobResult", "execute_job", "pick_kernel"]

PROJECT_KERNEL = "arefie-studies"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to produce one variant (picklable, paths as strings)."""

    slug: str
    variant: str
    title: str
    subtitle: str
    notebook: str
    root: str
    tmp_dir: str
    log_path: str
    failed_path: str
    parameters: dict[str, Any]
    fingerprint: str
    outputs: tuple[str, ...]
    renderer: str
    metadata: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    cell_timeout: int | None = None
    preload: tuple[str, ...] = ()  # modules the kernel template imports before forking


@dataclass
class JobResult:
    """Outcome of :func:`execute_job`: ``ok`` with the rendered ``files``, or ``error`` (one clean
    paragraph, no traceback) and ``cell`` (index, execution count, first source line, error name)."""

    slug: str
    variant: str
    ok: bool
    tmp_dir: str
    files: dict[str, str] = field(default_factory=dict)
    error: str = ""
    cell: dict[str, Any] | None = None
    duration: float = 0.0


def pick_kernel() -> str:
    """The project kernel ``arefie-studies`` when installed, else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return PROJECT_KERNEL if PROJECT_KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def kernel_pythonpath(root: Path) -> str:
    """PYTHONPATH for the kernel: the project's ``src/``, the installed package's parent, then the
    caller's PYTHONPATH, so the notebook imports this very library."""
    import arefie_studies

    parts = [str(root / "src"), str(Path(arefie_studies.__file__).resolve().parent.parent)]
    parts += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join(dict.fromkeys(parts))


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _clean(text: str) -> str:
    return _ANSI.sub("", str(text)).strip()


def _original_index(notebook: Path, source: str) -> int | None:
    """Index of the cell with this source in the original notebook (papermill adds cells)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for i, cell in enumerate(cells):
        src = cell.get("source", "")
        if ("".join(src) if isinstance(src, list) else src) == source:
            return i
    return None


def load_renderer(spec: str, root: Path | None = None):
    """Import ``package.module:function``, looking in the project's ``src/`` too."""
    import importlib

    module, _, func = spec.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        src = str(Path(root) / "src") if root is not None else None
        if src is None or exc.name != module.split(".")[0] or src in sys.path:
            raise
        sys.path.append(src)  # worker process: the project's own modules
        mod = importlib.import_module(module)
    return getattr(mod, func)


@contextlib.contextmanager
def _environ(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _SafeLog:
    """The job's log file; a write that fails (disk full) is dropped, never raised, so the job's
    own outcome is still returned (the log is a diagnostic, not a product)."""

    def __init__(self, fh):
        self._fh = fh
        self.failed: OSError | None = None

    def write(self, text: str) -> int:
        try:
            return self._fh.write(text)
        except (OSError, ValueError) as exc:
            self.failed = self.failed or (exc if isinstance(exc, OSError) else None)
            return 0

    def flush(self) -> None:
        try:
            self._fh.flush()
        except (OSError, ValueError) as exc:
            self.failed = self.failed or (exc if isinstance(exc, OSError) else None)

    def fileno(self) -> int:
        return self._fh.fileno()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._fh.close()


def _log_handler(log):
    import logging

    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    thread = threading.get_ident()  # a Dask worker may run several jobs in threads: one log each
    handler.addFilter(lambda record: record.thread == thread)
    return handler


def execute_job(job: Job) -> JobResult:
    """Run the notebook with papermill into ``job.tmp_dir``, render it, write ``meta.json``."""
    import logging

    start = time.monotonic()
    result = JobResult(job.slug, job.variant, ok=False, tmp_dir=job.tmp_dir)
    tmp = Path(job.tmp_dir)
    executed = tmp / f"{job.slug}.ipynb"
    log_path = Path(job.log_path)
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(log_path, "w", encoding="utf-8")
    except OSError as exc:  # a read-only or full reports/: the variant fails cleanly, no log
        result.error = (f"impossible d’écrire le journal {log_path} : "
                        f"{exc.strerror or type(exc).__name__}")
        return result
    pm_logger = logging.getLogger("papermill")
    with _SafeLog(log_file) as log:
        handler = _log_handler(log)
        pm_logger.addHandler(handler)
        pm_logger.setLevel(logging.INFO)
        log.write(f"study {job.slug} variant {job.variant}\nfingerprint {job.fingerprint}\n")
        log.write(f"parameters {json.dumps(job.parameters, ensure_ascii=False, default=str)}\n")
        log.flush()
        # the kernel's own stderr (warnings) goes to the log, not the terminal; only in a process
        # that runs one job at a time (pool workers run jobs in their main thread, Dask in others)
        redirect = threading.current_thread() is threading.main_thread()
        saved_stderr = os.dup(2) if redirect else None
        if redirect:
            os.dup2(log.fileno(), 2)
        try:
            _run_notebook(job, executed, log, result)
            if result.error:
                return result
            _render(job, executed, tmp, result)
            if result.error:
                return result
            result.ok = True
        except Exception as exc:  # an unexpected pipeline error: keep it in the result, not raised
            result.error = f"{type(exc).__name__}: {_clean(exc)}"
            log.write(traceback.format_exc())
        finally:
            result.duration = time.monotonic() - start
            log.write(f"status {'ok' if result.ok else 'FAILED'} after {result.duration:.1f} s\n")
            if result.error:
                log.write(f"error {result.error}\n")
            pm_logger.removeHandler(handler)
            log.flush()
            if saved_stderr is not None:
                os.dup2(saved_stderr, 2)
                os.close(saved_stderr)
    return result


def _skip_slow_imports() -> None:
    """nbformat imports jsonschema, which imports ``rfc3987_syntax`` when installed: that builds a
    Lark grammar at import time (2-4 s of CPU per worker) for IRI format checks notebooks never use.
    Workers mark it absent (jsonschema then skips that one format)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def _run_notebook(job: Job, executed: Path, log, result: JobResult) -> None:
    _skip_slow_imports()
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from arefie_studies.pipeline._kernels import kernel_manager_class
    from arefie_studies.pipeline._notebook_engine import ENGINE_NAME

    root = Path(job.root)
    params = {**job.parameters, "output_dir": job.tmp_dir}
    try:
        with _environ(PYTHONPATH=kernel_pythonpath(root), MPLBACKEND="Agg"):
            pm.execute_notebook(
                job.notebook, str(executed), parameters=params, kernel_name=pick_kernel(),
                language="python", execution_timeout=job.cell_timeout,
                cwd=str(root), progress_bar=False, log_output=True,
                kernel_manager_class=kernel_manager_class(job.preload),
                engine_name=ENGINE_NAME,  # the notebook written once, not twice per cell
            )
    except PapermillExecutionError as exc:
        index = _original_index(Path(job.notebook), exc.source)
        result.cell = {
            "index": index if index is not None else exc.cell_index,
            "execution_count": exc.exec_count,
            "source": _first_line(exc.source),
            "ename": exc.ename,
            "evalue": _clean(exc.evalue),
        }
        evalue = _clean(exc.evalue)
        result.error = f"{exc.ename}: {evalue}" if evalue else exc.ename
        log.write(_clean("\n".join(exc.traceback)) + "\n")
        _keep_failed(executed, Path(job.failed_path), log)
    except Exception as exc:  # kernel died, cell timeout, bad notebook, missing kernel...
        result.error = (f"le carnet ne s’est pas exécuté jusqu’au bout : {type(exc).__name__}: "
                        f"{_first_line(_clean(exc))}")
        log.write(traceback.format_exc())
        result.cell = _last_started_cell(executed, Path(job.notebook))
        _keep_failed(executed, Path(job.failed_path), log)


def _last_started_cell(executed: Path, notebook: Path) -> dict[str, Any] | None:
    """The cell that was running when execution stopped: the last one papermill started."""
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    started = [c for c in cells if c.get("cell_type") == "code"
               and (c.get("metadata", {}).get("papermill") or {}).get("start_time")]
    if not started:
        return None
    cell = started[-1]
    src = cell.get("source", "")
    src = "".join(src) if isinstance(src, list) else src
    return {"index": _original_index(notebook, src), "execution_count": cell.get("execution_count"),
            "source": _first_line(src)}


def _keep_failed(executed: Path, target: Path, log=None) -> None:
    """Copy the executed notebook to ``reports/_failed`` through a temporary file: a disk that is
    full or read-only leaves no empty or partial "failed notebook" (the log says why)."""
    if not executed.is_file() or executed.stat().st_size == 0:
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if log is not None:
            with contextlib.suppress(OSError, ValueError):
                log.write(f"the failed notebook could not be kept in {target}: {exc}\n")


def _software_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"Python": sys.version.split()[0]}
    for dist in ("arefie-studies", "numpy", "pandas", "scipy", "statsmodels", "matplotlib",
                 "seaborn", "papermill", "nbconvert", "weasyprint"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def report_date():
    """The report's date: now, or ``SOURCE_DATE_EPOCH`` (UTC) when set, so that a rebuild of the
    same inputs is byte-identical (the reproducible-builds convention)."""
    from datetime import datetime

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now().astimezone()


def _render(job: Job, executed: Path, tmp: Path, result: JobResult) -> None:
    metadata = {
        **job.metadata,
        "date": report_date().isoformat(timespec="seconds"),
        "parameters": job.parameters,
        "software": _software_versions(),
    }
    try:
        render = load_renderer(job.renderer, Path(job.root))
    except (ImportError, AttributeError) as exc:
        result.error = (f"le moteur de rendu {job.renderer} est indisponible : "
                        f"{type(exc).__name__}: {exc}")
        return
    try:
        files = render(executed, tmp, title=job.title, subtitle=job.subtitle,
                       variant=job.label or job.variant, metadata=metadata)
    except Exception as exc:
        result.error = f"le rendu a échoué : {type(exc).__name__}: {_first_line(_clean(exc))}"
        _keep_failed(executed, Path(job.failed_path))
        return
    files = {str(k): Path(v) for k, v in (files or {}).items()}
    missing = [k for k in job.outputs if k != "notebook" and not (k in files and files[k].is_file())]
    if missing:
        result.error = (f"le rendu n’a produit aucun fichier {', '.join(missing)} "
                        "(sorties exigées par l’étude)")
        return
    if "notebook" in job.outputs:
        files["notebook"] = executed
    # otherwise the executed notebook stays in tmp for the parent's leak scan, which deletes it
    for k, p in files.items():
        if p.resolve().parent != tmp.resolve():
            target = tmp / p.name
            shutil.copyfile(p, target)
            files[k] = target
    result.files = {k: p.name for k, p in files.items()}
    meta = {
        "study": job.slug, "variant": job.variant, "label": job.label, "title": job.title,
        "subtitle": job.subtitle,
        "fingerprint": job.fingerprint, "files": result.files,
        **{k: v for k, v in metadata.items() if k not in {"study", "variant"}},
        "key_figures": _key_figures(executed),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str),
                                   encoding="utf-8")


def _key_figures(executed: Path) -> list[dict[str, str]]:
    """The report's key figures as printed (``render.collect_key_figures``), for the portal."""
    import nbformat

    from arefie_studies.pipeline.render import collect_key_figures

    # the notebook papermill has just written: read without a second schema validation
    return collect_key_figures(nbformat.from_dict(json.loads(executed.read_text(encoding="utf-8"))))


def result_dict(result: JobResult) -> dict[str, Any]:
    return asdict(result)
