"""Smoke test of ``python -m benchmarks``: the no-network parts run and report. No timing is asserted."""

from __future__ import annotations

import dataclasses

from benchmarks.cold_start import (
    FIRST_CONVERSE,
    FIRST_ME,
    FIRST_TGI,
    IMPORT,
    INIT,
    STREAM_PHASES,
    ColdStartResult,
    Timing,
    Variant,
)
from benchmarks.contenders import ENGINE, LABELS, LANGCHAIN, PREPARE_WORK, RAW, TEMPLATE_WORK
from benchmarks.engine_only import (
    CANNED_TEXT,
    EXTRACT,
    MERGE,
    PLAIN_JINJA,
    PREPARE,
    SANDBOXED,
    EngineOnlyResult,
    Kind,
    run_engine_only,
)
from benchmarks.frontend import ROUTES, Asset, FrontendResult, RouteSize, route_files
from benchmarks.load import BUFFERED, STREAMED, LevelResult, LoadResult
from benchmarks.machine import Machine
from benchmarks.per_call import ContenderResult, ScenarioResult, WireCheck
from benchmarks.report import Run, render, targets
from benchmarks.stats import Summary, paired_median_difference, percentile
from benchmarks.streaming import CpuPerToken, StreamContenderResult, StreamingResult, StreamScenarioResult
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


def _tgi_per_call(engine_ms: float, prepare_us: float, template_us: float) -> ScenarioResult:
    """A TGI scenario with raw boto3 at 1.0 ms and langchain-aws 0.2 ms over it; the engine's p50, and its
    prepare and chat template timed after a call."""
    return ScenarioResult(
        name="SageMaker TGI (InvokeEndpoint)",
        target="tgi-mistral-7b",
        rounds=10,
        warmup=1,
        results={
            RAW: _result(RAW, 1.0, 0.0),
            ENGINE: _result(ENGINE, engine_ms, engine_ms - 1.0),
            LANGCHAIN: _result(LANGCHAIN, 1.2, 0.2),
        },
        wire=WireCheck(
            bodies={RAW: b"{}", ENGINE: b"{}", LANGCHAIN: b"{}"}, outputs={RAW: "x", ENGINE: "x", LANGCHAIN: "x"}
        ),
        engine_work_us={
            PREPARE_WORK: Summary(count=10, p50=prepare_us, p95=prepare_us + 10, mean=prepare_us + 1),
            TEMPLATE_WORK: Summary(count=10, p50=template_us, p95=template_us + 2, mean=template_us + 0.5),
        },
    )


def test_the_per_call_report_explains_the_engine_overhead_with_its_work_timed_after_a_call() -> None:
    # Given a TGI scenario where the engine is 40 us over raw boto3 and its prepare took 30 us after a call,
    # and an engine-only run where the same prepare took 12 us in a tight loop
    scenario = _tgi_per_call(1.04, prepare_us=30.0, template_us=18.0)
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
    assert "**Missed**" not in report  # 1.04 meets the target: no "what it would take"


def _timing(ms: float) -> Timing:
    return Timing(runs=3, median_ms=ms, min_ms=ms - 5)


