"""Lambda packaging without Docker: ``python -m infra.package``.

Two assets per stage, both plain directories under ``build/lambda/``:

- ``deps/<python>-<arch>/python/``: the runtime dependencies as a Lambda layer, installed by pip from
  manylinux wheels for the Lambda platform (``--platform ... --only-binary=:all:``), so the result is the
  same on any build machine. Versions are pinned to the ones installed here (what the tests ran against).
  A stamp file caches the result: a second run with the same requirements does nothing.
- ``code/<stage>/``: the project's own code (``inference_engine``, ``lambdas``) plus the stage's
  ``runtime_settings.json``. It is small and rebuilt at every synth so it always matches the stage config.

Both ship bytecode when the build machine has a CPython of the function's exact minor version (``python3.13`` on
PATH or pyenv's, or ``--bytecode-python``): compiled with ``--invalidation-mode unchecked-hash``, so Lambda's
read-only file system never needs to write it and never checks a timestamp. Without one, a warning says so: the
function then compiles every module it imports on every cold start (see docs/deploy.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
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
BYTECODE_PYTHON_ENV = "LAMBDA_BYTECODE_PYTHON"  # read by main() only: a CPython of the function's version
LAYER_MOUNT = "/opt/python"  # where Lambda mounts the layer's python/ directory
TASK_ROOT = "/var/task"  # where Lambda unpacks the code asset
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

    @property
    def cache_tag(self) -> str:
        """``sys.implementation.cache_tag`` of the runtime: the name of its bytecode files (``x.cpython-314.pyc``)."""
        return "cpython-" + self.python_version.replace(".", "")

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


def _stamp(requirements: Sequence[str], platform: LambdaPlatform, *, bytecode: bool) -> dict[str, Any]:
    stamp = {"requirements": list(requirements), "platform": platform.key, "tags": list(platform.platform_tags)}
    return {**stamp, "bytecode": platform.cache_tag} if bytecode else stamp


# --- bytecode ------------------------------------------------------------------------------------------------


def _cache_tag(interpreter: str) -> str | None:
    """The interpreter's bytecode tag (``cpython-314``), or ``None`` when it does not run."""
    try:
        completed = subprocess.run(  # noqa: S603 - an interpreter found on PATH or configured by the user
            [interpreter, "-c", "import sys; print(sys.implementation.cache_tag)"],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def installed_pythons(version: str, *, environ: Mapping[str, str] = os.environ) -> list[str]:
    """Interpreters of ``version`` that version managers and distributions install off PATH: pyenv's (whose
    ``python3.13`` shim fails unless that version is selected), then the usual system locations, newest first."""
    pyenv_root = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(
        (p for p in pyenv_root.glob(f"versions/{version}.*/bin/python{version}") if p.is_file()),
        key=lambda p: [int(part) if part.isdigit() else -1 for part in p.parts[-3].split(".")],
        reverse=True,
    )
    system = [Path(prefix) / f"python{version}" for prefix in ("/usr/local/bin", "/usr/bin")]
    return [str(p) for p in [*found, *system] if p.is_file()]


def bytecode_python(
    platform: LambdaPlatform,
    configured: str | None = None,
    *,
    which: Callable[[str], str | None] = shutil.which,
    cache_tag: Callable[[str], str | None] = _cache_tag,
    installed: Callable[[str], list[str]] = installed_pythons,
) -> str | None:
    """A CPython of the function's exact minor version, to precompile with and to run the package: ``configured``
    (which must be one), else ``python<version>`` on PATH, else one pyenv or the system installed; ``None`` when
    there is none."""
    if configured:
        found = which(configured)
        if found is None or cache_tag(found) != platform.cache_tag:
            raise PackagingError(
                f"{configured} is not a CPython {platform.python_version} interpreter ({BYTECODE_PYTHON_ENV})"
            )
        return found
    on_path = which(f"python{platform.python_version}")
    candidates = [on_path] if on_path else []
    candidates += installed(platform.python_version)
    return next((c for c in candidates if cache_tag(c) == platform.cache_tag), None)


def compile_command(interpreter: str, directory: Path, deployed_at: str) -> list[str]:
    """``compileall`` for a directory: hash-based bytecode the runtime never re-checks (its sources never change
    in a deployed package), with the paths the function will see in tracebacks."""
    return [
        interpreter,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(directory),
        "-p",
        deployed_at,
        str(directory),
    ]


def no_bytecode_warning(platform: LambdaPlatform) -> str:
    return (
        f"warning: no CPython {platform.python_version} on this machine (python{platform.python_version} on PATH, "
        f"pyenv, or {BYTECODE_PYTHON_ENV}): the Lambda package ships without bytecode, so every cold start compiles "
        "every module it imports (2.5 to 3 times the import time; see docs/deploy.md)"
    )


def _compile(command: Sequence[str]) -> None:
    completed = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 (our own argv)
    if completed.returncode != 0:
        raise PackagingError(f"compileall failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")


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
    bytecode_with: str | None = None,
    compiler: Runner = _compile,
) -> Path:
    """Install the runtime dependencies for ``platform`` into a layer directory; cached by a stamp file.
    ``bytecode_with``: a CPython of the platform's version to precompile the layer with (see ``bytecode_python``)."""
    wanted = list(requirements if requirements is not None else pin_to_installed(runtime_requirements()))
    layer = build_dir / "deps" / platform.key
    stamp = _stamp(wanted, platform, bytecode=bytecode_with is not None)
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
    if bytecode_with is not None:
        compiler(compile_command(bytecode_with, site, LAYER_MOUNT))
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
    bytecode_with: str | None = None,
    compiler: Runner = _compile,
) -> Path:
    """Copy the project's packages into ``out_dir`` (replaced) and write the runtime settings next to them;
    precompiled when ``bytecode_with`` names a CPython of the function's version."""
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for package in packages:
        source = source_root / package
        if not source.is_dir():
            raise PackagingError(f"{source} is not a directory")
        shutil.copytree(source, staging / package, ignore=_IGNORED)
    (staging / RUNTIME_SETTINGS_FILE).write_text(settings.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if bytecode_with is not None:
        compiler(compile_command(bytecode_with, staging, TASK_ROOT))
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.rename(out_dir)
    return out_dir


def stage_assets(
    config: StageConfig,
    *,
    build_dir: Path = BUILD_DIR,
    source_root: Path = PROJECT_ROOT,
    bytecode_with: str | None = None,
    find_python: Callable[[LambdaPlatform], str | None] = bytecode_python,
) -> LambdaAssets:
    """Rebuild the stage's code directory and locate its (already built) dependency layer. The code is precompiled
    with ``bytecode_with``, or else with ``python<version>`` from PATH when there is one (with a warning if not)."""
    platform = LambdaPlatform.of(config)
    layer = layer_dir(platform, build_dir=build_dir)
    interpreter = bytecode_with or find_python(platform)
    if interpreter is None:
        print(no_bytecode_warning(platform), file=sys.stderr)
    code = build_code(
        config.runtime_settings(),
        out_dir=build_dir / "code" / config.stage,
        source_root=source_root,
        bytecode_with=interpreter,
    )
    return LambdaAssets(code_dir=code, layer_dir=layer)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="append", help="stage(s) to package (default: every infra/config/*.json)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    parser.add_argument(
        "--bytecode-python",
        default=os.environ.get(BYTECODE_PYTHON_ENV),
        help=f"a CPython of the function's version to precompile with (default: ${BYTECODE_PYTHON_ENV}, "
        "else python<version> on PATH)",
    )
    args = parser.parse_args(argv)
    try:
        configs = [load_stage_config(stage) for stage in (args.stage or known_stages())]
        interpreters: dict[LambdaPlatform, str | None] = {}
        for platform in sorted({LambdaPlatform.of(c) for c in configs}, key=lambda p: p.key):
            interpreters[platform] = interpreter = bytecode_python(platform, args.bytecode_python)
            if interpreter is None:
                print(no_bytecode_warning(platform), file=sys.stderr)
            started = time.monotonic()
            layer = build_layer(platform, build_dir=args.build_dir, bytecode_with=interpreter)
            compiled = f", bytecode by {interpreter}" if interpreter else ", no bytecode"
            print(f"layer {platform.key}: {layer} ({time.monotonic() - started:.1f}s{compiled})")
        for config in configs:
            code = build_code(
                config.runtime_settings(),
                out_dir=args.build_dir / "code" / config.stage,
                bytecode_with=interpreters[LambdaPlatform.of(config)],
            )
            print(f"code {config.stage}: {code}")
    except (StageConfigError, PackagingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
