"""Lambda packaging without Docker: pip's platform wheels for the layer, a plain copy for the code."""

from __future__ import annotations

import itertools
import json
import marshal
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import pytest

from infra.package import (
    RUNTIME_SETTINGS_FILE,
    STAMP_FILE,
    LambdaPlatform,
    PackagingError,
    aws_services,
    build_code,
    build_layer,
    bytecode_python,
    compile_command,
    installed_pythons,
    layer_dir,
    pin_to_installed,
    pip_command,
    runtime_requirements,
    stage_assets,
)
from infra.stage_config import load_stage_config

ARM = LambdaPlatform(python_version="3.14", architecture="arm64")


class FakePip:
    """Records pip invocations and 'installs' what a real run would leave behind (by default an extension module
    built for the platform pip was asked for)."""

    def __init__(self, files: Sequence[str] | None = None):
        self.calls: list[list[str]] = []
        self.files = files

    def __call__(self, command: Sequence[str]) -> None:
        self.calls.append(list(command))
        target = Path(command[command.index("--target") + 1])
        abi = command[command.index("--abi") + 1][2:]
        machine = "aarch64" if "aarch64" in command[command.index("--platform") + 1] else "x86_64"
        files = self.files or [f"pydantic_core/_pydantic_core.cpython-{abi}-{machine}-linux-gnu.so"]
        for name in [*files, f"pkg/__pycache__/x.cpython-{abi}.pyc", "bin/script"]:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_text("", encoding="utf-8")


def test_runtime_requirements_are_the_engine_deps_plus_the_lambda_extra() -> None:
    requirements = runtime_requirements()
    names = [r.split(">")[0].split("=")[0].split("[")[0].lower() for r in requirements]
    assert {"boto3", "pydantic", "jinja2", "jmespath", "aws-lambda-powertools"} <= set(names)
    assert not any(n in names for n in ("aws-cdk-lib", "pytest", "moto"))


def test_requirements_are_pinned_to_the_tested_versions() -> None:
    versions = {"pydantic": "2.9.1", "aws-lambda-powertools": "3.5.0"}

    def version_of(name: str) -> str:
        if name not in versions:
            raise metadata.PackageNotFoundError(name)
        return versions[name]

    pinned = pin_to_installed(["pydantic>=2.9,<3", "aws-lambda-powertools[tracer]>=3.4,<4", "jinja2>=3"], version_of)
    assert pinned == ["pydantic==2.9.1", "aws-lambda-powertools[tracer]==3.5.0", "jinja2>=3"]


def test_pip_selects_manylinux_wheels_for_the_lambda_platform(tmp_path: Path) -> None:
    command = pip_command(["pydantic==2.9.1"], ARM, tmp_path)
    assert command[1:4] == ["-m", "pip", "install"]
    assert "--only-binary=:all:" in command
    pairs = list(itertools.pairwise(command))
    assert ("--python-version", "3.14") in pairs
    assert ("--abi", "cp314") in pairs
    assert ("--implementation", "cp") in pairs
    assert ("--platform", "manylinux2014_aarch64") in pairs
    assert ("--platform", "manylinux_2_28_aarch64") in pairs
    assert ("--target", str(tmp_path)) in pairs
    assert command[-1] == "pydantic==2.9.1"
    x86 = pip_command([], LambdaPlatform(python_version="3.12", architecture="x86_64"), tmp_path)
    assert ("--platform", "manylinux2014_x86_64") in list(itertools.pairwise(x86))


