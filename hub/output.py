"""How commands print: JSON for machines, rich tables and progress bars for people.

rich is imported inside these functions, so commands that print nothing pay nothing for it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator, Sequence

import click

from hub.specs import ProgressCallback


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
