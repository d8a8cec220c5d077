"""``python -m benchmarks`` (``make bench``): run every benchmark, print the figures, write docs/benchmarks.md.

Exit status 0 when the benchmarks ran, whether or not their targets were met (misses are reported,
not failures); 1 when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.cold_start import run_cold_start
from benchmarks.contenders import bedrock_converse, bench_session, sagemaker_tgi
from benchmarks.emulator_process import EmulatorProcess
from benchmarks.engine_only import run_engine_only
from benchmarks.frontend import run_frontend
from benchmarks.load import run_load
from benchmarks.machine import describe_machine
from benchmarks.per_call import run_scenario
from benchmarks.report import Run, render, targets
from benchmarks.streaming import run_streaming
from benchmarks.sts import run_sts
from benchmarks.ui_load import run_ui_load
from inference_engine.credentials import ClientSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = PROJECT_ROOT / "docs" / "benchmarks.md"
SECTIONS = ("per-call", "streaming", "sts", "engine-only", "cold-start", "load", "frontend")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per contender and scenario")
    parser.add_argument("--warmup", type=int, default=200, help="untimed warm-up rounds per scenario")
    parser.add_argument("--engine-iterations", type=int, default=5000)
    parser.add_argument("--import-runs", type=int, default=15, help="cold starts of each kind (fresh processes)")
    parser.add_argument("--no-bytecode-runs", type=int, default=5, help="cold starts of each kind without bytecode")
    parser.add_argument("--sts-invokes", type=int, default=1000)
    parser.add_argument("--stream-scale", type=float, default=1.0, help="scales the streamed rounds per token count")
    parser.add_argument("--load-seconds", type=float, default=6.0, help="measured seconds per load level")
    parser.add_argument("--ui-runs", type=int, default=10, help="headless Chromium loads per page")
    parser.add_argument("--only", action="append", choices=SECTIONS, help="run only these benchmarks")
    parser.add_argument("--output", type=Path, help="report file (default docs/benchmarks.md; none with --only)")
    return parser


def _per_call(run: Run, args: argparse.Namespace, emulator: EmulatorProcess) -> None:
    session, settings = bench_session(), ClientSettings()
    for build in (sagemaker_tgi, bedrock_converse):
        result = run_scenario(build(session, emulator.url, settings), rounds=args.calls, warmup=args.warmup)
        run.per_call.append(result)
        for item in result.results.values():
            summary = item.summary_ms
            print(
                f"    {result.name:30} {item.label:30} p50 {summary.p50:6.3f} ms  p95 {summary.p95:6.3f} ms  "
                f"x/a {item.ratio_p50:.3f} (paired {item.paired_ratio:.3f}, {item.paired_overhead_ms * 1000:+.0f} us)"
            )


def _streaming(run: Run, args: argparse.Namespace, emulator: EmulatorProcess) -> None:
    run.streaming = run_streaming(bench_session(), emulator.url, ClientSettings(), scale=args.stream_scale)
    for cpu in run.streaming.cpu:
        figures = ", ".join(f"{label} {summary.p50:.2f}" for label, summary in cpu.us_per_token.items())
        print(f"    CPU per token ({cpu.name}), us: {figures}")


def _load(run: Run, args: argparse.Namespace) -> None:
    run.load = run_load(seconds=args.load_seconds)


def _sts(run: Run, args: argparse.Namespace, emulator: EmulatorProcess) -> None:
    run.sts = result = run_sts(emulator, invokes=args.sts_invokes)
    for phase in result.phases:
        calls, errors = phase.assume_role_calls, phase.errors
        print(f"    {phase.name:36} invokes {phase.invokes:5}  AssumeRole {calls}  errors {errors}")


def _engine_only(run: Run, args: argparse.Namespace) -> None:
    run.engine_only = run_engine_only(iterations=args.engine_iterations, warmup=max(1, args.engine_iterations // 10))
    for item in run.engine_only:
        summary = item.summary_us
        print(f"    {item.name:18} {item.stages:56} p50 {summary.p50:7.1f} us  p95 {summary.p95:7.1f} us")


def _cold_start(run: Run, args: argparse.Namespace) -> None:
    run.cold_start = result = run_cold_start(runs=args.import_runs, no_bytecode_runs=args.no_bytecode_runs)
    cached = result.with_bytecode
    print(f"    import boto3 {cached.boto3.median_ms:.0f} ms ({result.ratio:.2f}x for the handler)")
    for phase, timing in [*cached.buffered.items(), *cached.streaming.items()]:
        print(f"    {phase:60} {timing.median_ms:7.1f} ms")
    for package in result.packages:
        print(f"    {package.name}: {package.unzipped_mb:.1f} MB unzipped, {package.zipped_mb:.1f} MB zipped")


def _frontend(run: Run) -> None:
    run.frontend = result = run_frontend()
    for size in result.routes:
        js, css = size.js_gzip / 1024, size.css_gzip / 1024
        print(f"    {size.route.name:20} {size.gzip / 1024:6.1f} KiB gz (JS {js:.1f}, CSS {css:.1f})")
    print(f"    every JS and CSS file {result.total_gzip / 1024:.1f} KiB gz")


def _ui_load(run: Run, args: argparse.Namespace) -> None:
    run.ui_load = result = run_ui_load(runs=args.ui_runs)
    for page in result.pages:
        content, tasks = page.spread("content_ms"), page.spread("long_task_ms")
        assert content is not None and tasks is not None
        print(f"    {page.label:42} content p50 {content.median:5.0f} ms  long tasks p50 {tasks.median:4.0f} ms")


def _section(run: Run, name: str, body: Callable[[], None]) -> None:
    started = time.monotonic()
    print(f"--- {name}", flush=True)
    try:
        body()
    except Exception as exc:  # a benchmark that cannot run is reported; the others still run
        run.failures[name] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    print(f"    ({time.monotonic() - started:.0f} s)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    wanted = set(args.only or SECTIONS)
    run = Run(
        machine=describe_machine(),
        command="make bench" if not arguments else "python -m benchmarks " + " ".join(arguments),
        parameters=(
            f"{args.calls} timed calls per contender after {args.warmup} warm-up rounds; "
            f"{args.engine_iterations} engine-only iterations; {args.import_runs} cold starts of each kind "
            f"({args.no_bytecode_runs} without bytecode); {args.sts_invokes} cross-account invokes; streamed rounds x"
            f"{args.stream_scale:g}; {args.load_seconds:g} s per load level; "
            f"{args.ui_runs} browser loads per page"
        ),
    )
    started = time.monotonic()
    if wanted & {"per-call", "streaming", "sts"}:
        with EmulatorProcess() as emulator:
            if "per-call" in wanted:
                _section(run, "per-call", lambda: _per_call(run, args, emulator))
            if "streaming" in wanted:
                _section(run, "streaming", lambda: _streaming(run, args, emulator))
            if "sts" in wanted:
                _section(run, "sts", lambda: _sts(run, args, emulator))
    if "engine-only" in wanted:
        _section(run, "engine-only", lambda: _engine_only(run, args))
    if "cold-start" in wanted:
        _section(run, "cold-start", lambda: _cold_start(run, args))
    if "load" in wanted:
        _section(run, "load", lambda: _load(run, args))
    if "frontend" in wanted:
        _section(run, "frontend", lambda: _frontend(run))
        _section(run, "frontend load", lambda: _ui_load(run, args))
    run.duration_s = time.monotonic() - started

    print("--- targets")
    for target in targets(run):
        verdict = "n/a" if target.met is None else ("met" if target.met else "MISSED")
        print(f"    [{verdict:6}] {target.name}: {target.figure}")
    output = args.output or (DEFAULT_OUTPUT if args.only is None else None)
    if output is not None:
        output.write_text(render(run), encoding="utf-8")
        print(f"--- wrote {output}")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
