"""Benchmark 5b: load-to-interactive of the sign-in and models pages in headless Chromium against the local stack.

The local stack (``python -m local``, as the browser e2e starts it) serves the built UI on loopback;
``frontend/scripts/measure-load.mjs`` drives Debian's Chromium through playwright-core, a new browser context per
sample, and prints what each page recorded with the Performance API. Loopback, no network or CPU throttling: the
figures are the browser's own work (parse, compile, render) plus the local API's answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.frontend import FRONTEND, Asset, measure
from benchmarks.stats import percentile
from tests.support.local_stack import running_stack

SCRIPT = FRONTEND / "scripts" / "measure-load.mjs"
CHROMIUM = Path("/usr/bin/chromium")
PAGES = (
    ("sign_in", "sign-in page, signed out"),
    ("models", "models page, admin signed in (returning)"),
    ("sign_in_to_models", '"Sign in" clicked -> models table'),
)
METRICS = (
    ("fcp_ms", "first contentful paint (ms)"),
    ("lcp_ms", "largest contentful paint (ms)"),
    ("dom_content_loaded_ms", "DOMContentLoaded end (ms)"),
    ("load_ms", "load end (ms)"),
    ("content_ms", "main content in the page (ms)"),
    ("long_tasks", "long tasks (count)"),
    ("long_task_ms", "long tasks total (ms)"),
)
CONTENT = {
    "sign_in": "the sign-in form's fields",
    "models": "a model's link in the models table",
    "sign_in_to_models": "a model's link in the models table",
}


@dataclass(frozen=True)
class Spread:
    median: float
    p90: float


@dataclass(frozen=True)
class PageLoad:
    key: str
    label: str
    samples: list[dict[str, Any]]
    assets: list[Asset]  # the /assets/ JS and CSS files the page fetched (those of the last sample)

    def spread(self, metric: str) -> Spread | None:
        values = [float(s[metric]) for s in self.samples if s.get(metric) is not None]
        if not values:
            return None
        return Spread(median=percentile(values, 50), p90=percentile(values, 90))

    @property
    def assets_gzip(self) -> int:
        return sum(a.gzip_bytes for a in self.assets)


@dataclass(frozen=True)
class UiLoadResult:
    browser: str
    runs: int
    warmup: int
    pages: list[PageLoad]

    def page(self, key: str) -> PageLoad:
        return next(p for p in self.pages if p.key == key)


def _fetched(paths: list[str], dist: Path) -> list[Asset]:
    files = {dist / p.lstrip("/") for p in paths if p.endswith((".js", ".css"))}
    return sorted((measure(f, dist) for f in files if f.is_file()), key=lambda a: a.name)


def run_ui_load(runs: int, warmup: int = 1, frontend: Path = FRONTEND) -> UiLoadResult:
    if not CHROMIUM.is_file():
        raise RuntimeError(f"{CHROMIUM} is missing (apt-get install chromium); no browser is downloaded")
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp, running_stack(Path(tmp), ui=True) as stack:
        admin = next(login for login in stack.info["logins"] if login["admin"])
        env = {
            **os.environ,
            "LOAD_BASE_URL": stack.url,
            "LOAD_USERNAME": admin["username"],
            "LOAD_PASSWORD": admin["password"],
            "LOAD_RUNS": str(runs),
            "LOAD_WARMUP": str(warmup),
            "LOAD_CHROMIUM": str(CHROMIUM),
        }
        done = subprocess.run(
            ["node", str(SCRIPT)], cwd=frontend, env=env, capture_output=True, text=True, check=False, timeout=1800
        )
    if done.returncode != 0:
        raise RuntimeError(f"measure-load.mjs failed ({done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    pages = [
        PageLoad(
            key=key,
            label=label,
            samples=report["samples"][key],
            assets=_fetched(report["samples"][key][-1]["assets"], frontend / "dist"),
        )
        for key, label in PAGES
    ]
    return UiLoadResult(browser=report["browser"], runs=runs, warmup=warmup, pages=pages)
