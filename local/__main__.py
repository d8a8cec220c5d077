"""``python -m local`` (what ``make dev`` runs): the whole product on loopback, until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from local.stack import DEFAULT_STATIC_DIR, PROJECT_ROOT, LocalStack, StackInfo


def banner(info: StackInfo, seconds: float) -> str:
    logins = "\n".join(
        f"    {login['username']:<8} {login['password']:<18} {'(Administrators)' if login['admin'] else '(plain user)'}"
        for login in info.logins
    )
    models = "\n".join(f"    {m['id']:<28} {m['provider']:<10} {m['name']}" for m in info.models)
    return (
        f"\nmodel-studio is ready in {seconds:.1f} s (stage {info.stage!r}, everything on loopback)\n\n"
        f"  Open         {info.url}\n"
        f"  API          {info.api_url}  (OpenAPI: {info.api_url}/openapi.json)\n"
        f"  Emulator     {info.emulator_url}  (faults: POST /_emulator/faults)\n"
        f"  moto         {info.moto_url}\n\n"
        f"  Logins\n{logins}\n\n"
        f"  Models (served by the emulator)\n{models}\n\n"
        "Press Ctrl-C to stop.\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="UI and API port (0 picks a free one)")
    parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / ".local-state")
    parser.add_argument("--fresh", action="store_true", help="ignore saved models and audit records from earlier runs")
    parser.add_argument("--ready-file", type=Path, help="write the stack's URLs and logins here as JSON when ready")
    parser.add_argument("--no-ui", action="store_true", help="serve the API only")
    parser.add_argument("--containers", type=int, default=4, help="emulated Lambda containers (worker processes)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("werkzeug").setLevel(logging.DEBUG if args.verbose else logging.WARNING)  # moto's request log

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    started = time.monotonic()
    stack = LocalStack(
        host=args.host,
        port=args.port,
        state_dir=args.state_dir,
        static_dir=None if args.no_ui else DEFAULT_STATIC_DIR,
        keep_state=not args.fresh,
        containers=max(1, args.containers),
    )
    try:
        info = stack.start()
    except OSError as exc:
        print(f"error: cannot start the local stack: {exc}. Is port {args.port} in use? Try --port 0.", file=sys.stderr)
        return 1
    if not args.no_ui and not (DEFAULT_STATIC_DIR / "index.html").is_file():
        print("note: the UI is not built; run `make frontend-build` (make dev does it for you).", file=sys.stderr)
    if args.ready_file:
        temporary = args.ready_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(info.as_dict(), indent=2), encoding="utf-8")
        temporary.replace(args.ready_file)
    print(banner(info, time.monotonic() - started), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        print("stopping...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
