"""``docs/benchmarks.md``: the machine, the command, and one table per benchmark with target/met columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.cold_start import (
    BASELINE_MODULE,
    DEPENDENCY_MODULES,
    HANDLER_MODULE,
    LAMBDA_UNZIPPED_LIMIT_MB,
    TARGET_RATIO,
    ColdStartResult,
)
from benchmarks.contenders import ENGINE, LANGCHAIN, PREPARE_WORK, RAW, TEMPLATE_WORK
from benchmarks.engine_only import PATCH, PLAIN_JINJA, PREPARE, SANDBOXED, TARGET_US, EngineOnlyResult
from benchmarks.frontend import TARGET_KIB, FrontendResult
from benchmarks.machine import Machine
from benchmarks.per_call import ScenarioResult
from benchmarks.sts import StsResult
from benchmarks.ui_load import CONTENT, METRICS, Spread, UiLoadResult

ENGINE_RATIO_TARGET = 1.05
OVERHEAD_SHARE_TARGET = 0.5


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    met: bool | None  # None: not measured


@dataclass
class Run:
    machine: Machine
    command: str
    parameters: str
    duration_s: float = 0.0
    per_call: list[ScenarioResult] = field(default_factory=list)
    engine_only: list[EngineOnlyResult] = field(default_factory=list)
    cold_start: ColdStartResult | None = None
    sts: StsResult | None = None
    frontend: FrontendResult | None = None
    ui_load: UiLoadResult | None = None
    failures: dict[str, str] = field(default_factory=dict)


def _met(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return [*lines, ""]


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def _us(ms: float) -> str:
    return f"{ms * 1000:+.0f}"


# --- targets ---------------------------------------------------------------------------------------


def _share_met(scenario: ScenarioResult) -> bool:
    share = scenario.overhead_share
    return share is not None and share < OVERHEAD_SHARE_TARGET


def targets(run: Run) -> list[Target]:
    found: list[Target] = []
    for scenario in run.per_call:
        found.append(
            Target(
                f"engine vs raw boto3 p50 ratio <= {ENGINE_RATIO_TARGET} ({scenario.name})",
                f"{scenario.engine_ratio:.3f} (from paired differences: {scenario.results[ENGINE].paired_ratio:.3f})",
                scenario.engine_ratio <= ENGINE_RATIO_TARGET,
            )
        )
    for scenario in run.per_call:
        share = scenario.overhead_share
        engine_ms = scenario.results[ENGINE].overhead_p50_ms
        chain_ms = scenario.results[LANGCHAIN].overhead_p50_ms
        found.append(
            Target(
                f"engine p50 overhead < {OVERHEAD_SHARE_TARGET:g} x langchain-aws's ({scenario.name})",
                f"{_us(engine_ms)} us vs {_us(chain_ms)} us" + (f" ({share:.2f}x)" if share is not None else ""),
                _share_met(scenario),
            )
        )
    full = [r for r in run.engine_only if r.kind == "full"]
    if full:
        worst = max(full, key=lambda r: r.summary_us.p50)
        found.append(
            Target(
                f"engine-only cost <= {TARGET_US:.0f} us per call (validate + merge + render + extract, p50)",
                f"{worst.summary_us.p50:.0f} us (`{worst.name}`, the slowest adapter)",
                worst.summary_us.p50 <= TARGET_US,
            )
        )
    if run.cold_start is not None:
        cold = run.cold_start
        found.append(
            Target(
                f"handler cold import <= {TARGET_RATIO}x `import boto3` (medians)",
                f"{cold.ratio:.2f}x ({cold.handler_import.median_ms:.0f} ms vs {cold.boto3_import.median_ms:.0f} ms)",
                cold.ratio <= TARGET_RATIO,
            )
        )
    if run.sts is not None:
        first = run.sts.phases[0]
        found.append(
            Target(
                "1 AssumeRole per role per credential lifetime",
                f"{first.assume_role_calls} for {first.invokes} invokes; then 1 per refresh, across expiry",
                run.sts.met,
            )
        )
    if run.frontend is not None:
        for size in run.frontend.routes:
            if size.route.first:
                found.append(
                    Target(
                        f"first route initial JS+CSS <= {TARGET_KIB} KiB gz ({size.route.name})",
                        f"{_kib(size.gzip)} (JS {_kib(size.js_gzip)}, CSS {_kib(size.css_gzip)})",
                        size.met,
                    )
                )
    return found


# --- sections --------------------------------------------------------------------------------------

PER_CALL_INTRO = """\
## 1. Per-call overhead against the emulator

