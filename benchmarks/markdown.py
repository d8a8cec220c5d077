"""What every section of ``docs/benchmarks.md`` is written with: target lines, tables, met/missed cells."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    met: bool | None  # None: not measured


def met(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return [*lines, ""]


def target_table(found: Sequence[Target]) -> list[str]:
    return table(["target", "figure", "met"], [[t.name, t.figure, met(t.met)] for t in found])
