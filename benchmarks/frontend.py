"""Benchmark 5: gzip size of the production UI bundle (initial route and total).

"Initial route" is what ``index.html`` loads eagerly: its ``<script src>``, ``<link rel=stylesheet>``
and ``<link rel=modulepreload>`` assets, plus every asset those scripts import statically
(``import ... from "./x.js"``, followed transitively). Chunks reached only through dynamic
``import("./x.js")`` load later, on demand. Total is every JS/CSS asset in ``dist/``.
"""

from __future__ import annotations

import gzip
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FRONTEND = PROJECT_ROOT / "frontend"
GZIP_LEVEL = 9

_HTML_ASSET = re.compile(
    r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"']+\.(?:js|css))["'][^>]*>""", re.IGNORECASE
)
# Static imports in minified ES modules: `import{a as b}from"./x.js"`, `import"./x.js"`, `export*from"./x.js"`.
_STATIC_IMPORT = re.compile(
    r"""(?:\bimport|\bexport)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["'`](\.{1,2}/[^"'`]+\.(?:js|css))["'`]"""
)


@dataclass(frozen=True)
class Asset:
    name: str
    raw_bytes: int
    gzip_bytes: int
    initial: bool


@dataclass(frozen=True)
class FrontendResult:
    assets: list[Asset]
    built_now: bool

    @property
    def initial_gzip(self) -> int:
        return sum(asset.gzip_bytes for asset in self.assets if asset.initial)

    @property
    def initial_raw(self) -> int:
        return sum(asset.raw_bytes for asset in self.assets if asset.initial)

    @property
    def total_gzip(self) -> int:
        return sum(asset.gzip_bytes for asset in self.assets)

    @property
    def total_raw(self) -> int:
        return sum(asset.raw_bytes for asset in self.assets)


def _resolve(base: Path, reference: str, dist: Path) -> Path | None:
    path = (base.parent / reference.split("?", 1)[0]).resolve()
    return path if path.is_file() and path.is_relative_to(dist.resolve()) else None


def initial_assets(dist: Path) -> set[Path]:
    """The assets ``index.html`` loads eagerly, with their static imports followed transitively."""
    index = dist / "index.html"
    pending = [p for ref in _HTML_ASSET.findall(index.read_text(encoding="utf-8")) if (p := _resolve(index, ref, dist))]
    seen: set[Path] = set()
    while pending:
        asset = pending.pop()
        if asset in seen:
            continue
        seen.add(asset)
        if asset.suffix == ".js":
            source = asset.read_text(encoding="utf-8", errors="replace")
            pending.extend(p for ref in _STATIC_IMPORT.findall(source) if (p := _resolve(asset, ref, dist)))
    return seen


def ensure_build(frontend: Path = FRONTEND) -> bool:
    """Run ``npm run build`` when ``dist/`` is missing; return whether a build ran."""
    if (frontend / "dist" / "index.html").is_file():
        return False
    subprocess.run(["npm", "run", "build"], cwd=frontend, check=True, capture_output=True)
    return True


def run_frontend(frontend: Path = FRONTEND) -> FrontendResult:
    built = ensure_build(frontend)
    dist = frontend / "dist"
    eager = initial_assets(dist)
    assets = []
    for path in sorted(p for p in dist.rglob("*") if p.suffix in {".js", ".css"} and p.is_file()):
        data = path.read_bytes()
        assets.append(
            Asset(
                name=str(path.relative_to(dist)),
                raw_bytes=len(data),
                gzip_bytes=len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)),
                initial=path.resolve() in eager,
            )
        )
    return FrontendResult(assets=assets, built_now=built)