One emulator process (`python -m local.emulator`) started for the run; the same endpoint, the same
request body (captured on the wire and compared byte for byte), the same client configuration for all
three: clients from one `boto3.Session` with the engine's `botocore` `Config` (adaptive retries,
3 attempts, 5 s connect / 60 s read timeouts, 32 pooled connections). Each round sends one prompt
through (a), (b) and (c), in an order that rotates every round; prompts vary per round. Times include
building the body and parsing the answer. Overhead = p50(x) - p50(a); "paired" is the median of the
per-round differences x_i - a_i, which is steadier on a noisy machine.

- (a) `client.invoke_endpoint` / `client.converse` with a hand-written body and hand-written parsing.
- (b) `inference_engine.invoke` on the catalogue adapter (`tgi`, `bedrock-converse`), validated once,
  client cached by `ClientFactory`; the result also carries usage, latency and the prepared request.
- (c) `SagemakerEndpoint` with an `LLMContentHandler` that writes the same body, and
  `ChatBedrockConverse` with the same model and inference parameters.

"Engine work after a call" (in no target) times parts of the engine's own work (no network) right after a raw
boto3 call, in a pass of its own after the timed rounds: what that work costs on the wire path, where every call
starts after a wait on the socket, compared with the same work in a tight loop (section 2).
"""


def _per_call_scenario(scenario: ScenarioResult) -> list[str]:
    rows = []
    for key in (RAW, ENGINE, LANGCHAIN):
        result = scenario.results[key]
        summary = result.summary_ms
        rows.append(
            [
                result.label,
                f"{summary.p50:.3f}",
                f"{summary.p95:.3f}",
                f"{summary.mean:.3f}",
                "-" if key == RAW else _us(result.overhead_p50_ms),
                "-" if key == RAW else _us(result.paired_overhead_ms),
                f"{result.ratio_p50:.3f}",
                "same" if scenario.wire.body_matches_raw(key) else "**differs** (below)",
                "same" if scenario.wire.output_matches_raw(key) else "**differs**",
            ]
        )
    share = scenario.overhead_share
    lines = [
        f"### {scenario.name}: `{scenario.target}`",
        "",
        f"{scenario.rounds} timed calls per contender after {scenario.warmup} warm-up rounds.",
        "",
        *_table(
            [
                "contender",
                "p50 ms",
                "p95 ms",
                "mean ms",
                "overhead p50 (us)",
                "paired overhead (us)",
                "ratio p50 x/a",
                "wire body vs (a)",
                "output vs (a)",
            ],
            rows,
        ),
        *_table(
            ["target", "figure", "met"],
            [
                [
                    f"b/a p50 ratio <= {ENGINE_RATIO_TARGET}",
                    f"{scenario.engine_ratio:.3f} (paired: {scenario.results[ENGINE].paired_ratio:.3f})",
                    _met(scenario.engine_ratio <= ENGINE_RATIO_TARGET),
                ],
                ["c/a p50 ratio (reported)", f"{scenario.results[LANGCHAIN].ratio_p50:.3f}", "n/a"],
                [
                    f"engine overhead < {OVERHEAD_SHARE_TARGET:g} x langchain-aws overhead",
                    f"{share:.2f}x" if share is not None else "langchain-aws showed no overhead",
                    _met(_share_met(scenario)),
                ],
            ],
        ),
    ]
    if scenario.engine_work_us:
        work_rows = [
            [label, f"{work.p50:.1f}", f"{work.p95:.1f}", f"{work.mean:.1f}", str(work.count)]
            for label, work in scenario.engine_work_us.items()
        ]
        lines += [
            "Engine work after a call (no network; each timed right after a raw boto3 call):",
            "",
            *_table(["engine work", "p50 us", "p95 us", "mean us", "samples"], work_rows),
        ]
    for key in (ENGINE, LANGCHAIN):
        if not scenario.wire.body_matches_raw(key):
            body = scenario.wire.bodies.get(key, b"").decode("utf-8", "replace")
            lines += [f"Wire body of {scenario.results[key].label}: `{body[:400]}`", ""]
    return lines


def _engine_only_section(results: list[EngineOnlyResult]) -> list[str]:
    rows = [
        [
            f"`{r.name}`",
            r.stages,
            f"{r.summary_us.p50:.1f}",
            f"{r.summary_us.p95:.1f}",
            f"{r.summary_us.mean:.1f}",
            f"<= {TARGET_US:.0f}" if r.kind == "full" else "-",
            _met(r.summary_us.p50 <= TARGET_US) if r.kind == "full" else "n/a",
        ]
        for r in results
    ]
    count = results[0].summary_us.count
    return [
        "## 2. Engine-only cost (no network)",
        "",
        f"Per call: `apply_override` (RFC 7396 merge of `{PATCH}` into the catalogue adapter, then",
        "full `ModelConfig` validation), `prepare` (chat template, request template, body bytes, token estimate,",
        "constraints), then parsing a canned model answer and extracting its text and usage. The last rows split",
        "the TGI path into stages; the plain-jinja2 row renders the same chat template without the sandbox's",
        f"limits and deadline, as a reference. {count} timed iterations per row after a warm-up.",
        "",
        *_table(["adapter", "stages", "p50 us", "p95 us", "mean us", "target", "met"], rows),
    ]


def _cold_start_section(result: ColdStartResult) -> list[str]:
    timed = [
        (f"`import {BASELINE_MODULE}`", result.boto3_import),
        (f"`import {HANDLER_MODULE}`", result.handler_import),
    ]
    if result.handler_first_response is not None:
        timed.append((f"`import {HANDLER_MODULE}` + first `GET /me` through `handler`", result.handler_first_response))
    if result.dependencies_import is not None:
        modules = ", ".join(f"`{m}`" for m in DEPENDENCY_MODULES)
        timed.append((f"dependencies alone, no project code ({modules})", result.dependencies_import))
    if result.boto3_no_bytecode is not None and result.handler_no_bytecode is not None:
        timed.append(("`import boto3`, no bytecode cache", result.boto3_no_bytecode))
        timed.append((f"`import {HANDLER_MODULE}`, no bytecode cache", result.handler_no_bytecode))
    rows = [[what, f"{t.median_ms:.0f}", f"{t.min_ms:.0f}", str(t.runs)] for what, t in timed]
    total = sum(at + first for _, at, first in result.breakdown_ms) or 1.0
    breakdown = [
        [group, f"{at:.0f}", f"{first:.0f}", f"{(at + first) / total:.0%}"] for group, at, first in result.breakdown_ms
    ]
    target_rows = [
        [
            f"handler import <= {TARGET_RATIO}x `import boto3`",
            f"{result.ratio:.2f}x",
            _met(result.ratio <= TARGET_RATIO),
        ]
    ]
    if result.dependencies_ratio is not None:
        target_rows.append(["(floor) dependencies alone vs `import boto3`", f"{result.dependencies_ratio:.2f}x", "n/a"])
    lines = [
        "## 3. Cold start and package size",
        "",
        "A fresh interpreter per sample; only the import is timed (interpreter start-up excluded); `boto3`, the",
        "handler and its dependencies alternate run by run. Interpreter: " + result.runtime + ".",
        "The environment imitates the function's (Lambda variables, X-Ray tracer live, stage runtime settings).",
        '"Dependencies alone" imports the third-party modules the handler cannot do without and no project code:',
        "the floor of any handler on this stack.",
        '"No bytecode cache" imports from copies of the code and dependencies without `__pycache__`, writing none',
        "(the standard library keeps its bytecode): every module of the package compiles from source, as in Lambda",
        "when the package ships no bytecode (the function's file system is read-only, nothing is cached).",
        "",
        *_table(["what", "median ms", "min ms", "runs"], rows),
        *_table(["target", "figure", "met"], target_rows),
        "Where the time goes (`python -X importtime`, self time of the modules imported, summed by package, mean of",
        "3 runs), during the import and during the first `GET /me` (modules a request imports on first use); the",
        "tracer inflates absolute times, the shares are what matter:",
        "",
        *_table(["package", "at import ms", "first request ms", "share"], breakdown),
    ]
    if result.packages:
        unzipped = sum(p.unzipped_mb for p in result.packages)
        zipped = sum(p.zipped_mb for p in result.packages)
        files = sum(p.files for p in result.packages)
        package_rows = [
            [p.name, f"`{p.path}`", str(p.files), str(p.bytecode_files), f"{p.unzipped_mb:.1f}", f"{p.zipped_mb:.1f}"]
            for p in result.packages
        ]
        bytecode = sum(p.bytecode_files for p in result.packages)
        package_rows.append(["total", "", str(files), str(bytecode), f"{unzipped:.1f}", f"{zipped:.1f}"])
        lines += [
            f"Deployed package, as built by {result.package_note} (zipped with deflate level 6, like a CDK asset):",
            "",
            *_table(["asset", "path", "files", "of which bytecode", "unzipped MB", "zipped MB"], package_rows),
            *_table(
                ["limit", "figure", "met"],
                [
                    [
                        f"function + layers unzipped <= {LAMBDA_UNZIPPED_LIMIT_MB:.0f} MB (Lambda quota)",
                        f"{unzipped:.1f} MB",
                        _met(unzipped <= LAMBDA_UNZIPPED_LIMIT_MB),
                    ]
                ],
            ),
        ]
    return lines


STS_METHOD = """\
STS is a moto server; AssumeRole is counted by a `before-call` hook on the `boto3.Session` injected
into `ClientFactory`, and by the factory's own counter. Time is the injected `time_fetcher`, moved
forward; the expiry STS returns is shifted by the same offset, so STS and the factory agree on the
time. The access keys are those the emulator saw sign each phase's runtime calls (never the base
session's). Credentials are kept per caller by design: the role session name carries the caller."""


