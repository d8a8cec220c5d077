"""Lambda packaging without Docker: ``python -m infra.package``.

Two assets per stage, both plain directories under ``build/lambda/``:

- ``deps/<python>-<arch>/python/``: the runtime dependencies as a Lambda layer, installed by pip from
  manylinux wheels for the Lambda platform (``--platform ... --only-binary=:all:``), so the result is the
  same on any build machine. Versions are pinned to the ones installed here (what the tests ran against).
  A stamp file caches the result: a second run with the same requirements does nothing.
- ``code/<stage>/``: the project's own code (``inference_engine``, ``lambdas``) plus the stage's
  ``runtime_settings.json``. It is small and rebuilt at every synth so it always matches the stage config.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from inference_engine.settings import RuntimeSettings
from infra.stage_config import StageConfig, StageConfigError, known_stages, load_stage_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = PROJECT_ROOT / "build" / "lambda"
CODE_PACKAGES = ("inference_engine", "lambdas")
RUNTIME_SETTINGS_FILE = "runtime_settings.json"
STAMP_FILE = ".stamp.json"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache")
_REQUIREMENT_NAME = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?")

Runner = Callable[[Sequence[str]], None]


class PackagingError(Exception):
    """The Lambda assets cannot be built or are missing."""


@dataclass(frozen=True)
class LambdaPlatform:
    """The Lambda runtime the wheels are selected for."""

    python_version: str
    architecture: Literal["arm64", "x86_64"]

    @property
    def machine(self) -> str:
        return "aarch64" if self.architecture == "arm64" else "x86_64"

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def platform_tags(self) -> tuple[str, ...]:
        # Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34): manylinux2014 and 2_28 wheels fit.
        return (f"manylinux2014_{self.machine}", f"manylinux_2_28_{self.machine}")

    @property
    def key(self) -> str:
        return f"{self.abi}-{self.architecture}"

    @classmethod
    def of(cls, config: StageConfig) -> LambdaPlatform:
        return cls(python_version=config.function.python_version, architecture=config.function.architecture)


@dataclass(frozen=True)
class LambdaAssets:
    """Directories the stack turns into the function's code asset and its dependency layer."""

    code_dir: Path
    layer_dir: Path


def runtime_requirements(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> list[str]:
    """The project's ``dependencies`` plus the ``lambda`` extra, as written in pyproject.toml."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project.get("optional-dependencies", {}).get("lambda", [])]


def pin_to_installed(requirements: Iterable[str], version_of: Callable[[str], str] = metadata.version) -> list[str]:
    """``name[extras]==<installed version>`` where the package is installed here, else the requirement as written."""
    pinned: list[str] = []
    for requirement in requirements:
        match = _REQUIREMENT_NAME.match(requirement)
        if match is None:
            raise PackagingError(f"cannot read requirement {requirement!r}")
        try:
            version = version_of(match["name"])
        except metadata.PackageNotFoundError:
            pinned.append(requirement)
            continue
        pinned.append(f"{match['name']}{match['extras'] or ''}=={version}")
    return pinned


def pip_command(requirements: Sequence[str], platform: LambdaPlatform, target: Path) -> list[str]:
    platforms = [arg for tag in platform.platform_tags for arg in ("--platform", tag)]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--implementation",
        "cp",
        "--python-version",
        platform.python_version,
        "--abi",
        platform.abi,
        *platforms,
        "--only-binary=:all:",
        *requirements,
    ]


def _run(command: Sequence[str]) -> None:
    completed = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 (our own argv)
    if completed.returncode != 0:
        raise PackagingError(f"pip failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")


def _stamp(requirements: Sequence[str], platform: LambdaPlatform) -> dict[str, Any]:
    return {"requirements": list(requirements), "platform": platform.key, "tags": list(platform.platform_tags)}


def check_binaries(site: Path, platform: LambdaPlatform) -> None:
    """Every CPython extension module must be built for the target interpreter and machine."""
    expected = f".cpython-{platform.abi[2:]}-{platform.machine}-linux-gnu.so"
    wrong = [p for p in site.rglob("*.cpython-*.so") if not p.name.endswith(expected)]
    if wrong:
        names = ", ".join(sorted(str(p.relative_to(site)) for p in wrong)[:5])
        raise PackagingError(f"extension modules not built for {platform.key}: {names}")


def _prune(site: Path) -> None:
    for path in [*site.rglob("__pycache__"), site / "bin"]:
        if path.is_dir():
            shutil.rmtree(path)


def build_layer(
    platform: LambdaPlatform,
    *,
    build_dir: Path = BUILD_DIR,
    requirements: Sequence[str] | None = None,
    runner: Runner = _run,
) -> Path:
    """Install the runtime dependencies for ``platform`` into a layer directory; cached by a stamp file."""
    wanted = list(requirements if requirements is not None else pin_to_installed(runtime_requirements()))
    layer = build_dir / "deps" / platform.key
    stamp = _stamp(wanted, platform)
    stamp_file = layer / STAMP_FILE
    if stamp_file.is_file() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
        return layer
    staging = layer.with_name(layer.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    site = staging / "python"
    site.mkdir(parents=True)
    runner(pip_command(wanted, platform, site))
    _prune(site)
    check_binaries(site, platform)
    (staging / STAMP_FILE).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(layer, ignore_errors=True)
    staging.rename(layer)
    return layer


def layer_dir(platform: LambdaPlatform, *, build_dir: Path = BUILD_DIR) -> Path:
    """The built layer for ``platform``; raise with the command to run when it is missing."""
    layer = build_dir / "deps" / platform.key
    if not (layer / STAMP_FILE).is_file():
        raise PackagingError(f"Lambda dependencies for {platform.key} are not built: run `make package` first")
    return layer


def build_code(
    settings: RuntimeSettings,
    *,
    out_dir: Path,
    source_root: Path = PROJECT_ROOT,
    packages: Sequence[str] = CODE_PACKAGES,
) -> Path:
    """Copy the project's packages into ``out_dir`` (replaced) and write the runtime settings next to them."""
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for package in packages:
        source = source_root / package
        if not source.is_dir():
            raise PackagingError(f"{source} is not a directory")
        shutil.copytree(source, staging / package, ignore=_IGNORED)
    (staging / RUNTIME_SETTINGS_FILE).write_text(settings.model_dump_json(indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    return out_dir


def stage_assets(config: StageConfig, *, build_dir: Path = BUILD_DIR, source_root: Path = PROJECT_ROOT) -> LambdaAssets:
    """Rebuild the stage's code directory and locate its (already built) dependency layer."""
    layer = layer_dir(LambdaPlatform.of(config), build_dir=build_dir)
    code = build_code(config.runtime_settings(), out_dir=build_dir / "code" / config.stage, source_root=source_root)
    return LambdaAssets(code_dir=code, layer_dir=layer)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="append", help="stage(s) to package (default: every infra/config/*.json)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    args = parser.parse_args(argv)
    try:
        configs = [load_stage_config(stage) for stage in (args.stage or known_stages())]
        for platform in sorted({LambdaPlatform.of(c) for c in configs}, key=lambda p: p.key):
            started = time.monotonic()
            layer = build_layer(platform, build_dir=args.build_dir)
            print(f"layer {platform.key}: {layer} ({time.monotonic() - started:.1f}s)")
        for config in configs:
            code = build_code(config.runtime_settings(), out_dir=args.build_dir / "code" / config.stage)
            print(f"code {config.stage}: {code}")
    except (StageConfigError, PackagingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
