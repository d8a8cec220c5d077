"""Smoke test of ``python -m benchmarks``: the no-network parts run and report. No timing is asserted."""

from __future__ import annotations

from benchmarks.cold_start import ColdStartResult, ImportTiming
from benchmarks.contenders import ENGINE, LANGCHAIN, PREPARE_WORK, RAW, TEMPLATE_WORK
from benchmarks.engine_only import CANNED_TEXT, PLAIN_JINJA, PREPARE, SANDBOXED, run_engine_only
from benchmarks.frontend import ROUTES, Asset, FrontendResult, RouteSize, route_files
from benchmarks.machine import Machine
from benchmarks.per_call import ContenderResult, ScenarioResult, WireCheck
from benchmarks.report import Run, render, targets
from benchmarks.stats import Summary, paired_median_difference, percentile
from benchmarks.ui_load import PAGES as UI_PAGES
from benchmarks.ui_load import PageLoad, UiLoadResult

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
    # And the sandbox and plain jinja2 render the very same prompt, which is also what prepare renders for TGI
    renders = {r.stages: r.last_output for r in results if r.stages in (SANDBOXED, PLAIN_JINJA) or r.name == "tgi"}
    prompt = "<s>[INST] What is the weather like in Paris today? [/INST]"
    assert renders[SANDBOXED] == renders[PLAIN_JINJA] == renders[PREPARE] == prompt
    # And prepare for Converse carries the prompt as the first message's text
    assert rows[("bedrock-converse", "stage")].last_output == "What is the weather like in Paris today?"
    # And the report holds the section, the target row and the command
    assert "## 2. Engine-only cost (no network)" in report
    assert "engine-only cost <= 200 us per call" in report
    assert "| Command | `make bench` |" in report
    assert [t.name for t in targets(Run(machine=MACHINE, command="", parameters="", engine_only=results))] == [
        "engine-only cost <= 200 us per call (validate + merge + render + extract, p50)"
    ]


def _result(key: str, p50_ms: float, paired_ms: float) -> ContenderResult:
    return ContenderResult(
        key=key,
        label=key,
        summary_ms=Summary(count=10, p50=p50_ms, p95=p50_ms * 2, mean=p50_ms),
        overhead_p50_ms=p50_ms - 1.0,
        paired_overhead_ms=paired_ms,
        ratio_p50=p50_ms / 1.0,
        paired_ratio=1 + paired_ms,
    )


def test_the_per_call_report_explains_the_engine_overhead_with_its_work_timed_after_a_call() -> None:
    # Given a TGI scenario where the engine is 40 us over raw boto3 and its prepare took 30 us after a call,
    # and an engine-only run where the same prepare took 12 us in a tight loop
    scenario = ScenarioResult(
        name="SageMaker TGI (InvokeEndpoint)",
        target="tgi-mistral-7b",
        rounds=10,
        warmup=1,
        results={
            RAW: _result(RAW, 1.0, 0.0),
            ENGINE: _result(ENGINE, 1.04, 0.04),
            LANGCHAIN: _result(LANGCHAIN, 1.2, 0.2),
        },
        wire=WireCheck(
            bodies={RAW: b"{}", ENGINE: b"{}", LANGCHAIN: b"{}"}, outputs={RAW: "x", ENGINE: "x", LANGCHAIN: "x"}
        ),
        engine_work_us={
            PREPARE_WORK: Summary(count=10, p50=30.0, p95=40.0, mean=31.0),
            TEMPLATE_WORK: Summary(count=10, p50=18.0, p95=20.0, mean=18.5),
        },
    )
    engine_only = [r for r in run_engine_only(iterations=1, warmup=1) if r.name == "tgi"]
    warm = next(r.summary_us.p50 for r in engine_only if r.stages == PREPARE)

    # When the report is rendered
    report = render(
        Run(machine=MACHINE, command="make bench", parameters="tiny", per_call=[scenario], engine_only=engine_only)
    )

    # Then the scenario's table shows the three contenders and no diagnostic row, the engine met the ratio target
    assert "| (b') " not in report and "settrace" not in report
    assert "| engine vs raw boto3 p50 ratio <= 1.05 (SageMaker TGI (InvokeEndpoint)) | 1.040" in report
    # And the engine's work after a call is reported, with the note comparing it to the tight loop
    assert f"| {PREPARE_WORK} | 30.0 | 40.0 | 31.0 | 10 |" in report
    assert f"| {TEMPLATE_WORK} | 18.0 | 20.0 | 18.5 | 10 |" in report
    assert (
        f"takes {warm:.1f} us in a tight loop (section 2) but 30.0 us when timed right after a network call" in report
    )
    assert "The adapter's Jinja2 chat template is 18.0 us of that after a call" in report


