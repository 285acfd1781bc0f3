"""How every command reports a user's mistake: one line on stderr, exit status 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    """Print ``error: message`` and exit with status 2 (never a traceback)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(USAGE_ERROR)


def check_distribution_options(chunk_size: int, workers: int | None) -> None:
    """The options shared by commands that run patients in chunks on workers (``workers``
    None: the engine's default)."""
    if chunk_size < 1:
        fail(f"--chunk-size must be at least 1, got {chunk_size}")
    if workers is not None and workers < 0:
        fail(f"--workers must be 0 (in this process) or more, got {workers}")