def test_layer_is_built_once_then_served_from_cache(tmp_path: Path) -> None:
    # Given a fake pip
    pip = FakePip()
    # When the layer is built twice with the same requirements
    first = build_layer(ARM, build_dir=tmp_path, requirements=["pydantic==2.9.1"], runner=pip)
    second = build_layer(ARM, build_dir=tmp_path, requirements=["pydantic==2.9.1"], runner=pip)
    # Then pip ran once, into the layer's python/ directory, and caches and scripts were dropped
    assert first == second == tmp_path / "deps" / "cp314-arm64"
    assert len(pip.calls) == 1
    assert (first / "python" / "pydantic_core").is_dir()
    assert not list(first.rglob("__pycache__"))
    assert not (first / "python" / "bin").exists()
    assert json.loads((first / STAMP_FILE).read_text(encoding="utf-8"))["requirements"] == ["pydantic==2.9.1"]
    assert layer_dir(ARM, build_dir=tmp_path) == first


def test_the_layer_keeps_the_service_models_of_the_services_the_functions_call(tmp_path: Path) -> None:
    # Given pip leaving botocore with its shared files and the models of DynamoDB, S3 and EC2
    shared = ["botocore/data/endpoints.json", "botocore/data/_retry.json", "botocore/data/partitions.json"]
    models = [f"botocore/data/{service}/2012-08-10/service-2.json.gz" for service in ("dynamodb", "s3", "ec2")]
    pip = FakePip(files=["pydantic_core/_pydantic_core.cpython-314-aarch64-linux-gnu.so", *shared, *models])

    # When the layer is built
    layer = build_layer(ARM, build_dir=tmp_path, requirements=["botocore==1.44.8"], runner=pip) / "python"

    # Then the shared files and DynamoDB's model stay, the others are gone
    data = layer / "botocore" / "data"
    assert sorted(path.name for path in data.iterdir()) == [
        "_retry.json",
        "dynamodb",
        "endpoints.json",
        "partitions.json",
    ]
    # And the services are those the engine's client factory builds clients for (discovery's control planes
    # included) and X-Ray's, recorded in the stamp
    assert aws_services() == sorted(
        ["bedrock", "bedrock-runtime", "dynamodb", "sagemaker", "sagemaker-runtime", "sts", "xray"]
    )
    assert json.loads((layer.parent / STAMP_FILE).read_text(encoding="utf-8"))["aws_services"] == aws_services()


def test_changed_requirements_rebuild_the_layer(tmp_path: Path) -> None:
    pip = FakePip()
    build_layer(ARM, build_dir=tmp_path, requirements=["pydantic==2.9.1"], runner=pip)
    build_layer(ARM, build_dir=tmp_path, requirements=["pydantic==2.9.2"], runner=pip)
    assert [c[-1] for c in pip.calls] == ["pydantic==2.9.1", "pydantic==2.9.2"]


def test_wheels_for_the_wrong_machine_are_refused(tmp_path: Path) -> None:
    pip = FakePip(files=["pydantic_core/_pydantic_core.cpython-314-x86_64-linux-gnu.so"])
    with pytest.raises(PackagingError, match="not built for cp314-arm64: pydantic_core/"):
        build_layer(ARM, build_dir=tmp_path, requirements=["pydantic"], runner=pip)
    assert not (tmp_path / "deps" / "cp314-arm64").exists()


def test_a_missing_layer_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="run `make package` first"):
        layer_dir(ARM, build_dir=tmp_path)


def test_code_is_the_project_packages_plus_the_runtime_settings(tmp_path: Path) -> None:
    # Given a source tree with a stale bytecode cache
    source = tmp_path / "src"
    for package in ("inference_engine", "lambdas"):
        (source / package / "__pycache__").mkdir(parents=True)
        (source / package / "__init__.py").write_text(f"NAME = {package!r}\n", encoding="utf-8")
        (source / package / "__pycache__" / "x.pyc").write_bytes(b"")
    settings = load_stage_config("prod").runtime_settings()
    # When the code directory is built (twice: the second replaces the first)
    out = tmp_path / "code"
    (out / "old").mkdir(parents=True)
    build_code(settings, out_dir=out, source_root=source)
    # Then it holds the packages, no caches, nothing stale, and the settings as the Lambda reads them
    assert sorted(p.name for p in out.iterdir()) == ["inference_engine", "lambdas", RUNTIME_SETTINGS_FILE]
    assert not list(out.rglob("__pycache__"))
    bundled = json.loads((out / RUNTIME_SETTINGS_FILE).read_text(encoding="utf-8"))
    assert bundled["policy"]["stage"] == "prod"
    assert [m["id"] for m in bundled["models"]] == [m.id for m in settings.models]


