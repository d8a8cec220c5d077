"""No import cycle between the project's files, nor between its folders (an AST pass over every import, including
the ones inside functions and behind ``TYPE_CHECKING``: a cycle is a design problem even when Python tolerates it),
and the layers import only downwards (docs/design.md §1)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("inference_engine", "lambdas", "infra", "local", "model_studio_client", "benchmarks")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports (``from a import b`` counts ``a.b`` when it is a module, else ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                targets.add(candidate if candidate in known else base)
    return {t for t in targets if t in known and t != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> Iterator[list[str]]:
    """Each strongly connected component of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = [0]

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                yield from visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                yield sorted(component)

    for node in sorted(edges):
        if node not in index:
            yield from visit(node)


def folder_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_the_graph_sees_the_projects_imports() -> None:
    edges = graph()
    assert "lambdas.domain.context" in edges["lambdas.logic.invocations"]
    assert "inference_engine.engine" in edges["lambdas.logic.invocations"]


def test_no_module_imports_itself_back() -> None:
    assert list(cycles(graph())) == []


def test_no_folder_imports_itself_back() -> None:
    found = modules()
    folders: dict[str, set[str]] = {}
    for module, targets in graph().items():
        source = folder_of(module, found[module])
        for target in targets:
            destination = folder_of(target, found[target])
            if (
                destination != source
                and not destination.startswith(source + ".")
                and not source.startswith(destination + ".")
            ):
                folders.setdefault(source, set()).add(destination)
    assert list(cycles(folders)) == []


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("inference_engine", ("lambdas", "infra", "local", "model_studio_client", "benchmarks")),
        ("model_studio_client", ("inference_engine", "lambdas", "infra", "local", "benchmarks")),
        ("lambdas.domain", ("lambdas.logic", "lambdas.dal", "lambdas.routers", "lambdas.app", "lambdas.services")),
        ("lambdas.dal", ("lambdas.logic", "lambdas.routers", "lambdas.app", "lambdas.services")),
        ("lambdas.logic", ("lambdas.dal", "lambdas.routers", "lambdas.app", "lambdas.api_models", "lambdas.services")),
        ("infra", ("local", "lambdas.app", "lambdas.logic", "lambdas.dal", "lambdas.routers", "lambdas.services")),
        ("lambdas", ("infra", "local", "benchmarks")),
    ],
)
def test_layers_only_import_downwards(source: str, forbidden: tuple[str, ...]) -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items()
        if module == source or module.startswith(source + ".")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    )
    assert wrong == []
