"""Smoke test of ``python -m benchmarks``: the no-network parts run and report. No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import inference_engine.prompt_template
from benchmarks.engine_only import CANNED_TEXT, PLAIN_JINJA, SANDBOXED, WITHOUT_HOOK, run_engine_only
from benchmarks.frontend import initial_assets
from benchmarks.machine import Machine
from benchmarks.report import Run, render, targets
from benchmarks.stats import Summary, paired_median_difference, percentile

MACHINE = Machine(
    cpu_model="Test CPU",
    cores=2,
    memory_gb=4.0,
    os="Linux",
    python="CPython 3.11",
    node="v20",
    load_average="0.00 / 0.00 / 0.00",
    date="2026-01-01 00:00 UTC",
)


def test_the_engine_only_benchmark_runs_every_path_and_the_report_shows_it() -> None:
    # Given a tiny iteration count
    iterations = 3

    # When the engine-only benchmark runs and its report is rendered
    results = run_engine_only(iterations=iterations, warmup=1)
    report = render(Run(machine=MACHINE, command="make bench", parameters="tiny", engine_only=results))

    # Then both adapters ran the full admin path and the validated-once path, and extracted the canned text
    rows = {(r.name, r.kind): r for r in results}
    for adapter in ("tgi", "bedrock-converse"):
        assert rows[(adapter, "full")].last_output == CANNED_TEXT
        assert rows[(adapter, "validated-once")].last_output == CANNED_TEXT
    assert all(r.summary_us.count == iterations for r in results)
    # And the sandbox, the sandbox without its deadline hook and plain jinja2 render the very same prompt
    renders = {r.stages: r.last_output for r in results if r.stages in (SANDBOXED, WITHOUT_HOOK, PLAIN_JINJA)}
    assert set(renders.values()) == {"<s>[INST] What is the weather like in Paris today? [/INST]"}
    assert len(renders) == 3
    # And the report holds the section, the target row and the command
    assert "## 2. Engine-only cost (no network)" in report
    assert "engine-only cost <= 200 us per call" in report
    assert "| Command | `make bench` |" in report
    assert [t.name for t in targets(Run(machine=MACHINE, command="", parameters="", engine_only=results))] == [
        "engine-only cost <= 200 us per call (validate + merge + render + extract, p50)"
    ]


def test_the_deadline_diagnostic_restores_the_trace_hook_after_its_row() -> None:
    # Given the engine-only benchmark has run its diagnostic row
    run_engine_only(iterations=1, warmup=1)

    # Then the prompt template module uses the real ``sys`` again
    assert vars(inference_engine.prompt_template)["sys"] is sys


def test_percentiles_are_nearest_rank_samples_and_pairs_are_differenced_per_round() -> None:
    # Given ten samples 1..10
    samples = [float(n) for n in range(10, 0, -1)]

    # When summarised
    summary = Summary.of(samples)

    # Then p50 and p95 are real samples by nearest rank, and the mean is exact
    assert (percentile(samples, 50), percentile(samples, 95), percentile(samples, 100)) == (5.0, 10.0, 10.0)
    assert (summary.count, summary.p50, summary.p95, summary.mean) == (10, 5.0, 10.0, 5.5)
    # And paired differences take the median of per-round differences
    assert paired_median_difference([3.0, 5.0, 9.0], [1.0, 1.0, 1.0]) == 4.0


def test_the_initial_route_is_what_index_html_loads_plus_static_imports_not_dynamic_ones(tmp_path: Path) -> None:
    # Given a built bundle: index.html loads main.js and main.css; main.js imports shared.js statically
    # and lazy.js dynamically; lazy.js imports shared.js
    assets = tmp_path / "assets"
    assets.mkdir()
    (tmp_path / "index.html").write_text(
        '<script type="module" crossorigin src="./assets/main.js"></script>'
        '<link rel="stylesheet" crossorigin href="./assets/main.css">',
        encoding="utf-8",
    )
    (assets / "main.js").write_text(
        'import{a as b}from"./shared.js";const l=()=>import(`./lazy.js`);' + json.dumps("x"), encoding="utf-8"
    )
    (assets / "shared.js").write_text("export const a=1;", encoding="utf-8")
    (assets / "lazy.js").write_text('import{a}from"./shared.js";export default a;', encoding="utf-8")
    (assets / "main.css").write_text("body{margin:0}", encoding="utf-8")

    # When the eager assets are resolved
    eager = initial_assets(tmp_path)

    # Then the lazy chunk is not part of the initial route
    assert sorted(path.name for path in eager) == ["main.css", "main.js", "shared.js"]