def test_stage_assets_need_the_layer_and_rebuild_the_code(tmp_path: Path) -> None:
    config = load_stage_config("dev")
    with pytest.raises(PackagingError):
        stage_assets(config, build_dir=tmp_path)
    build_layer(LambdaPlatform.of(config), build_dir=tmp_path, requirements=["x"], runner=FakePip())
    assets = stage_assets(config, build_dir=tmp_path)
    assert assets.code_dir == tmp_path / "code" / "dev"
    assert (assets.code_dir / "inference_engine" / "schema.py").is_file()
    assert (assets.layer_dir / "python").is_dir()


# --- bytecode --------------------------------------------------------------------------------------------------

HERE = LambdaPlatform(python_version=f"{sys.version_info.major}.{sys.version_info.minor}", architecture="x86_64")


class FakeCompiler:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, command: Sequence[str]) -> None:
        self.calls.append(list(command))


def test_an_interpreter_precompiles_only_if_it_is_the_runtimes_exact_version() -> None:
    # Given a machine with python3.14 on PATH, and one whose python3.14 is something else
    def which(name: str) -> str | None:
        return {"python3.14": "/usr/bin/python3.14", "/opt/py/bin/python": "/opt/py/bin/python"}.get(name)

    def tag(path: str) -> str | None:
        return {"/usr/bin/python3.14": "cpython-314", "/opt/py/bin/python": "cpython-313"}[path]

    def nothing_installed(_version: str) -> list[str]:
        return []

    # Then PATH's python3.14 is used for 3.14, nothing for 3.12 (no python3.12 on PATH)
    assert bytecode_python(ARM, which=which, cache_tag=tag, installed=nothing_installed) == "/usr/bin/python3.14"
    assert (
        bytecode_python(LambdaPlatform("3.12", "arm64"), which=which, cache_tag=tag, installed=nothing_installed)
        is None
    )
    # And a python3.14 that reports another version is not used
    assert bytecode_python(ARM, which=which, cache_tag=lambda _: "cpython-313", installed=nothing_installed) is None
    # And a configured interpreter of the wrong version is an error, not a silent fallback
    with pytest.raises(PackagingError, match=r"not a CPython 3\.14 interpreter"):
        bytecode_python(ARM, "/opt/py/bin/python", which=which, cache_tag=tag)


def test_pyenvs_interpreter_is_found_when_its_shim_on_path_does_not_run(tmp_path: Path) -> None:
    # Given pyenv with 3.13.0 and 3.13.2 installed, and a python3.13 shim on PATH that fails (not selected)
    for version in ("3.13.0", "3.13.2", "3.12.1"):
        interpreter = tmp_path / "versions" / version / "bin" / f"python{version[:4]}"
        interpreter.parent.mkdir(parents=True)
        interpreter.write_text("", encoding="utf-8")

    def tag(path: str) -> str | None:
        return None if path.endswith("shims/python3.13") else "cpython-313"

    # When an interpreter for a 3.13 runtime is looked for
    found = installed_pythons("3.13", environ={"PYENV_ROOT": str(tmp_path)})
    chosen = bytecode_python(
        LambdaPlatform("3.13", "x86_64"),
        which=lambda _name: "/root/.pyenv/shims/python3.13",
        cache_tag=tag,
        installed=lambda version: installed_pythons(version, environ={"PYENV_ROOT": str(tmp_path)}),
    )

    # Then pyenv's newest 3.13 is used, never the shim or another minor version
    assert found[:2] == [
        str(tmp_path / "versions/3.13.2/bin/python3.13"),
        str(tmp_path / "versions/3.13.0/bin/python3.13"),
    ]
    assert chosen == str(tmp_path / "versions/3.13.2/bin/python3.13")


