"""What ``arefie-studies run`` shows while it works: per variant and per notebook cell, in French.

On a terminal, one bar counts the steps of every variant to run: its kernel's start, each code
cell, its rendering (so it moves while a long variant runs, instead of waiting for it to end); its text gives the variants done and, for each
running variant, the code cell it is executing::

    rapports : 3/12 variantes  41 % |████▏     | 01:12 < 01:40, sante_jeunes/regional cellule 4/6

(``démarrage`` while the kernel starts, ``mise en page`` while the HTML/PDF is rendered),

and a line is written above the bar each time a variant ends (``✓ … publié (43,9 s)`` or
``✗ … en échec``). Elsewhere (a CI log, a redirected stderr) only the per-variant lines are
written. ``--no-progress`` shows nothing.

The worker does not talk to the parent: the parent reads each job's log, where papermill writes
``Executing Cell N`` and ``Ending Cell N`` around cell N (``log_output=True``). A log counts as this run's once
it was modified after the job was submitted (the previous run's log is still there until the
worker truncates it). The log is read from where it was last read, so a long log costs nothing.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arefie_studies.french import fmt_num

__all__ = ["CellProgress", "RunProgress", "code_cells", "last_cell_event"]

_CELL_EVENT = re.compile(rb"(Executing|Ending) Cell (\d+)-")


def code_cells(notebook: str | Path, *, injected: bool = True) -> list[int | None]:
    """For each cell papermill will execute (1-based log index - 1), the ordinal of the code
    cell among the notebook's code cells (1, 2, ...), or None for a markdown/raw cell.

    papermill inserts its ``injected-parameters`` code cell after the cell tagged
    ``parameters`` (at the top when there is none); ``injected=False`` when no parameters are
    given. An unreadable notebook gives an empty list (the progress then counts no cell)."""
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    kinds = [c.get("cell_type") == "code" for c in cells]
    if injected:
        tagged = [i for i, c in enumerate(cells)
                  if "parameters" in (c.get("metadata", {}).get("tags") or [])]
        kinds.insert(tagged[0] + 1 if tagged else 0, True)
    out: list[int | None] = []
    n = 0
    for is_code in kinds:
        if is_code:
            n += 1
            out.append(n)
        else:
            out.append(None)
    return out


def last_cell_event(data: bytes) -> tuple[str, int] | None:
    """The last papermill cell event in this piece of log: ``("Executing", 3)`` when cell 3
    (1-based, all cells counted) started, ``("Ending", 3)`` when it ended; None if there is none."""
    found = _CELL_EVENT.findall(data)
    return (found[-1][0].decode(), int(found[-1][1])) if found else None


@dataclass
class CellProgress:
    """One variant followed through its log."""

    name: str
    log: Path
    cells: list[int | None]
    submitted_ns: int = 0
    offset: int = 0
    started: bool = False
    current: int = 0  # code cells started (the one running included)
    rendering: bool = False  # the last cell ended: the report is being rendered
    done: bool = False
    tail: bytes = field(default=b"", repr=False)

    @property
    def n_code(self) -> int:
        return max((c for c in self.cells if c is not None), default=0)

    @property
    def steps(self) -> int:
        """Units of this variant on the bar: kernel start, each code cell, rendering."""
        return self.n_code + 2

    @property
    def steps_done(self) -> int:
        if self.done:
            return self.steps
        if self.rendering:
            return self.n_code + 1
        return 1 + max(0, self.current - 1) if self.current else 0

    def poll(self) -> None:
        """Read what the worker added to the log since the last poll."""
        if self.done:
            return
        try:
            st = self.log.stat()
        except OSError:
            return
        if not self.started:
            if st.st_mtime_ns < self.submitted_ns:
                return  # still the previous run's log
            self.started, self.offset = True, 0
        if st.st_size < self.offset:  # truncated under us: read again from the start
            self.offset = 0
        if st.st_size == self.offset:
            return
        try:
            with open(self.log, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read(st.st_size - self.offset)
        except OSError:
            return
        self.offset += len(data)
        # a marker cut in two by the read is found at the next poll: keep a short tail
        event = last_cell_event(self.tail + data)
        self.tail = data[-64:]
        if event is None or not 1 <= event[1] <= len(self.cells):
            return
        kind, index = event
        code = self.cells[index - 1]
        if code is None:  # a markdown cell: the code cells before it are done
            code = max((c for c in self.cells[:index] if c is not None), default=0)
        self.current = max(self.current, code)
        self.rendering = kind == "Ending" and index == len(self.cells)

    def state(self) -> str:
        """What the variant is doing, in French (empty before its worker starts it)."""
        if not self.started or self.done:
            return ""
        if self.rendering:
            return f"{self.name} mise en page"
        if not self.current:
            return f"{self.name} démarrage"
        return f"{self.name} cellule {self.current}/{self.n_code}"


class RunProgress:
    """The run's progress display (see the module docstring). Thread-safe: a background thread
    polls the logs every ``interval`` seconds while the main thread waits for the variants."""

    def __init__(self, total: int, *, enabled: bool = True, stream: Any = None,
                 interval: float = 0.5):
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.enabled = enabled
        self.live = enabled and _is_terminal(self.stream)
        self.interval = interval
        self.jobs: dict[str, CellProgress] = {}
        self.finished = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar = None
        if self.live:
            from tqdm import tqdm

            self._bar = tqdm(total=1, file=self.stream, dynamic_ncols=True, leave=True,
                             bar_format="{desc} {percentage:3.0f} % |{bar:20}| "
                                        "{elapsed} < {remaining}{postfix}")
            self._describe()

    # ------------------------------------------------------------------ events
    def submitted(self, name: str, log: str | Path, notebook: str | Path) -> None:
        """A variant handed to a worker: follow its log from now on."""
        cells = code_cells(notebook) if self.live else []  # only the bar needs them
        job = CellProgress(name, Path(log), cells, submitted_ns=time.time_ns())
        with self._lock:
            self.jobs[name] = job
            if self._bar is not None:
                self._bar.total = sum(j.steps for j in self.jobs.values())
                self._refresh()

    def start(self) -> None:
        """Start polling the logs (on a terminal only)."""
        if self._bar is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="arefie-progress", daemon=True)
        self._thread.start()

    def ended(self, name: str, *, ok: bool, seconds: float = 0.0, note: str = "") -> None:
        """A variant ended: count it and write its line."""
        with self._lock:
            job = self.jobs.get(name)
            if job is not None:
                job.done = True
            self.finished += 1
            if not self.enabled:
                return
            mark, word = ("✓", "publié") if ok else ("✗", "en échec")
            took = f" ({fmt_num(seconds, 1)} s)" if seconds else ""
            line = f"{mark} [{self.finished}/{self.total}] {name} : {word}{took}{note}"
            if self._bar is not None:
                self._bar.write(line, file=self.stream)
                self._refresh()
            else:
                print(line, file=self.stream, flush=True)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    # ------------------------------------------------------------------ display
    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                for job in self.jobs.values():
                    job.poll()
                self._refresh()

    def _describe(self) -> None:
        word = "variante" if self.total < 2 else "variantes"
        self._bar.set_description_str(f"rapports : {self.finished}/{self.total} {word}",
                                      refresh=False)

    def _refresh(self) -> None:
        bar = self._bar
        if bar is None:
            return
        self._describe()
        done = sum(j.steps_done for j in self.jobs.values())
        if done > bar.n:
            bar.update(done - bar.n)  # through update(): tqdm's rate and remaining time follow
        running = [state for j in self.jobs.values() if (state := j.state())]
        bar.set_postfix_str(" · ".join(running), refresh=False)  # tqdm puts ", " before it
        bar.refresh()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