def _sts_section(result: StsResult) -> list[str]:
    rows = [
        [
            phase.name,
            phase.caller,
            phase.clock,
            str(phase.invokes),
            str(phase.errors),
            str(phase.assume_role_calls),
            str(phase.cumulative),
            str(phase.factory_counter),
            ", ".join(f"`{key}`" for key in phase.access_keys),
            _met(phase.assume_role_calls == phase.expected and phase.errors == 0 and not phase.used_base_credentials),
        ]
        for phase in result.phases
    ]
    return [
        "## 4. STS: AssumeRole calls for cross-account invokes",
        "",
        f"Bedrock Converse invokes with `cross_account` (sessions of {result.session_duration_s} s, so refresh",
        f"windows of {result.advisory_s // 60} min advisory and {result.mandatory_s // 60} min mandatory).",
        STS_METHOD,
        "",
        *_table(
            [
                "phase",
                "caller",
                "clock",
                "invokes",
                "errors",
                "AssumeRole (hook)",
                "cumulative",
                "factory counter",
                "access keys at the runtime",
                "1 per lifetime",
            ],
            rows,
        ),
    ]


def _frontend_section(result: FrontendResult) -> list[str]:
    route_rows = [
        [
            f"{size.route.name}" + (" (first route)" if size.route.first else ""),
            size.route.url,
            str(len(size.assets)),
            _kib(size.js_gzip),
            _kib(size.css_gzip),
            f"**{_kib(size.gzip)}**",
            _met(size.met) if size.route.first else "n/a",
        ]
        for size in result.routes
    ]
    big = [a for a in result.assets if a.gzip_bytes >= 1024]
    asset_rows = [
        [f"`{a.name}`", result.first_route(a), _kib(a.raw_bytes), _kib(a.gzip_bytes)]
        for a in sorted(big, key=lambda a: -a.gzip_bytes)
    ]
    small = [a for a in result.assets if a.gzip_bytes < 1024]
    asset_rows.append(
        [
            f"{len(small)} smaller files",
            "",
            _kib(sum(a.raw_bytes for a in small)),
            _kib(sum(a.gzip_bytes for a in small)),
        ]
    )
    asset_rows.append(["**total**", "", _kib(result.total_raw), f"**{_kib(result.total_gzip)}**"])
    built = " (built by this run)" if result.built_now else ""
    return [
        "## 5. Frontend bundle per route",
        "",
        f"`frontend/dist` from `npm run build`{built}, each JS and CSS file gzipped at level 9. A route's initial",
        "JS+CSS = the entry (`index.html`'s script, its static imports and their CSS) + the route's lazy chunks (the",
        "console shell, the page) with their static imports and CSS, followed in Vite's build manifest",
        "(`dist/.vite/manifest.json`): what the browser fetches before the page can render. Chunks a page imports on",
        "demand once rendered (the editor's Ajv validator, Ace) are not counted; fonts (`.woff2`, fetched per face",
        f"used) are not JS+CSS. Target: a first route <= {TARGET_KIB} KiB gz.",
        "",
        *_table(["route", "URL", "files", "JS gz", "CSS gz", "JS+CSS gz", f"<= {TARGET_KIB} KiB"], route_rows),
        "Files of 1 KiB gz or more, with the first route (in the order above) that loads them:",
        "",
        *_table(["asset", "first loaded by", "raw", "gzip"], asset_rows),
    ]


