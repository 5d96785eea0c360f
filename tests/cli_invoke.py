"""The ``hippograph`` command line run in-process, as the bad-input tests drive it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hippograph.cli import app


def invoke(*args: str, input: str | None = None):
    """Run ``hippograph ARGS``; the result holds the exit code, stdout and stderr."""
    # A wide terminal: tables show whole titles (what is checked is how they print, not wrapping).
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False, env={"COLUMNS": "400"})


def store_stats(store: str) -> dict:
    """``hippograph stats --json`` of ``store``."""
    return json.loads(invoke("stats", "--json", "--store", store).stdout)
