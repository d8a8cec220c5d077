"""The Lambda package ``cdk synth`` staged (``infra.assembly``), started the way Lambda starts each function.

Both functions of the asset run in a process of the runtime's own Python version with nothing on its path but the
code asset, the layer and (for the buffered function) the managed runtime's interface client:

- the buffered function through ``awslambdaric`` and its configured handler (``buffered_launch``);
- the streaming function through the exec wrapper its environment names (``streaming_launch``);

both against a Runtime API on loopback (``local.lambda_runtime``), with the AWS services pointed elsewhere
(``aws_endpoints``: moto and the model emulator). The packaged-asset tests (``tests/packaged``) and the cold-start
benchmark (``benchmarks/cold_start.py``) start the asset through this module, so they run it alike.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.assembly import PackagedFunction
from infra.package import BUILD_DIR, LambdaPlatform, PackagingError, bytecode_python, pip_command

STAGE = "dev"
STACK = f"ModelStudio-{STAGE}"
BUFFERED_HANDLER = "lambdas.handler.handler"
STREAM_HANDLER = "lambdas.stream_handler.handler"
RIC_REQUIREMENT = "awslambdaric==4.2.2"  # the Python runtime interface client the managed runtimes run
REGION = "us-east-1"
# The models the stage's inventory names that the emulator's default registry does not serve (TGI on SageMaker).
EMULATED_MODELS = {"sagemaker": {"model-studio-mistral-7b-tgi": {"format": "tgi", "max_total_tokens": 8192}}}


class CannotRunHere(Exception):  # noqa: N818 - a reason, not a failure: callers skip and say why
    """This machine cannot run the package (another architecture, or no CPython of the runtime's version)."""


@dataclass(frozen=True)
class ManagedRuntime:
    """Lambda's managed Python runtime as far as a function sees it: the interpreter (``/var/lang/bin/python3``)
    and the runtime interface client that the managed runtime starts the handler with (``/var/runtime``)."""

    python: str
    client_dir: Path


def lambda_platform(function: PackagedFunction) -> LambdaPlatform:
    """The function's runtime; ``CannotRunHere`` when this machine's architecture is another."""
    target = LambdaPlatform(function.python_version, "arm64" if function.architecture == "arm64" else "x86_64")
    if target.machine != platform.machine():
        raise CannotRunHere(
            f"the package targets {target.machine}; this machine is {platform.machine()}: it cannot run here"
        )
    return target


def runtime_python(target: LambdaPlatform) -> str:
    """A CPython of the runtime's exact version (``infra.package`` finds it as it does to precompile)."""
    interpreter = bytecode_python(target)
    if interpreter is None:
        raise CannotRunHere(
            f"no CPython {target.python_version} on this machine (python{target.python_version} on PATH or pyenv): "
            "the packaged asset cannot be run before deploy here"
        )
    return interpreter


def managed_runtime(target: LambdaPlatform) -> ManagedRuntime:
    """The runtime's Python and awslambdaric installed for it from wheels, like the layer (cached under build/)."""
    python = runtime_python(target)
    client_dir = BUILD_DIR / "runtime" / target.key
    stamp = client_dir / ".stamp"
    if not (stamp.is_file() and stamp.read_text(encoding="utf-8") == RIC_REQUIREMENT):
        client_dir.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(
            pip_command([RIC_REQUIREMENT], target, client_dir), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise PackagingError(f"cannot install {RIC_REQUIREMENT}:\n{completed.stdout}{completed.stderr}")
        stamp.write_text(RIC_REQUIREMENT, encoding="utf-8")
    return ManagedRuntime(python, client_dir)


def aws_endpoints(moto_url: str, emulator_url: str) -> dict[str, str]:
    """The environment that points a function's AWS SDK at moto and the emulator (and at nothing real)."""
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "packaged",
        "AWS_SECRET_ACCESS_KEY": "packaged",
        "AWS_SESSION_TOKEN": "packaged",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_ENDPOINT_URL_DYNAMODB": moto_url,
        "AWS_ENDPOINT_URL_STS": moto_url,
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator_url,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": emulator_url,
    }


def lambda_environment(
    function: PackagedFunction, *, runtime_api: str, tokens: Mapping[str, str], aws: Mapping[str, str]
) -> dict[str, str]:
    """What Lambda sets for every function, the function's own variables (CloudFormation tokens replaced by
    ``tokens``), and ``aws`` (the service endpoints)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": f"packaged-{function.logical_id}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/packaged-{function.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/04/[$LATEST]packaged",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "_HANDLER": function.handler,
        **function.resolved_environment(tokens),
        **aws,
    }


@dataclass(frozen=True)
class Launch:
    """How Lambda starts one function's process: its command, environment and working directory."""

    command: list[str]
    environment: dict[str, str]
    cwd: Path


def buffered_launch(
    function: PackagedFunction, runtime: ManagedRuntime, environment: Mapping[str, str], *, layers: Sequence[Path] = ()
) -> Launch:
    """The managed runtime's start: its interface client loads the configured handler from the task root."""
    layer_paths = [str(layer / "python") for layer in (layers or function.layer_dirs)]
    return Launch(
        command=[runtime.python, "-S", "-s", "-m", "awslambdaric", function.handler],
        environment={
            **environment,
            "PYTHONPATH": os.pathsep.join([str(function.code_dir), *layer_paths, str(runtime.client_dir)]),
            "LAMBDA_RUNTIME_DIR": str(runtime.client_dir),
        },
        cwd=function.code_dir,
    )


def streaming_launch(
    function: PackagedFunction,
    python: str,
    environment: Mapping[str, str],
    *,
    bin_dir: Path,
    layers: Sequence[Path] = (),
) -> Launch:
    """Lambda runs the exec wrapper the environment names, with the runtime's own start command as arguments; the
    runtime's ``python3`` is first on PATH (a link in ``bin_dir``). The layer is where Lambda mounts it, here
    ``MODEL_STUDIO_LAYER_DIR``."""
    wrapper = Path(environment["AWS_LAMBDA_EXEC_WRAPPER"].replace("/var/task", str(function.code_dir), 1))
    bin_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        (bin_dir / "python3").symlink_to(python)
    (layer,) = layers or function.layer_dirs
    return Launch(
        command=[str(wrapper), f"/var/lang/bin/python{function.python_version}", "/var/runtime/bootstrap.py"],
        environment={
            **environment,
            "PATH": f"{bin_dir}:{environment['PATH']}",
            "MODEL_STUDIO_LAYER_DIR": str(layer / "python"),
        },
        cwd=function.code_dir,
    )


@contextlib.contextmanager
def started(launch: Launch, log_file: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The function's process, its output in ``log_file``; stopped on exit."""
    with log_file.open("wb") as output:
        process = subprocess.Popen(
            launch.command, env=launch.environment, cwd=launch.cwd, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen[Any], timeout_s: float = 10) -> None:
    """Terminate a process this code started and wait for it; killed if it has not ended after ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