def _frontend_notes(result: FrontendResult) -> list[str]:
    sign_in, shell, models = (result.route(name) for name in ("sign-in", "console shell", "models"))
    if models.met:
        return []
    return [
        f"- Models page: {_kib(models.gzip)} gz = the sign-in page's {_kib(sign_in.gzip)} (React DOM, react-router,"
        f" Amplify Auth, Cloudscape's base: theme tokens, icons, the form controls) + the console shell's"
        f" {_kib(shell.gzip - sign_in.gzip)} (Cloudscape AppLayout with its toolbar and drawers, TopNavigation,"
        f" SideNavigation, BreadcrumbGroup, the English messages) + the page's {_kib(models.gzip - shell.gzip)}"
        " (Table, PropertyFilter with its date and token inputs, ButtonDropdown, Pagination). What the first screen"
        " does not need is already on demand (the flash bar, the editors, Ajv, the stream reader, the sign-in flows)."
        f" {TARGET_KIB} KiB would take a shell without AppLayout (a CSS grid holding SideNavigation and the page), a"
        " TextFilter instead of the PropertyFilter, and a lighter Cognito client than Amplify: visible changes and a"
        " rewrite of the auth layer, not code-splitting."
    ]


def _ui_load_section(result: UiLoadResult) -> list[str]:
    def cell(spread: Spread | None) -> str:
        return "-" if spread is None else f"{spread.median:.0f} / {spread.p90:.0f}"

    rows = [[label, *(cell(page.spread(metric)) for page in result.pages)] for metric, label in METRICS]
    rows.append(
        ["JS+CSS fetched (files, gz)", *(f"{len(page.assets)}, {_kib(page.assets_gzip)}" for page in result.pages)]
    )
    content = "; ".join(f"{page.label}: {CONTENT[page.key]}" for page in result.pages)
    return [
        "## 6. UI load in headless Chromium",
        "",
        f"{result.browser} (Debian's, headless, through playwright-core) against the local stack serving the built UI",
        f"on loopback (no network or CPU throttling). {result.runs} samples per page after {result.warmup} untimed,",
        "each in a new browser context (empty cache and storage); figures from the page's Performance API",
        "(`frontend/scripts/measure-load.mjs`), read 1 s after the page's main content appeared and the network went",
        "idle. The models page is opened by a returning administrator (the session of an earlier sign-in in the",
        'context\'s storage); the last column starts at the click on "Sign in", on the sign-in page already loaded.',
        f"Main content: {content}. Long tasks: main-thread tasks over 50 ms (`longtask` entries).",
        '"JS+CSS fetched" lists what the page really requested, including on-demand chunks (the sign-in page',
        "prefetches the sign-in flows once shown).",
        "",
        *_table(["median / p90", *(page.label for page in result.pages)], rows),
    ]