def test_the_cold_start_report_shows_every_phase_the_floor_and_the_target() -> None:
    # Given boto3 at 100 ms; the handler's import at 200 ms, init 50, GET /me 5, the invokes 20 and 10; the third-party
    # modules alone at 150 ms; the streaming function ready after 400 ms; jinja2 imported during init only
    variant = Variant(
        bytecode=True,
        boto3=_timing(100.0),
        buffered={
            IMPORT: _timing(200.0),
            INIT: _timing(50.0),
            FIRST_ME: _timing(5.0),
            FIRST_CONVERSE: _timing(20.0),
            FIRST_TGI: _timing(10.0),
        },
        streaming={phase: _timing(ms) for phase, ms in zip(STREAM_PHASES, (400.0, 15.0, 20.0), strict=True)},
        process_boto3=_timing(150.0),
    )
    cold = ColdStartResult(
        runtime="CPython 3.13.0",
        assembly="`cdk.out/dev/asset.x`",
        with_bytecode=variant,
        without_bytecode=None,
        dependencies=_timing(150.0),
        dependency_packages=["botocore", "pydantic"],
        breakdown_ms=[("pydantic", {IMPORT: 30.0}), ("jinja2 / markupsafe", {INIT: 12.0})],
        packages=[],
    )

    # When the report is rendered
    report = render(Run(machine=MACHINE, command="make bench", parameters="tiny", cold_start=cold))

    # Then the target is missed at 2.00x, with both medians
    assert (
        "| handler import <= 1.6x `import boto3` (packaged asset, runtime's Python, medians) "
        "| 2.00x (200 ms vs 100 ms) | **no** |"
    ) in report
    # And every phase has its row, with the totals a user waits for
    assert "| buffered | init (`application()`: settings, clients, services, routes) | 50 (45) | - |" in report
    assert "| buffered | **import + init + first `GET /me`** | 255 | - |" in report
    assert "| buffered | **... + both first invokes** | 285 | - |" in report
    assert "| streaming | start to ready (import + init) | 400 (395) | - |" in report
    assert (
        "| floor | the third-party modules the handler imports, alone (`botocore`, `pydantic`) | 150 (145) | - |"
        in report
    )
    # And the note says what the floor leaves to the project against the target
    assert "The third-party modules it imports take 150 ms on their own (1.50x `import boto3`" in report
    assert "against 160 ms allowed by the target; the project's own modules and model builds add 50 ms." in report
    # And the miss says what it would take (the dependencies alone are under the 160 ms allowed here)
    assert "**Missed**. What it would take: fewer third-party modules at import." in report
    # And the breakdown shows jinja2 in the init column only
    assert "| jinja2 / markupsafe | 0.0 | 12.0 | 0.0 | 0.0 | 0.0 | 29% |" in report


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


def _stream_result(key: str, ttft_ms: float, paired_total_ms: float) -> StreamContenderResult:
    return StreamContenderResult(
        key=key,
        label=key,
        ttft_ms=Summary(count=5, p50=ttft_ms, p95=ttft_ms * 2, mean=ttft_ms),
        total_ms=Summary(count=5, p50=100.0 + paired_total_ms, p95=200.0, mean=100.0),
        paired_ttft_ms=ttft_ms - 2.0,
        paired_total_ms=paired_total_ms,
        tokens=2048,
    )


def _tgi_stream(name: str, engine: tuple[float, float], langchain: tuple[float, float]) -> StreamScenarioResult:
    """2048 tokens, raw boto3's TTFT 2.0 ms; (TTFT ms, total over raw ms) of the engine and of langchain-aws."""
    return StreamScenarioResult(
        name=name,
        target="tgi-mistral-7b",
        tokens=2048,
        rounds=5,
        warmup=1,
        results={
            RAW: _stream_result(RAW, 2.0, 0.0),
            ENGINE: _stream_result(ENGINE, *engine),
            LANGCHAIN: _stream_result(LANGCHAIN, *langchain),
        },
        wire=WireCheck(
            bodies={RAW: b"{}", ENGINE: b"{}", LANGCHAIN: b"{}"}, outputs={RAW: "x", ENGINE: "x", LANGCHAIN: "x"}
        ),
    )


def test_the_streaming_report_gives_ttft_ratios_and_per_token_overheads_against_langchain() -> None:
    # Given a 2048-token TGI stream: TTFT 2.0 ms raw, 2.1 ms engine; totals 2.048 ms (engine) and 10.24 ms
    # (langchain-aws) over raw, i.e. 1 us and 5 us per token
    scenario = _tgi_stream("SageMaker TGI", engine=(2.1, 2.048), langchain=(2.5, 10.24))
    cpu = CpuPerToken(name="SageMaker TGI (SSE)", tokens=2048, us_per_token={"(a)": Summary(1, 3.0, 3.0, 3.0)})

    # When the report is rendered
    report = render(
        Run(machine=MACHINE, command="", parameters="", streaming=StreamingResult(scenarios=[scenario], cpu=[cpu]))
    )

    # Then the TTFT ratio (1.05) meets its target, and 1 us per token is 0.20x langchain-aws's 5 us
    assert (
        "| streamed TTFT engine/raw p50 <= 1.05 (SageMaker TGI, N=2048) | 1.050 (2.10 ms vs 2.00 ms) | yes |" in report
    )
    assert (
        "| engine per-token overhead < 0.5 x langchain-aws's (SageMaker TGI, N=2048) | +1.0 us vs +5.0 us per token "
        "(0.20x) | yes |"
    ) in report
    # And the CPU-per-token table is there
    assert "| SageMaker TGI (SSE) | 3.00 |" in report


