"""Lambda entry point: Powertools logger/tracer/metrics around one resolver call. Thin on purpose."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.app import create_app
from lambdas.domain.errors import PayloadTooLargeError
from lambdas.domain.ports import InvocationMetric
from lambdas.gateway import check_body_size, proxy_error
from lambdas.services import Services, build_services
from lambdas.settings import EnvSettings

logger = Logger()
# Only the AWS SDK is traced (every call the function makes goes through it): the default patches every library
# the X-Ray SDK knows, importing the installed ones (sqlite3 ...) at cold start for nothing.
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()


class PowertoolsMetrics:
    """Invocation metrics as CloudWatch EMF: count, errors, latency and tokens, by model id."""

    def __init__(self, sink: Metrics) -> None:
        self._sink = sink

    def record(self, metric: InvocationMetric) -> None:
        self._sink.add_dimension(name="model_id", value=metric.model_id)
        self._sink.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
        if metric.outcome != "success":
            self._sink.add_metric(name="InvocationErrors", unit=MetricUnit.Count, value=1)
            return
        if metric.latency_ms is not None:
            self._sink.add_metric(name="LatencyMs", unit=MetricUnit.Milliseconds, value=metric.latency_ms)
        self._sink.add_metric(name="InputTokens", unit=MetricUnit.Count, value=metric.input_tokens)
        self._sink.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=metric.output_tokens)


_application: tuple[APIGatewayRestResolver, Services] | None = None


def application() -> tuple[APIGatewayRestResolver, Services]:
    """Built on the first request, not at import: no client exists before the handler runs."""
    global _application  # noqa: PLW0603 - one object graph per Lambda container
    if _application is None:
        services = build_services(EnvSettings.from_environ(), metrics=PowertoolsMetrics(metrics))
        _application = (create_app(services), services)
    return _application


def handle(event: dict[str, Any], context: Any, app: APIGatewayRestResolver, services: Services) -> dict[str, Any]:
    """One request through one resolver. Powertools keeps the event being resolved in process-wide state, so a
    process resolves one request at a time: Lambda never overlaps them, and the local server runs each emulated
    container in its own worker process."""
    try:
        check_body_size(event, services.max_body_bytes)
    except PayloadTooLargeError as exc:
        return proxy_error(exc, event, services.cors_origins)
    return app.resolve(event, context)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app, services = application()
    return handle(event, context, app, services)