def _stage_us(run: Run, stages: str, name: str = "tgi") -> float | None:
    return next((r.summary_us.p50 for r in run.engine_only if r.stages == stages and r.name == name), None)


def _per_call_note(run: Run, scenario: ScenarioResult, adapter: str) -> str | None:
    """Why the engine costs what it does on the wire: its own work, warm (section 2) and after a network call."""
    engine = scenario.results[ENGINE]
    warm = _stage_us(run, PREPARE, adapter)
    work = scenario.engine_work_us.get(PREPARE_WORK)
    if warm is None or work is None:
        return None
    text = (
        f"- {scenario.name}: the engine's paired overhead on the wire is {engine.paired_overhead_ms * 1000:.0f} us "
        f"(p50 ratio {engine.ratio_p50:.3f}). Its own work before the call, `prepare`, takes {warm:.1f} us in a tight "
        f"loop (section 2) but {work.p50:.1f} us when timed right after a network call, as it runs inside `invoke` "
        f"({work.p50 / warm:.1f}x: code and data no longer in the CPU caches after the wait on the socket)."
    )
    template = scenario.engine_work_us.get(TEMPLATE_WORK)
    sandboxed, plain = _stage_us(run, SANDBOXED, adapter), _stage_us(run, PLAIN_JINJA, adapter)
    if template is not None and sandboxed is not None and plain is not None:
        text += (
            f" The adapter's Jinja2 chat template is {template.p50:.1f} us of that after a call ({sandboxed:.1f} us in "
            f"a tight loop, where plain unsandboxed jinja2 takes {plain:.1f} us); raw boto3 formats the same prompt "
            "with an f-string."
        )
    return text


