"""Read a synthesized cloud assembly the way ``cdk deploy`` does: which asset directory each Lambda function gets.

``packaged_functions`` follows each function's ``Code.S3Key`` (and its layers' ``Content.S3Key``) to the asset
manifest's source directory: the exact files the CLI zips and uploads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AssemblyError(AssertionError):
    """The assembly is missing or does not hold what a deploy needs."""


@dataclass(frozen=True)
class PackagedFunction:
    logical_id: str
    handler: str
    runtime: str
    architecture: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    environment: Mapping[str, Any]  # as in the template: values may be CloudFormation tokens

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    def resolved_environment(self, tokens: Mapping[str, str]) -> dict[str, str]:
        """The environment with every CloudFormation token replaced by ``tokens[<variable name>]``."""
        resolved = {}
        for name, value in self.environment.items():
            if isinstance(value, str):
                resolved[name] = value
            elif name in tokens:
                resolved[name] = tokens[name]
            else:
                raise AssemblyError(f"{self.logical_id}: no local value for the token in {name}: {value}")
        return resolved


def _asset_dirs(assembly: Path, stack: str) -> dict[str, Path]:
    manifest = assembly / f"{stack}.assets.json"
    if not manifest.is_file():
        raise AssemblyError(f"{manifest} not found: synthesize first (make synth)")
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    return {
        f"{asset_hash}.zip": assembly / entry["source"]["path"]
        for asset_hash, entry in files.items()
        if entry["source"].get("packaging") == "zip"
    }


def packaged_functions(assembly: Path, stack: str) -> dict[str, PackagedFunction]:
    """Every ``AWS::Lambda::Function`` of ``stack`` with a directory asset, by handler."""
    template = json.loads((assembly / f"{stack}.template.json").read_text(encoding="utf-8"))
    resources = template["Resources"]
    assets = _asset_dirs(assembly, stack)
    functions = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        props = resource["Properties"]
        code_dir = assets.get(props.get("Code", {}).get("S3Key", ""))
        layer_keys = [resources[layer["Ref"]]["Properties"]["Content"]["S3Key"] for layer in props.get("Layers", [])]
        if code_dir is None or "Runtime" not in props or not all(key in assets for key in layer_keys):
            continue  # inline code, or a function CDK provides (its layers are prebuilt archives)
        layers = tuple(assets[key] for key in layer_keys)
        functions[props["Handler"]] = PackagedFunction(
            logical_id=logical_id,
            handler=props["Handler"],
            runtime=props["Runtime"],
            architecture=(props.get("Architectures") or ["x86_64"])[0],
            code_dir=code_dir,
            layer_dirs=layers,
            environment=props.get("Environment", {}).get("Variables", {}),
        )
    return functions