def test_the_load_report_counts_errors_and_throttling_apart() -> None:
    # Given a buffered level with one 502 and a streamed level with one 429
    buffered = LevelResult(BUFFERED, 4, duration_s=2.0, latencies_ms=[5.0] * 100)
    buffered.failures["status 502"] += 1
    streamed = LevelResult(STREAMED, 4, duration_s=2.0, latencies_ms=[9.0] * 40, first_frame_ms=[4.0] * 40)
    streamed.throttled = 1

    # When the report is rendered
    report = render(
        Run(
            machine=MACHINE,
            command="",
            parameters="",
            load=LoadResult(levels=[buffered, streamed], seconds=2, warmup_s=1),
        )
    )

    # Then each route's target is missed for its own reason, and the table shows rates and percentiles
    assert "`POST /invoke` at 1, 4, 16 clients | 1 errors, 0 x 429 in 101 requests | **no** |" in report
    assert "`POST /invoke/stream` at 1, 4, 16 clients | 0 errors, 1 x 429 in 41 requests | **no** |" in report
    assert "| `POST /invoke` | 4 | 100 | 50.0 | 5.0 | 5.0 | - | 1 x status 502 | 0 |" in report
    assert "| `POST /invoke/stream` | 4 | 40 | 20.0 | 9.0 | 9.0 | 4.0 / 4.0 | 0 | 1 |" in report


def _tgi_per_token_report(*, cpu_engine_us: float, cpu_langchain_us: float) -> str:
    """The report of a 2048-token TGI stream: engine TTFT 1.20x raw's, 4 us per token over raw against langchain-aws's
    5 on the wire, and the given CPU per token (raw boto3 3.0 us) on the recorded stream."""
    scenario = _tgi_stream(
        "SageMaker TGI (InvokeEndpointWithResponseStream)", engine=(2.4, 8.192), langchain=(2.5, 10.24)
    )
    figures = ((RAW, 3.0), (ENGINE, cpu_engine_us), (LANGCHAIN, cpu_langchain_us))
    cpu = CpuPerToken(
        name="SageMaker TGI (SSE)",
        tokens=2048,
        us_per_token={LABELS[key]: Summary(1, value, value, value) for key, value in figures},
    )
    return render(
        Run(machine=MACHINE, command="", parameters="", streaming=StreamingResult(scenarios=[scenario], cpu=[cpu]))
    )


def test_a_missed_streaming_target_says_why_and_what_it_would_take() -> None:
    # Given a 2048-token TGI stream whose engine TTFT is 1.20x raw's and whose engine adds 4 us per token to langchain's
    # 5, and CPU per token of 3.0 (raw), 6.0 (engine) and 7.0 (langchain-aws) us on the recorded stream
    # When the report is rendered
    report = _tgi_per_token_report(cpu_engine_us=6.0, cpu_langchain_us=7.0)

    # Then both misses have a note: why (the template before the first token; what runs per record, with the CPU
    # figures) and what meeting the target would take
    assert "Streamed TTFT, SageMaker TGI (InvokeEndpointWithResponseStream), N=2048: **missed** (1.200)" in report
    assert "TGI's Messages API" in report
    assert "Per-token overhead, SageMaker TGI (InvokeEndpointWithResponseStream), N=2048: **missed** (0.80x)" in report
    assert "the engine adds 3.00 us per token to raw boto3's hand parsing and langchain-aws 4.00 us (0.75x)" in report
    assert "What it would take: evaluating the usage path only on the record that carries the counts" in report


def test_a_missed_ttft_without_a_chat_template_says_what_the_engine_did_before_the_stream() -> None:
    # Given a Converse stream whose engine TTFT is 400 us over raw boto3's, and a per-call run where the engine's whole
    # work before a Converse request took 28 us after a call
    converse = dataclasses.replace(
        _tgi_per_call(1.04, prepare_us=28.0, template_us=0.0),
        name="Bedrock Converse",
        engine_work_us={PREPARE_WORK: Summary(count=10, p50=28.0, p95=30.0, mean=28.5)},
    )
    stream = _tgi_stream("Bedrock ConverseStream", engine=(2.4, 8.192), langchain=(2.5, 10.24))

    # When the report is rendered
    report = render(
        Run(
            machine=MACHINE,
            command="make bench",
            parameters="tiny",
            per_call=[converse],
            streaming=StreamingResult(scenarios=[stream], cpu=[]),
        )
    )

    # Then the miss says the engine's own share (28 us), that the rest is the emulator's, and what meeting it would take
    note = next(line for line in report.splitlines() if line.startswith("- Streamed TTFT, Bedrock ConverseStream"))
    assert "**missed** (1.200); the engine's first token comes 400 us after raw boto3's" in note
    assert "(28 us after a call, all of its own work: section 1); the rest is not engine work" in note
    assert "What it would take: nothing in the engine" in note
    assert "chat template" not in note