def _cold_start_notes(cold: ColdStartResult) -> list[str]:
    found: list[str] = []
    boto3_ms, handler_ms = cold.boto3_import.median_ms, cold.handler_import.median_ms
    text = f"- Cold start: the handler import is {handler_ms:.0f} ms against {boto3_ms:.0f} ms for `import boto3` alone"
    if cold.handler_first_response is not None:
        text += f"; import plus the first `GET /me` is {cold.handler_first_response.median_ms:.0f} ms"
    deps = cold.dependencies_import
    if deps is not None:
        text += (
            f". The third-party modules the handler cannot do without take {deps.median_ms:.0f} ms on their own "
            f"({deps.median_ms / boto3_ms:.2f}x `import boto3`; botocore's session and clients are most of `import "
            f"boto3` itself), leaving {handler_ms - deps.median_ms:.0f} ms to the project's modules and their pydantic "
            f"models, against a {TARGET_RATIO}x target that allows {TARGET_RATIO * boto3_ms - deps.median_ms:.0f} ms"
        )
    at_import = sorted(((group, at) for group, at, _ in cold.breakdown_ms), key=lambda item: -item[1])[:4]
    found.append(
        text
        + ". Largest import shares (`-X importtime`): "
        + ", ".join(f"{g} {ms:.0f} ms" for g, ms in at_import)
        + "."
    )
    deferred = [(group, first) for group, _, first in cold.breakdown_ms if first >= 1]
    if deferred:
        found.append(
            "- Imported on the first request rather than at import (`-X importtime` self time): "
            + ", ".join(f"{g} {ms:.0f} ms" for g, ms in sorted(deferred, key=lambda item: -item[1]))
            + "."
        )
    if cold.handler_no_bytecode is not None:
        uncached = cold.handler_no_bytecode.median_ms
        text = (
            f"- Bytecode: without `__pycache__` the handler import takes {uncached:.0f} ms "
            f"({uncached / handler_ms:.1f}x). A package without bytecode for the function's Python version pays "
            "this on every cold start, because Lambda's file system is read-only: `infra.package` precompiles the "
            "package when a CPython of the function's version is on the build machine, and warns when not "
            "(docs/deploy.md, section 7)."
        )
        if cold.packages:
            shipped = sum(p.bytecode_files for p in cold.packages)
            text += (
                f" The package built for this run ships {shipped} bytecode files."
                if shipped
                else " The package built for this run ships none (no such interpreter on this machine)."
            )
        found.append(text)
    return found


def notes(run: Run) -> list[str]:
    """What the figures say about the targets, computed from this run (shown only where they apply)."""
    found: list[str] = []
    for scenario in run.per_call:
        adapter = "tgi" if "TGI" in scenario.name else "bedrock-converse"
        note = _per_call_note(run, scenario, adapter)
        if note is not None:
            found.append(note)
    cold = run.cold_start
    if cold is not None:
        found.extend(_cold_start_notes(cold))
    if run.frontend is not None:
        found.extend(_frontend_notes(run.frontend))
    return ["## Notes", "", *found, ""] if found else []


def render(run: Run) -> str:
    machine_rows = [
        *[[name, value] for name, value in run.machine.rows()],
        ["Command", f"`{run.command}`"],
        ["Parameters", run.parameters],
        ["Run time", f"{run.duration_s:.0f} s"],
    ]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks`); do not edit by hand. Figures come from one run on a",
        "shared, noisy machine: compare ratios and paired differences within a run, not absolute times across runs.",
        "",
        "## Machine and command",
        "",
        *_table(["", ""], machine_rows),
        "## Targets",
        "",
        *_table(["target", "figure", "met"], [[t.name, t.figure, _met(t.met)] for t in targets(run)]),
        *notes(run),
    ]
    if run.failures:
        lines += ["## Benchmarks that failed to run", ""]
        lines += [f"- **{name}**: {message}" for name, message in run.failures.items()]
        lines.append("")
    if run.per_call:
        lines.append(PER_CALL_INTRO)
        for scenario in run.per_call:
            lines += _per_call_scenario(scenario)
    if run.engine_only:
        lines += _engine_only_section(run.engine_only)
    if run.cold_start is not None:
        lines += _cold_start_section(run.cold_start)
    if run.sts is not None:
        lines += _sts_section(run.sts)
    if run.frontend is not None:
        lines += _frontend_section(run.frontend)
    if run.ui_load is not None:
        lines += _ui_load_section(run.ui_load)
    return "\n".join(lines).rstrip() + "\n"
