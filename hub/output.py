"""How commands print: JSON for machines, rich tables and progress bars for people.

rich is imported inside these functions, so commands that print nothing pay nothing for it.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any, Iterator, Sequence

import click

from hub.specs import ProgressCallback


CORE_WRITERS = frozenset({"hub", "click", "rich"})
"""Top-level packages whose writes reach a command's stdout: ecohub, and the libraries it prints
with (a plugin's command prints through them too, with ``click.echo`` or ``hub.output``)."""


class CoreOnlyStdout(io.TextIOBase):
    """``sys.stdout`` for a ``hub`` command: only ecohub's own output reaches it.

    A plugin (or a library it calls) that prints while it is imported, in a hook or inside a model
    would otherwise corrupt ``--json`` output that scripts parse while the command exits 0. Each
    write is judged by the module that made it: ecohub, click and rich reach stdout; anything
    else goes to stderr, where a person still sees it.
    """

    def __init__(self, stdout: Any, stderr: Any):
        super().__init__()
        self._stdout, self._stderr = stdout, stderr

    def _target(self, depth: int) -> Any:
        module = sys._getframe(depth).f_globals.get("__name__", "")
        return self._stdout if module.partition(".")[0] in CORE_WRITERS else self._stderr

    def write(self, text: str) -> int:
        return self._target(2).write(text)

    def writelines(self, lines) -> None:
        self._target(2).writelines(lines)

    def flush(self) -> None:
        self._stdout.flush()
        self._stderr.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stdout.isatty()

    def fileno(self) -> int:
        return self._stdout.fileno()

    @property
    def encoding(self) -> str:
        return self._stdout.encoding

    @property
    def buffer(self) -> Any:
        return self._stdout.buffer


@contextlib.contextmanager
def stdout_for_core() -> Iterator[None]:
    """Route everything but ecohub's own output to stderr while a command runs."""
    original = sys.stdout
    sys.stdout = CoreOnlyStdout(original, sys.stderr)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = original


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


PIPED_WIDTH = 200


def console():
    """A console for people; when piped, wide enough that rows stay on one line for grep."""
    import sys

    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]):
    from rich.table import Table

    result = Table(title=title, title_justify="left", header_style="bold")
    for index, column in enumerate(columns):
        result.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        result.add_row(*("" if cell is None else str(cell) for cell in row))
    return result


@contextlib.contextmanager
def progress_bar(title: str) -> Iterator[ProgressCallback]:
    """A live progress bar on stderr; yields the callback that moves it."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=False,
    ) as bar:
        task = bar.add_task(title, total=1.0)

        def update(message: str, fraction: float) -> None:
            bar.update(task, description=message, completed=fraction)

        yield update
