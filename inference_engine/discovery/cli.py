"""``model-studio discover``: the discovery reads and the format probe from a terminal.

``discover sagemaker`` lists a region's endpoints (or describes one), ``discover bedrock`` its Bedrock models,
``discover probe`` tries catalogue formats on one endpoint or model. Tables by default, ``--json`` for the full
answer (the same JSON the HTTP API returns); ``--config-out`` writes the ready adapter to a file. Credentials and
endpoints come from the standard AWS configuration (``AWS_ENDPOINT_URL_SAGEMAKER`` / ``_BEDROCK`` / ``_*_RUNTIME``
reach the local emulator).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel, ValidationError

from inference_engine.credentials import ClientFactory
from inference_engine.discovery.bedrock import BedrockDiscovery
from inference_engine.discovery.models import (
    BEDROCK_KINDS,
    BedrockModelList,
    Detection,
    EndpointPage,
    ProbeRequest,
    ProbeResult,
    SageMakerEndpoint,
    SageMakerTarget,
)
from inference_engine.discovery.probe import ProbeLimits, in_image_order, probe
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.schema import CrossAccount, ModelConfig, invalid


def _role(args: argparse.Namespace) -> CrossAccount | None:
    if not args.role_arn:
        return None
    try:
        return CrossAccount(role_arn=args.role_arn, external_id=args.external_id)
    except ValidationError as exc:
        raise invalid(exc, {"role_arn": args.role_arn, "external_id": args.external_id}, "role") from None


def _client(service: Any, args: argparse.Namespace, clients: ClientFactory) -> Any:
    return clients.client(service, args.region, cross_account=_role(args), caller=args.caller)


def _table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")


def _emit(result: BaseModel, args: argparse.Namespace, out: TextIO, config: ModelConfig | None) -> None:
    if args.config_out and config is not None:
        Path(args.config_out).write_text(json.dumps(config.to_json_dict(), indent=2) + "\n", encoding="utf-8")
    if args.json:
        out.write(result.model_dump_json(indent=2) + "\n")


def _endpoint_rows(endpoints: list[SageMakerEndpoint]) -> list[list[str]]:
    rows = [["ENDPOINT", "STATUS", "INSTANCE", "COMPONENT", "FORMAT", "CONFIDENCE", "SERVER"]]
    for endpoint in endpoints:
        instance = ", ".join(
            f"{v.instance_count or 0} x {v.instance_type}" for v in endpoint.variants if v.instance_type
        )
        if endpoint.error is not None:
            rows.append([endpoint.name, endpoint.status or "?", "", "", f"({endpoint.error.error})", "", ""])
        targets: list[tuple[str, Detection | None]] = [
            (v.name if len(endpoint.variants) > 1 else "", v.detection) for v in endpoint.variants if v.detection
        ]
        targets += [(c.name, c.detection) for c in endpoint.inference_components]
        for component, detection in targets:
            fmt = detection.format if detection and detection.format else "(unknown)"
            rows.append(
                [
                    endpoint.name,
                    endpoint.status or "?",
                    instance,
                    component,
                    fmt,
                    detection.confidence if detection else "",
                    (detection.family or "") if detection else "",
                ]
            )
    return rows


def cmd_sagemaker(args: argparse.Namespace, out: TextIO, clients: ClientFactory) -> int:
    discovery = SageMakerDiscovery(_client("sagemaker", args, clients), args.region, _role(args))
    result: SageMakerEndpoint | EndpointPage
    if args.endpoint:
        result = discovery.endpoint(args.endpoint)
        endpoints, config = [result], result.config
    else:
        result = discovery.endpoints(limit=args.limit, next_token=args.next_token)
        endpoints, config = result.endpoints, None
    _emit(result, args, out, config)
    if not args.json:
        _table(_endpoint_rows(endpoints), out)
        if isinstance(result, EndpointPage) and result.next_token:
            out.write(f"(more: --next-token {result.next_token})\n")
    return 0


def cmd_bedrock(args: argparse.Namespace, out: TextIO, clients: ClientFactory) -> int:
    listing: BedrockModelList = BedrockDiscovery(_client("bedrock", args, clients), args.region, _role(args)).models(
        args.kind or BEDROCK_KINDS
    )
    _emit(listing, args, out, None)
    if not args.json:
        rows = [["KIND", "MODEL ID", "NAME", "ADAPTER", "NOTE"]]
        for model in listing.models:
            adapter = model.adapters[0] if model.adapters else "(none)"
            rows.append([model.kind, model.model_id, model.name, adapter, model.note or ""])
        _table(rows, out)
    return 0


def cmd_probe(args: argparse.Namespace, out: TextIO, clients: ClientFactory) -> int:
    target: dict[str, Any]
    if args.endpoint:
        target = {"type": "sagemaker", "endpoint_name": args.endpoint, "region": args.region}
        if args.component:
            target["inference_component_name"] = args.component
    else:
        target = {"type": "bedrock", "model_id": args.model_id, "region": args.region}
    document = {"target": target, "formats": args.format, "max_calls": args.max_calls, "stream": not args.no_stream}
    role = _role(args)
    if role is not None:
        document["cross_account"] = role.model_dump()
    try:
        request = ProbeRequest.model_validate(document)
    except ValidationError as exc:
        raise invalid(exc, document, "probe") from None
    if request.formats is None and isinstance(request.target, SageMakerTarget):
        request = in_image_order(request, SageMakerDiscovery(_client("sagemaker", args, clients), args.region, role))
    result: ProbeResult = probe(request, clients=clients, limits=ProbeLimits(args.max_calls), caller=args.caller)
    _emit(result, args, out, result.config)
    if not args.json:
        rows = [["FORMAT", "MODE", "OUTCOME", "DETAIL"]]
        for attempt in result.attempts:
            rows.append([attempt.format, attempt.mode, attempt.outcome, attempt.error or repr(attempt.text)])
        _table(rows, out)
        found = result.format or "none"
        out.write(f"format: {found}, streaming: {result.streaming}, calls: {result.calls}/{result.max_calls}")
        out.write(f", stopped: {result.stopped}\n" if result.stopped else "\n")
    return 0 if result.format else 1


def add_discover_parser(commands: Any) -> None:
    discover = commands.add_parser("discover", help="find SageMaker endpoints and Bedrock models; probe a format")
    sources = discover.add_subparsers(dest="source", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--region", required=True)
        parser.add_argument("--role-arn", help="a cross-account role to read through")
        parser.add_argument("--external-id")
        parser.add_argument("--caller", default="cli", help="name carried in the assumed-role session name")
        parser.add_argument("--json", action="store_true", help="print the full JSON answer")
        parser.add_argument("--config-out", help="write the ready ModelConfig to this file")

    sagemaker = sources.add_parser("sagemaker", help="endpoints, their containers and detected formats")
    common(sagemaker)
    sagemaker.add_argument("--endpoint", help="describe one endpoint")
    sagemaker.add_argument("--limit", type=int, default=20)
    sagemaker.add_argument("--next-token")
    sagemaker.set_defaults(run=cmd_sagemaker)

    bedrock = sources.add_parser("bedrock", help="models, profiles, imported and Marketplace models")
    common(bedrock)
    bedrock.add_argument("--kind", action="append", choices=BEDROCK_KINDS)
    bedrock.set_defaults(run=cmd_bedrock)

    probe_parser = sources.add_parser("probe", help="try catalogue formats with one-token requests")
    common(probe_parser)
    which = probe_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--endpoint", help="a SageMaker endpoint")
    which.add_argument("--model-id", help="a Bedrock model id, profile or ARN")
    probe_parser.add_argument("--component", help="the endpoint's inference component")
    probe_parser.add_argument("--format", action="append", help="a catalogue format to try (repeat, in order)")
    probe_parser.add_argument("--max-calls", type=int, default=4)
    probe_parser.add_argument("--no-stream", action="store_true", help="do not check streaming")
    probe_parser.set_defaults(run=cmd_probe)
