"""Long work (imports, plan computations) on a thread of its own, so a browser session can look
at other pages meanwhile and come back to the result.

A page starts a job and keeps its id; any page may read its progress. Jobs are process-wide:
every session of the same workspace sees that an import is running there.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

Progress = Callable[[int, int, str, str], None]   # (done, total, current item, step)


@dataclass
class Job:
    """One piece of work and how far it has got. Fields are written by the job's thread only."""

    title: str
    scope: str                        # which workspace it belongs to
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 1
    item: str = ""
    step: str = "准备中…"
    finished: bool = False
    result: Any = None
    error: str | None = None
    exc: Exception | None = None      # the exception itself, for callers that expect one
    _event: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, done: int, total: int, item: str, step: str) -> None:
        self.done, self.total, self.item, self.step = done, max(total, 1), item, step

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for the job to finish; True if it has."""
        return self._event.wait(timeout)

    @property
    def fraction(self) -> float:
        return 1.0 if self.finished else min(self.done / self.total, 0.99)

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


class Jobs:
    """The jobs of this process. Finished ones are kept (most recent ``keep``) until read."""

    def __init__(self, keep: int = 32) -> None:
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_key: dict[Hashable, str] = {}
        self._keep = keep

    def start(self, title: str, scope: str, work: Callable[[Progress], Any], key: Hashable | None = None) -> Job:
        """Run ``work(progress)`` on a new thread; with ``key``, a job already started for the
        same key (running or finished and kept, failed ones too: the key names the whole input,
        so a rerun would fail again) is returned instead of starting another."""
        with self._lock:
            if key is not None and (existing := self._jobs.get(self._by_key.get(key, ""))) is not None:
                return existing
            job = Job(title=title, scope=scope)
            self._jobs[job.id] = job
            if key is not None:
                self._by_key[key] = job.id
            self._trim()

        def run() -> None:
            try:
                job.result = work(job.progress)
            except Exception as exc:  # shown to the user; an unexpected one's traceback goes to the log
                if not isinstance(exc, ValueError):
                    traceback.print_exc()
                job.exc, job.error = exc, str(exc)[:300]
            finally:
                job.finished = True
                job._event.set()

        threading.Thread(target=run, name=f"qunjian-job-{job.id[:8]}", daemon=True).start()
        return job

    def get(self, job_id: str | None) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id or "")

    def running(self, scope: str) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.scope == scope and not j.finished]

    def wait(self, timeout: float = 300.0) -> bool:
        """Block until no job is running (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if all(j.finished for j in self._jobs.values()):
                    return True
            time.sleep(0.05)
        return False

    def _trim(self) -> None:
        finished = [i for i, j in self._jobs.items() if j.finished]
        for job_id in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[job_id]
        live = set(self._jobs)
        self._by_key = {k: v for k, v in self._by_key.items() if v in live}
