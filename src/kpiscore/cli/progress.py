"""A progress display on standard error when it is a terminal (rich), else nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click


def stderr_is_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Progress:
    """A rich progress display on standard error, or nothing (not a terminal, --quiet).

    ``say`` prints a line above the display while it runs.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich import progress as rp
            from rich.console import Console

            self._progress = rp.Progress(
                rp.SpinnerColumn(), rp.TextColumn("{task.description}"), rp.BarColumn(),
                rp.MofNCompleteColumn(), rp.TimeElapsedColumn(),
                console=Console(stderr=True, highlight=False), transient=True,
                redirect_stdout=False, redirect_stderr=False)
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def show(self, description: str, done: int | None = None,
             total: int | None = None) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(description, total=total)
        self._progress.update(self._task, description=description, total=total,
                              completed=done or 0)

    def say(self, text: str, colour: str | None = None, *, enabled: bool = True) -> None:
        if self._progress is not None:
            self._progress.console.print(text, style=colour if enabled else None,
                                         markup=False, highlight=False, soft_wrap=True)
        else:
            if colour and enabled:
                text = click.style(text, fg=colour)
            click.echo(text, err=True, color=enabled)


@contextmanager
def working(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress display for ``evaluate`` while it scores and writes, when standard
    error is a terminal; yields a callback ``(done, total)``."""
    with Progress(stderr_is_terminal()) as progress:
        progress.show(description)

        def update(done: int, total: int) -> None:
            progress.show(description, done, total)

        yield update
