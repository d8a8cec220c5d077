"""Section 3 of ``docs/benchmarks.md``: the cold start of the packaged asset, its target line and notes."""

from __future__ import annotations

from benchmarks.cold_start import (
    BUFFERED_PHASES,
    FIRST_CONVERSE,
    FIRST_ME,
    FIRST_TGI,
    HANDLER_MODULE,
    IMPORT,
    INIT,
    LAMBDA_UNZIPPED_LIMIT_MB,
    LOG_LEVEL,
    PROCESS_BOTO3,
    STREAM_PHASES,
    TARGET_RATIO,
    ColdStartResult,
    Timing,
    Variant,
)
from benchmarks.markdown import Target, met, table

SNAPSTART = """\
**SnapStart** (`function.snap_start` in the stage config; off in both shipped stages; docs/deploy.md §7): Lambda
runs the init phase (the handler module's import) once per published version, snapshots the memory and restores
new execution environments from it, so the import above leaves the cold start of the buffered function; what
remains is the restore, then init and the first request as measured here (nothing is created at import: clients,
credentials and settings are built on the first request, so nothing unique or expiring is frozen into the
snapshot). It does not fit the streaming function, whose exec wrapper replaces the managed runtime that SnapStart
restores. For Python it is billed: a cache charge per GB-second of snapshot kept for every published version, and a
restore charge per GB restored, on top of the invocation; worth it where cold starts are frequent and users wait on
them, not for a low-traffic admin API."""


def _cell(timing: Timing | None) -> str:
    return "-" if timing is None else f"{timing.median_ms:.0f} ({timing.min_ms:.0f})"


def _sum_cell(variant: Variant | None, last: str) -> str:
    return "-" if variant is None else f"{variant.buffered_total(last):.0f}"


def section(result: ColdStartResult) -> list[str]:
    cached, uncached = result.with_bytecode, result.without_bytecode
    labels = {
        IMPORT: f"`import {HANDLER_MODULE}`",
        INIT: "init (`application()`: settings, clients, services, routes)",
        FIRST_ME: FIRST_ME,
        FIRST_CONVERSE: FIRST_CONVERSE,
        FIRST_TGI: FIRST_TGI,
    }
    rows = [["baseline", "`import boto3`", _cell(cached.boto3), _cell(uncached.boto3 if uncached else None)]]
    for phase in BUFFERED_PHASES:
        rows.append(
            [
                "buffered",
                labels[phase],
                _cell(cached.buffered[phase]),
                _cell(uncached.buffered[phase] if uncached else None),
            ]
        )
    rows.append(
        ["buffered", "**import + init + first `GET /me`**", _sum_cell(cached, FIRST_ME), _sum_cell(uncached, FIRST_ME)]
    )
    rows.append(
        ["buffered", "**... + both first invokes**", _sum_cell(cached, FIRST_TGI), _sum_cell(uncached, FIRST_TGI)]
    )
    for phase in STREAM_PHASES:
        rows.append(
            [
                "streaming",
                phase,
                _cell(cached.streaming[phase]),
                _cell(uncached.streaming[phase] if uncached else None),
            ]
        )
    rows.append(
        ["reference", PROCESS_BOTO3, _cell(cached.process_boto3), _cell(uncached.process_boto3 if uncached else None)]
    )
    if result.dependencies is not None:
        packages = ", ".join(f"`{name}`" for name in result.dependency_packages)
        rows.append(
            [
                "floor",
                f"the third-party modules the handler imports, alone ({packages})",
                _cell(result.dependencies),
                "-",
            ]
        )
    phases = list(BUFFERED_PHASES)
    total = sum(sum(by_phase.values()) for _, by_phase in result.breakdown_ms) or 1.0
    breakdown = [
        [group, *(f"{by_phase.get(phase, 0.0):.1f}" for phase in phases), f"{sum(by_phase.values()) / total:.0%}"]
        for group, by_phase in result.breakdown_ms
    ]
    lines = [
        "## 3. Cold start of the packaged asset, and its size",
        "",
        f"The exact asset `cdk synth` staged for the dev stage ({result.assembly}), found from the template's S3",
        "keys and the asset manifest as the packaged-asset tests find it, run in " + result.runtime + " with nothing",
        "else on the path. Each sample is a fresh process; the kinds of sample alternate round by round in a rotating",
        "order. The buffered function's process times its import, its init (`application()`, which the managed",
        "runtime runs on the first request) and its first requests one by one, in process (interpreter start-up",
        "excluded). The streaming function starts through its exec wrapper against a Runtime API on loopback, timed",
        "from its process's start (interpreter start-up included: compare it with the reference row). The",
        "function's environment from the template (tracing active: the X-Ray tracer is live), with the production",
        f"log level ({LOG_LEVEL}); DynamoDB is moto, the models the emulator. Without bytecode: copies of the code",
        "and the layer without `__pycache__`, writing none (Lambda's file system is read-only).",
        "",
        *table(
            [
                "function",
                "phase",
                f"with bytecode: median ms (min), {cached.boto3.runs} runs",
                f"without: median ms (min){f', {uncached.boto3.runs} runs' if uncached else ''}",
            ],
            rows,
        ),
        *table(["target", "figure", "met"], [[t.name, t.figure, met(t.met)] for t in targets(result)]),
        "Where the time goes (`python -X importtime`, self time of the modules loaded, summed by package, mean of 3",
        "runs of the buffered function), in each phase; the tracer inflates absolute times, the shares matter:",
        "",
        *table(["package", *phases, "share"], breakdown),
        SNAPSTART,
        "",
    ]
    if result.packages:
        unzipped = sum(p.unzipped_mb for p in result.packages)
        package_rows = [
            [p.name, f"`{p.path}`", str(p.files), str(p.bytecode_files), f"{p.unzipped_mb:.1f}", f"{p.zipped_mb:.1f}"]
            for p in result.packages
        ]
        package_rows.append(
            [
                "total",
                "",
                str(sum(p.files for p in result.packages)),
                str(sum(p.bytecode_files for p in result.packages)),
                f"{unzipped:.1f}",
                f"{sum(p.zipped_mb for p in result.packages):.1f}",
            ]
        )
        lines += [
            "The deployed package (zipped with deflate level 6, like a CDK asset):",
            "",
            *table(["asset", "path", "files", "of which bytecode", "unzipped MB", "zipped MB"], package_rows),
            *table(
                ["limit", "figure", "met"],
                [
                    [
                        f"function + layers unzipped <= {LAMBDA_UNZIPPED_LIMIT_MB:.0f} MB (Lambda quota)",
                        f"{unzipped:.1f} MB",
                        met(unzipped <= LAMBDA_UNZIPPED_LIMIT_MB),
                    ]
                ],
            ),
        ]
    return lines