def test_compileall_writes_unchecked_hash_bytecode_with_the_deployed_paths(tmp_path: Path) -> None:
    command = compile_command("/usr/bin/python3.14", tmp_path, "/opt/python")
    assert command[:3] == ["/usr/bin/python3.14", "-m", "compileall"]
    pairs = list(itertools.pairwise(command))
    assert ("--invalidation-mode", "unchecked-hash") in pairs
    assert ("-s", str(tmp_path)) in pairs
    assert ("-p", "/opt/python") in pairs
    assert command[-1] == str(tmp_path)


def test_a_layer_is_precompiled_when_an_interpreter_is_given_and_rebuilt_when_that_changes(tmp_path: Path) -> None:
    # Given a layer built without bytecode (its stamp is the one layers had before bytecode existed)
    pip, compiler = FakePip(), FakeCompiler()
    layer = build_layer(ARM, build_dir=tmp_path, requirements=["x==1"], runner=pip, compiler=compiler)
    assert "bytecode" not in json.loads((layer / STAMP_FILE).read_text(encoding="utf-8"))
    assert compiler.calls == []

    # When python3.14 becomes available
    build_layer(ARM, build_dir=tmp_path, requirements=["x==1"], runner=pip, bytecode_with="py314", compiler=compiler)
    build_layer(ARM, build_dir=tmp_path, requirements=["x==1"], runner=pip, bytecode_with="py314", compiler=compiler)

    # Then the layer is rebuilt once and compiled for where Lambda mounts it, and its stamp says so
    assert len(pip.calls) == 2
    assert compiler.calls == [
        compile_command("py314", layer.with_name(layer.name + ".partial") / "python", "/opt/python")
    ]
    assert json.loads((layer / STAMP_FILE).read_text(encoding="utf-8"))["bytecode"] == "cpython-314"


def test_code_is_precompiled_for_the_task_root_with_bytecode_the_runtime_never_rechecks(tmp_path: Path) -> None:
    # Given the project's code and an interpreter of "the runtime's" version (this one, standing in for 3.14)
    interpreter = bytecode_python(HERE, sys.executable)
    assert interpreter is not None
    settings = load_stage_config("dev").runtime_settings()

    # When the code asset is built with it
    out = build_code(settings, out_dir=tmp_path / "code", bytecode_with=interpreter)

    # Then every module has bytecode for that version, hash-based and unchecked, naming /var/task in tracebacks
    sources = sorted(out.rglob("*.py"))
    compiled = {p.with_suffix("").name.removesuffix(f".{HERE.cache_tag}") for p in out.rglob(f"*.{HERE.cache_tag}.pyc")}
    assert sources and {p.stem for p in sources} <= compiled
    handler = out / "lambdas" / "__pycache__" / f"handler.{HERE.cache_tag}.pyc"
    data = handler.read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01  # hash-based, check_source off
    assert marshal.loads(data[16:]).co_filename == "/var/task/lambdas/handler.py"  # noqa: S302 - our own build


def test_stage_assets_warn_when_no_interpreter_of_the_runtimes_version_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a built layer and a machine without the runtime's python
    config = load_stage_config("dev")
    build_layer(LambdaPlatform.of(config), build_dir=tmp_path, requirements=["x"], runner=FakePip())

    # When the stage's assets are prepared for synth
    assets = stage_assets(config, build_dir=tmp_path, find_python=lambda _platform: None)

    # Then the code has no bytecode and the warning says what that costs and how to fix it
    assert not list(assets.code_dir.rglob("*.pyc"))
    warning = capsys.readouterr().err
    assert f"no CPython {config.function.python_version} on this machine" in warning
    assert "every cold start compiles every module" in warning
    assert "docs/deploy.md" in warning
