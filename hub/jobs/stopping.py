"""Stopping a long job cleanly on Ctrl-C or SIGTERM.

A stop becomes :class:`JobStopped` at the point the job had reached, so every ``with`` block
unwinds (temporary folders are removed) and nothing half-made is registered. A stop that arrives
while the job registers its result is ignored: a registration is one transaction, and once it
has begun it is better finished than left for ``hub gc``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

from hub.errors import HubError

NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class JobStopped(HubError):
    """A job stopped on request before it registered anything."""


class Stoppable:
    def __init__(self, job: str):
        self.job = job
        self.registering = False

    def stopped(self, signum: int) -> JobStopped:
        return JobStopped(f"{self.job} stopped ({NAMES.get(signum, signum)}): no version was registered, and its "
                          "temporary files were removed.", "Run the command again to start over.")

    def handle(self, signum: int, _frame) -> None:
        if not self.registering:
            raise self.stopped(signum)

    @contextlib.contextmanager
    def registration(self) -> Iterator[None]:
        """A block that a stop does not interrupt."""
        self.registering = True
        try:
            yield
        finally:
            self.registering = False


@contextlib.contextmanager
def stoppable(job: str) -> Iterator[Stoppable]:
    """Turn Ctrl-C and SIGTERM into :class:`JobStopped` inside the block (main thread only: elsewhere
    signals are the main thread's business and the block only converts ``KeyboardInterrupt``)."""
    state = Stoppable(job)
    installed = {}
    if threading.current_thread() is threading.main_thread():
        for signum in NAMES:
            installed[signum] = signal.signal(signum, state.handle)
    try:
        yield state
    except KeyboardInterrupt:
        raise state.stopped(signal.SIGINT) from None
    finally:
        for signum, previous in installed.items():
            signal.signal(signum, previous)
