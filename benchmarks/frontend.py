"""Benchmark 5a: gzip size of the production UI bundle, per route.

What a route loads before its page can render: the entry (``index.html``'s script, its static imports and their CSS)
plus the route's lazy chunks (the console shell, the page) with their static imports and CSS, as Vite's build
manifest (``dist/.vite/manifest.json``) lists them. Vite preloads exactly those when it runs the dynamic import.
Chunks a page imports on demand once it renders (the editor's Ajv validator, Ace) are not in the figure; the browser
benchmark (``benchmarks/ui_load.py``) lists what the sign-in and models pages really fetch.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FRONTEND = PROJECT_ROOT / "frontend"
MANIFEST = Path(".vite") / "manifest.json"
GZIP_LEVEL = 9
TARGET_KIB = 250

ENTRY = "index.html"
CONSOLE = "src/shell/Console.tsx"


@dataclass(frozen=True)
class Route:
    name: str
    url: str
    chunks: tuple[str, ...]  # manifest keys: the entry and the lazy chunks the route's first render needs
    first: bool = False  # a first route: what a visitor (sign-in) or a returning admin (models) loads first


ROUTES = (
    Route("sign-in", "any URL, signed out", (ENTRY,), first=True),
    Route("console shell", "any console URL, before its page", (ENTRY, CONSOLE)),
    Route("models", "/models (an admin's landing page)", (ENTRY, CONSOLE, "src/pages/ModelsPage.tsx"), first=True),
    Route("model configuration", "/models/:id/configuration", (ENTRY, CONSOLE, "src/pages/ModelDetailPage.tsx")),
    Route("create", "/models/new", (ENTRY, CONSOLE, "src/pages/CreateModelPage.tsx")),
    Route("audit", "/audit", (ENTRY, CONSOLE, "src/pages/AuditPage.tsx")),
    Route("test", "/test", (ENTRY, CONSOLE, "src/pages/TestPage.tsx")),
)


@dataclass(frozen=True)
class Asset:
    name: str
    raw_bytes: int
    gzip_bytes: int


@dataclass(frozen=True)
class RouteSize:
    route: Route
    assets: tuple[Asset, ...]

    @property
    def js_gzip(self) -> int:
        return sum(a.gzip_bytes for a in self.assets if a.name.endswith(".js"))

    @property
    def css_gzip(self) -> int:
        return sum(a.gzip_bytes for a in self.assets if a.name.endswith(".css"))

    @property
    def gzip(self) -> int:
        return self.js_gzip + self.css_gzip

    @property
    def raw(self) -> int:
        return sum(a.raw_bytes for a in self.assets)

    @property
    def met(self) -> bool:
        return self.gzip <= TARGET_KIB * 1024


@dataclass(frozen=True)
class FrontendResult:
    assets: list[Asset]  # every JS and CSS file of dist/
    routes: list[RouteSize]
    built_now: bool

    @property
    def total_gzip(self) -> int:
        return sum(asset.gzip_bytes for asset in self.assets)

    @property
    def total_raw(self) -> int:
        return sum(asset.raw_bytes for asset in self.assets)

    def route(self, name: str) -> RouteSize:
        return next(size for size in self.routes if size.route.name == name)

    def first_route(self, asset: Asset) -> str:
        """The first route (in ``ROUTES`` order) that loads ``asset``, or "on demand"."""
        return next((r.route.name for r in self.routes if asset in r.assets), "on demand")


def route_files(manifest: Mapping[str, Any], chunks: Iterable[str]) -> set[str]:
    """The files (JS and CSS, relative to ``dist/``) of ``chunks`` and of their static imports, transitively."""
    pending, seen, files = list(chunks), set[str](), set[str]()
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        chunk = manifest[key]
        files.add(chunk["file"])
        files.update(chunk.get("css", ()))
        pending.extend(chunk.get("imports", ()))
    return files


def ensure_build(frontend: Path = FRONTEND) -> bool:
    """Run ``npm run build`` when ``dist/`` or its manifest is missing; return whether a build ran."""
    if (frontend / "dist" / MANIFEST).is_file():
        return False
    subprocess.run(["npm", "run", "build"], cwd=frontend, check=True, capture_output=True)
    return True


def measure(path: Path, dist: Path) -> Asset:
    data = path.read_bytes()
    return Asset(
        name=path.relative_to(dist).as_posix(),
        raw_bytes=len(data),
        gzip_bytes=len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)),
    )


def run_frontend(frontend: Path = FRONTEND) -> FrontendResult:
    built = ensure_build(frontend)
    dist = frontend / "dist"
    manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    assets = {
        a.name: a for a in (measure(p, dist) for p in sorted(dist.glob("assets/*")) if p.suffix in {".js", ".css"})
    }
    routes = [
        RouteSize(route, tuple(sorted((assets[f] for f in route_files(manifest, route.chunks)), key=lambda a: a.name)))
        for route in ROUTES
    ]
    return FrontendResult(assets=list(assets.values()), routes=routes, built_now=built)
