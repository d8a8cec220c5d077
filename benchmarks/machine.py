"""A description of the machine a run happened on (CPU, cores, load, Python and Node versions)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    cores: int
    memory_gb: float | None
    os: str
    python: str
    node: str
    load_average: str
    date: str

    def rows(self) -> list[tuple[str, str]]:
        memory = f"{self.memory_gb:.1f} GB" if self.memory_gb is not None else "unknown"
        return [
            ("CPU", self.cpu_model),
            ("Cores (logical)", str(self.cores)),
            ("Memory", memory),
            ("OS", self.os),
            ("Python", self.python),
            ("Node", self.node),
            ("Load average at start (1/5/15 min)", self.load_average),
            ("Date (UTC)", self.date),
        ]


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.is_file():
        return None
    for line in meminfo.read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return None


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "not installed"
    completed = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip() or "unknown"


def _load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def describe_machine() -> Machine:
    return Machine(
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gb=_memory_gb(),
        os=f"{platform.system()} {platform.release()} ({platform.machine()})",
        python=f"{platform.python_implementation()} {sys.version.split()[0]}",
        node=_node_version(),
        load_average=_load_average(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