def targets(result: ColdStartResult) -> list[Target]:
    cached = result.with_bytecode
    return [
        Target(
            f"handler import <= {TARGET_RATIO}x `import boto3` (packaged asset, runtime's Python, medians)",
            f"{result.ratio:.2f}x ({cached.buffered[IMPORT].median_ms:.0f} ms vs {cached.boto3.median_ms:.0f} ms)",
            result.ratio <= TARGET_RATIO,
        )
    ]


def notes(result: ColdStartResult) -> list[str]:
    cached, uncached = result.with_bytecode, result.without_bytecode
    boto3_ms, handler_ms = cached.boto3.median_ms, cached.buffered[IMPORT].median_ms
    text = (
        f"- Cold start: the handler's import is {handler_ms:.0f} ms against {boto3_ms:.0f} ms for `import boto3` "
        f"({result.ratio:.2f}x); import, init and a first `GET /me` take {cached.buffered_total(FIRST_ME):.0f} ms, "
        f"the first invokes add {cached.buffered[FIRST_CONVERSE].median_ms:.0f} ms (Converse) and "
        f"{cached.buffered[FIRST_TGI].median_ms:.0f} ms (TGI)."
    )
    deps = result.dependencies
    if deps is not None:
        allowed = TARGET_RATIO * boto3_ms
        text += (
            f" The third-party modules it imports take {deps.median_ms:.0f} ms on their own "
            f"({deps.median_ms / boto3_ms:.2f}x `import boto3`, of which botocore's session and clients are most of "
            f"`import boto3` itself), against {allowed:.0f} ms allowed by the target; the project's own modules and "
            f"model builds add {handler_ms - deps.median_ms:.0f} ms."
        )
        if result.ratio > TARGET_RATIO:
            shares = {name.split(" ")[0]: phases.get(IMPORT, 0.0) for name, phases in result.breakdown_ms}
            why = (
                ": the dependencies alone are over the target, so no work on the project's own code can meet it."
                if deps.median_ms > allowed
                else "."
            )
            xray, powertools = shares.get("aws_xray_sdk", 0.0), shares.get("aws_lambda_powertools", 0.0)
            text += (
                f" **Missed**{why} What it would take: fewer third-party modules at import. The largest a handler "
                f"could do without are the X-Ray SDK (`aws_xray_sdk` / `wrapt`, {xray:.0f} ms of `-X importtime` self "
                "time below; tracing through ADOT, or no active tracing) and the parts of Powertools' `event_handler` "
                "package the REST resolver does not use (it imports every resolver, AppSync's with asyncio; "
                f"`aws_lambda_powertools` {powertools:.0f} ms in all); or SnapStart, which takes the import out of the "
                "cold start at the cost given below."
            )
    lines = [text]
    if uncached is not None:
        uncached_ms = uncached.buffered[IMPORT].median_ms
        lines.append(
            f"- Bytecode: without `__pycache__` the handler's import takes {uncached_ms:.0f} ms "
            f"({uncached_ms / handler_ms:.1f}x), and the streaming function is ready after "
            f"{uncached.streaming[STREAM_PHASES[0]].median_ms:.0f} ms instead of "
            f"{cached.streaming[STREAM_PHASES[0]].median_ms:.0f} ms: a package without bytecode pays this on every "
            "cold start, which is why `infra.package` precompiles it with a CPython of the runtime's version "
            "(docs/deploy.md, section 7)."
        )
    return lines
