"""Test helper: Debian's Chromium driven by Playwright, with every request to another origin failing the test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HIPPOGRAPH_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium keeps calling outside hosts (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]


def chromium_or_skip() -> str:
    """The Chromium path; under CI (``CI=true``) a missing browser fails instead of skipping."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        found = None
    if not found:
        message = (
            "Chromium or Playwright missing: `apt-get install -y chromium` and `pip install -e '.[dev]'` "
            "(.ci/run does both)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


class OriginGuard:
    """Routes every request of a page; anything not aimed at ``origin`` is aborted and recorded."""

    def __init__(self, origin: str):
        self.origin = origin.rstrip("/")
        self.foreign: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()
