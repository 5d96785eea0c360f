"""The explorer ships inside the wheel: its static files are package data, with nothing from outside."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hippograph.server.ui import static_dir

ROOT = Path(__file__).resolve().parent.parent
FILES = {"index.html", "app.js", "api.js", "dom.js", "graph.js", "style.css"}


def test_static_files_reference_nothing_outside():
    found = {p.name for p in static_dir().iterdir()}
    assert found >= FILES
    for path in static_dir().iterdir():
        text = path.read_text(encoding="utf-8")
        # No CDN, font or script from another origin; only same-origin paths and the SVG namespace.
        urls = set(re.findall(r"https?://[^\s\"'`)]+", text))
        assert urls <= {"http://www.w3.org/2000/svg"}, (path.name, urls)
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, path.name
        assert "localStorage.setItem" not in text and "document.cookie" not in text, path.name


def test_built_wheel_contains_the_explorer(tmp_path):
    pytest.importorskip("setuptools")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("hippograph-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"hippograph/server/static/{f}" for f in FILES} <= names