def test_the_cold_start_report_shows_the_dependency_floor_and_what_moved_to_the_first_request() -> None:
    # Given boto3 at 100 ms, the handler at 200 ms (250 ms with its first request), its dependencies alone at
    # 150 ms, and jinja2 imported during the first request only
    def timing(module: str, ms: float) -> ImportTiming:
        return ImportTiming(module=module, runs=3, median_ms=ms, min_ms=ms - 5)

    cold = ColdStartResult(
        boto3_import=timing("boto3", 100.0),
        handler_import=timing("lambdas.handler", 200.0),
        handler_first_response=timing("first", 250.0),
        boto3_no_bytecode=None,
        handler_no_bytecode=None,
        breakdown_ms=[("pydantic", 30.0, 0.0), ("jinja2 / markupsafe", 0.0, 12.0)],
        packages=[],
        package_note="",
        runtime="test",
        dependencies_import=timing("deps", 150.0),
    )

    # When the report is rendered
    report = render(Run(machine=MACHINE, command="make bench", parameters="tiny", cold_start=cold))

    # Then the target is missed at 2.00x, the floor row says 1.50x, and the note says what is left for the project
    assert "| handler cold import <= 1.6x `import boto3` (medians) | 2.00x (200 ms vs 100 ms) | **no** |" in report
    assert "| (floor) dependencies alone vs `import boto3` | 1.50x | n/a |" in report
    assert (
        "leaving 50 ms to the project's modules and their pydantic models, against a 1.6x target that allows 10 ms"
        in (report)
    )
    # And the breakdown separates import from first request, and the note names what moved
    assert "| jinja2 / markupsafe | 0 | 12 | 29% |" in report
    assert (
        "Imported on the first request rather than at import (`-X importtime` self time): jinja2 / markupsafe 12 ms."
        in (report)
    )


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


def test_a_route_loads_its_chunks_static_imports_and_css_not_the_dynamic_imports() -> None:
    # Given a build manifest: the entry imports a shared chunk statically and the page dynamically; the page imports
    # the entry and a chunk of its own statically and the editor dynamically
    manifest = {
        "index.html": {
            "file": "assets/index.js",
            "css": ["assets/index.css"],
            "imports": ["_shared.js"],
            "dynamicImports": ["src/Page.tsx"],
        },
        "_shared.js": {"file": "assets/shared.js", "css": ["assets/shared.css"]},
        "src/Page.tsx": {
            "file": "assets/Page.js",
            "imports": ["index.html", "_table.js"],
            "dynamicImports": ["src/Editor.tsx"],
        },
        "_table.js": {"file": "assets/table.js", "css": ["assets/table.css"]},
        "src/Editor.tsx": {"file": "assets/Editor.js", "imports": ["index.html"]},
    }

    # When the entry's files and the page route's files are resolved
    entry = route_files(manifest, ["index.html"])
    page = route_files(manifest, ["index.html", "src/Page.tsx"])

    # Then each holds its static closure with the CSS, and never the dynamically imported editor
    assert entry == {"assets/index.js", "assets/index.css", "assets/shared.js", "assets/shared.css"}
    assert page == entry | {"assets/Page.js", "assets/table.js", "assets/table.css"}


def test_the_frontend_report_gives_each_first_route_a_target_line_and_the_browser_figures() -> None:
    # Given a sign-in route of 200 KiB, a shell of 300 KiB and a models page of 400 KiB, and two browser samples
    def size(route_name: str, kib: int) -> RouteSize:
        route = next(r for r in ROUTES if r.name == route_name)
        return RouteSize(route, (Asset(f"assets/{route_name}.js", kib * 4096, kib * 1024),))

    sizes = [size("sign-in", 200), size("console shell", 300), size("models", 400)]
    frontend = FrontendResult(assets=[a for s in sizes for a in s.assets], routes=sizes, built_now=False)
    sample = {"fcp_ms": 300.0, "lcp_ms": 400.0, "content_ms": 350.0, "long_tasks": 1, "long_task_ms": 80.0}
    pages = [
        PageLoad(key=key, label=label, samples=[sample, {**sample, "content_ms": 450.0}], assets=[])
        for key, label in UI_PAGES
    ]
    ui_load = UiLoadResult(browser="Chromium 1", runs=2, warmup=1, pages=pages)

    # When the report is rendered
    run = Run(machine=MACHINE, command="make bench", parameters="tiny", frontend=frontend, ui_load=ui_load)
    report = render(run)

    # Then sign-in meets the target, models misses it, and the note splits the models page into its three parts
    assert [(t.name, t.met) for t in targets(run)] == [
        ("first route initial JS+CSS <= 250 KiB gz (sign-in)", True),
        ("first route initial JS+CSS <= 250 KiB gz (models)", False),
    ]
    assert "- Models page: 400.0 KiB gz = the sign-in page's 200.0 KiB" in report
    assert "the console shell's 100.0 KiB" in report and "the page's 100.0 KiB" in report
    # And the browser table gives median / p90 per page (nearest rank), "-" where a metric does not apply
    assert "| main content in the page (ms) | 350 / 450 | 350 / 450 | 350 / 450 |" in report
    assert "| DOMContentLoaded end (ms) | - | - | - |" in report
