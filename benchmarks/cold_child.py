"""One cold start of the buffered function, in the process the cold-start benchmark starts for it.

The benchmark runs this file's source with ``python -S -c`` in the runtime's interpreter, with only the code asset
and the layer on the path, so it uses the standard library alone and starts the clock before the first import of
the package. ``argv``: the module to import (or several, comma-separated), then optionally a plan file (JSON): the
function to call for init (a name in the module) and the requests to send through ``handler`` with the status each
must answer. It prints one JSON line, ``{"phases": [[name, seconds], ...]}``, and writes ``phase <name>`` to
stderr as each phase starts (so a ``-X importtime`` trace can tell which phase imported what).
"""

from __future__ import annotations

import sys
import time

# Nothing else before the clock: whatever this file imported first would be missing from the import timed.

CONTEXT = {
    "function_name": "model-studio-bench",
    "function_version": "$LATEST",
    "memory_limit_in_mb": 1024,
    "invoked_function_arn": "arn:aws:lambda:us-east-1:111122223333:function:model-studio-bench",
    "aws_request_id": "00000000-0000-4000-8000-000000000000",
    "log_group_name": "/aws/lambda/model-studio-bench",
    "log_stream_name": "bench",
}


def _phase(name: str) -> None:
    sys.stderr.write(f"phase {name}\n")
    sys.stderr.flush()


def main(argv: list[str]) -> list[tuple[str, float]]:
    started = time.perf_counter()
    for name in argv[0].split(","):
        __import__(name)
    last = time.perf_counter()
    phases = [("import", last - started)]
    if len(argv) < 2:
        return phases
    import json  # noqa: PLC0415 - after the clock
    import types  # noqa: PLC0415

    module = sys.modules[argv[0].split(",")[-1]]
    with open(argv[1], encoding="utf-8") as handle:
        plan = json.load(handle)
    context = types.SimpleNamespace(**CONTEXT)
    if plan.get("init"):
        _phase("init")
        getattr(module, plan["init"])()
        now = time.perf_counter()
        phases.append(("init", now - last))
        last = now
    for name, event, status in plan["requests"]:
        _phase(name)
        response = module.handler(event, context)
        if response.get("statusCode") != status:
            raise SystemExit(f"{name} answered {response.get('statusCode')}: {str(response.get('body'))[:500]}")
        now = time.perf_counter()
        phases.append((name, now - last))
        last = now
    return phases


if __name__ == "__main__":
    timed = main(sys.argv[1:])
    import json

    print(json.dumps({"phases": timed}), flush=True)
