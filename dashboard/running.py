"""Long jobs (training, evaluation) that a dashboard page runs in the background and draws as they go.

A Streamlit script must finish for the page to update, so a job runs in a thread of its own and
the page polls it from an ``st.fragment(run_every=...)``. The job is kept in the session's state:
the person who started it sees its progress and can cancel it; nobody else does.

Cancelling is cooperative. The CLI turns a signal into :class:`~hub.jobs.stopping.JobStopped`
(``hub.jobs.stopping``); a thread cannot receive signals, so here the job's own ``progress`` and
``on_event`` callbacks raise it once a stop is asked for. Every trainer calls them between stages
(scikit-learn's gradient boosting after each boosting stage, torch after each step), so the stop
lands at the next stage, inside the training job's ``with`` blocks: temporary folders are removed
and nothing is registered. Once the job reports itself complete (fraction 1.0), the result exists
and a stop no longer applies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, Callable

import streamlit as st

from hub.errors import HubError
from hub.jobs.stopping import JobStopped
from hub.specs import TrainingEvent

EVENTS_KEPT = 20_000
"""Training events kept for the live chart: enough for every step of a long run on a small slice."""

logger = logging.getLogger(__name__)


class Job:
    """One background job: its latest progress, its training events, and how it ended."""

    def __init__(self, title: str, stopped: str):
        self.title = title
        self.stopped_message = stopped
        self.message = "Starting"
        self.fraction = 0.0
        self._events: deque[TrainingEvent] = deque(maxlen=EVENTS_KEPT)
        self._lock = threading.Lock()
        self.result: Any = None
        self.error: HubError | None = None
        self.started = time.monotonic()
        self.finished: float | None = None
        self._stop = threading.Event()

    def progress(self, message: str, fraction: float) -> None:
        """The job's ``ProgressCallback``; raises :class:`JobStopped` at the first stage after a stop."""
        if fraction < 1.0:
            self._check()
        self.message, self.fraction = message, min(max(fraction, 0.0), 1.0)

    def on_event(self, event: TrainingEvent) -> None:
        """The job's ``TrainingEventCallback``; raises :class:`JobStopped` at the first step after a stop."""
        self._check()
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> list[TrainingEvent]:
        """The training events so far, copied: the job's thread keeps adding to them."""
        with self._lock:
            return list(self._events)

    def _check(self) -> None:
        if self._stop.is_set():
            raise JobStopped(self.stopped_message, "Start it again when you are ready.")

    def stop(self) -> None:
        """Ask the job to stop at its next stage; it may still finish if it is already registering."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and not self.done

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, JobStopped)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def run(self, work: Callable[["Job"], Any]) -> None:
        try:
            self.result = work(self)
        except HubError as error:
            self.error = error
        except Exception as error:  # a plugin's bug: say which job failed and how, never a traceback
            logger.exception("%s failed", self.title)
            self.error = HubError(f"{self.title} failed: {type(error).__name__}: {error}",
                                  "The dashboard's log has the traceback; 'hub plugins list' shows each "
                                  "plugin's status.")
        finally:
            self.finished = time.monotonic()


def start(key: str, title: str, work: Callable[[Job], Any], *, stopped: str) -> Job:
    """Run ``work(job)`` in a background thread and keep the job in the session under ``key``.

    ``stopped`` is what the page says when the job is cancelled (what was and was not kept).
    """
    job = Job(title, stopped)
    st.session_state[key] = job
    threading.Thread(target=job.run, args=(work,), name=f"hub-{key}", daemon=True).start()
    return job


def current(key: str) -> Job | None:
    """The session's job under ``key``, running or finished, if one was started."""
    return st.session_state.get(key)


def forget(key: str) -> None:
    st.session_state.pop(key, None)


def running(key: str) -> bool:
    job = current(key)
    return job is not None and not job.done