def test_a_missed_buffered_ratio_says_how_much_is_the_chat_template_and_what_it_would_take() -> None:
    # Given a TGI scenario where the engine is 1.10x raw boto3 (1.0 ms) and its chat template took 60 us after a call
    scenario = _tgi_per_call(1.1, prepare_us=80.0, template_us=60.0)
    engine_only = [r for r in run_engine_only(iterations=1, warmup=1) if r.name == "tgi"]

    # When the report is rendered
    report = render(
        Run(machine=MACHINE, command="make bench", parameters="tiny", per_call=[scenario], engine_only=engine_only)
    )

    # Then the note says the miss, the ratio without the template (1.04), and what meeting the target would take
    assert (
        "**Missed** because of that work before the call: without the chat template the ratio would be about 1.040"
        in (report)
    )
    assert "What it would take: a chat template rendered without Jinja's runtime" in report


def test_a_missed_buffered_ratio_without_a_chat_template_says_why_and_what_it_would_take() -> None:
    # Given a Converse scenario where the engine is 1.06x raw boto3 (1.0 ms, 60 us over it) and its prepare took 28 us
    # after a call
    converse = dataclasses.replace(
        _tgi_per_call(1.06, prepare_us=28.0, template_us=0.0),
        name="Bedrock Converse",
        engine_work_us={PREPARE_WORK: Summary(count=10, p50=28.0, p95=30.0, mean=28.5)},
    )
    engine_only = [r for r in run_engine_only(iterations=1, warmup=1) if r.name == "bedrock-converse"]

    # When the report is rendered
    report = render(
        Run(machine=MACHINE, command="make bench", parameters="tiny", per_call=[converse], engine_only=engine_only)
    )

    # Then its note says the miss, where the 60 us go, and what meeting the target would take
    note = next(line for line in report.splitlines() if line.startswith("- Bedrock Converse:"))
    assert (
        "**Missed** (1.060; from the paired differences 1.060). Of the 60 us, 28 us is `prepare` after a call" in note
    )
    assert "What it would take: fewer steps between botocore's answer and the result" in note
    assert "the target allows 50 us in this run" in note


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


def test_a_per_token_miss_on_the_wire_says_when_the_cpu_share_is_within_the_target() -> None:
    # Given a TGI stream whose engine adds 0.8x langchain-aws's per-token overhead on the wire, but 0.40x on the
    # recorded stream without the network (3.0 raw, 5.0 engine, 8.0 langchain-aws us per token)
    # When the report is rendered
    report = _tgi_per_token_report(cpu_engine_us=5.0, cpu_langchain_us=8.0)

    # Then the miss is reported, with the CPU share and the note that it alone is within the target
    assert "Per-token overhead, SageMaker TGI (InvokeEndpointWithResponseStream), N=2048: **missed** (0.80x)" in report
    assert "langchain-aws 5.00 us (0.40x). That share is within the target: on the wire" in report


def test_a_missed_engine_only_target_gives_each_stage_and_the_machine_reference() -> None:
    # Given engine-only figures where the full TGI path takes 260 us and plain jinja2 renders the template in 20 us
    def result(stages: str, kind: Kind, us: float) -> EngineOnlyResult:
        return EngineOnlyResult("tgi", stages, kind, Summary(1, us, us, us), CANNED_TEXT)

    figures = [
        result("validate + merge + render + extract", "full", 260.0),
        result(MERGE, "stage", 90.0),
        result(PREPARE, "stage", 55.0),
        result(SANDBOXED, "stage", 26.0),
        result(PLAIN_JINJA, "stage", 20.0),
        result(EXTRACT, "stage", 9.0),
    ]

    # When the report is rendered
    report = render(Run(machine=MACHINE, command="make bench", parameters="tiny", engine_only=figures))

    # Then the target line is missed and its note names every stage and the run's reference render
    assert "| 260 us (`tgi`, the slowest adapter) | **no** |" in report
    assert (
        "- Engine-only: **missed** (260 us, `tgi`). Stages in a tight loop: merge + validate 90 us, `prepare` 55 us "
        "(the chat template 26 us of it), parse + extract 9 us" in report
    )
    assert "renders the template in 20.0 us, and the whole path costs 13.0 of those renders" in report
