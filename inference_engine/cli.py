"""``model-studio``: validate, render and invoke a model config, and discover models, from the command line.

Exit codes: 0 success, 2 invalid config or input (the message names the JSON path), 1 upstream or
output error. Messages, never tracebacks. The standard ``AWS_ENDPOINT_URL_*`` variables are honoured
by botocore, so ``invoke`` can target a local runtime such as the project's model emulator.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from inference_engine.catalogue import FORMATS, catalogue_json
from inference_engine.credentials import ClientFactory
from inference_engine.discovery.cli import add_discover_parser
from inference_engine.engine import StreamDelta, StreamEnd, invoke, prepare, stream
from inference_engine.errors import ConfigValidationError, EngineError
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.schema import ModelConfig, model_config_json_schema, parse_model_config

EXIT_OK, EXIT_UPSTREAM, EXIT_INVALID = 0, 1, 2


def _read_json(source: str, what: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigValidationError(f"Cannot read {what} {source!r}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"{what.capitalize()} {source!r} is not JSON: {exc.msg} at line {exc.lineno}"
        raise ConfigValidationError(message) from None


def _config(path: str) -> ModelConfig:
    return parse_model_config(_read_json(path, "config"))


def _conversation(args: argparse.Namespace) -> Conversation:
    if args.messages:
        return parse_conversation({"messages": _read_json(args.messages, "messages file"), "system": args.system})
    return parse_conversation({"prompt": args.prompt, "system": args.system})


def _print_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    config = _config(args.config)
    out.write(f"OK: {config.id} ({config.provider.type}, schema_version {config.schema_version})\n")
    return EXIT_OK


def cmd_render(args: argparse.Namespace, out: TextIO) -> int:
    prepared = prepare(_config(args.config), _conversation(args), stream=args.stream)
    _print_json(
        {
            **prepared.preview(),
            "rendered_prompt": prepared.rendered_prompt,
            "estimated_input_tokens": prepared.estimated_input_tokens,
        },
        out,
    )
    return EXIT_OK


def cmd_invoke(args: argparse.Namespace, out: TextIO) -> int:
    config, conversation = _config(args.config), _conversation(args)
    clients = ClientFactory()
    if args.stream:
        for event in stream(config, conversation, clients=clients, caller=args.caller):
            if isinstance(event, StreamDelta):
                out.write(event.text)
                out.flush()
            elif isinstance(event, StreamEnd):
                out.write("\n")
                sys.stderr.write(f"usage: {json.dumps(event.usage.as_dict())}, latency_ms: {event.latency_ms}\n")
        return EXIT_OK
    result = invoke(config, conversation, clients=clients, caller=args.caller)
    out.write(result.output + "\n")
    sys.stderr.write(f"usage: {json.dumps(result.usage.as_dict())}, latency_ms: {result.latency_ms}\n")
    return EXIT_OK


def cmd_schema(_args: argparse.Namespace, out: TextIO) -> int:
    _print_json(model_config_json_schema(), out)
    return EXIT_OK


def cmd_catalogue(args: argparse.Namespace, out: TextIO) -> int:
    if args.format is None:
        out.write("\n".join(FORMATS) + "\n")
    else:
        _print_json(catalogue_json(args.format), out)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="model-studio", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="validate a ModelConfig JSON file ('-' for stdin)")
    validate.add_argument("config")
    validate.set_defaults(run=cmd_validate)

    for name, run, help_text in (
        ("render", cmd_render, "print the exact request (operation, parameters, body) and the rendered prompt"),
        ("invoke", cmd_invoke, "call the model and print the extracted output"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("config")
        source = command.add_mutually_exclusive_group(required=True)
        source.add_argument("--prompt", help="the user message")
        source.add_argument("--messages", help="a JSON file with [{role, content}, ...]")
        command.add_argument("--system", help="a system prompt")
        command.add_argument("--stream", action="store_true", help="use the streaming API")
        if name == "invoke":
            command.add_argument("--caller", default="cli", help="name carried in the assumed-role session name")
        command.set_defaults(run=run)

    schema = commands.add_parser("schema", help="print the ModelConfig JSON Schema")
    schema.set_defaults(run=cmd_schema)
    catalogue = commands.add_parser("catalogue", help="list the base adapters, or print one")
    catalogue.add_argument("format", nargs="?", choices=FORMATS)
    catalogue.set_defaults(run=cmd_catalogue)
    add_discover_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    try:
        code: int = args.run(args, out, ClientFactory()) if args.command == "discover" else args.run(args, out)
    except ConfigValidationError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        for detail in exc.details:
            sys.stderr.write(f"  {detail.path}: {detail.message}\n")
        return EXIT_INVALID
    except EngineError as exc:
        sys.stderr.write(f"error ({exc.code}): {exc.message}\n")
        return EXIT_UPSTREAM
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
