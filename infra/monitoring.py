"""Monitoring: alarms on what breaks the API for its callers, and one dashboard beside them.

Alarms: failed and throttled invocations of both functions, 5XX answers and sustained 4XX shares of the API
stage, p99 latency of ``POST /invoke``, throttled reads/writes of both tables, and failed model calls of every
model (the functions' own EMF metric ``InvocationErrors``, summed by a Metrics Insights query: saved models get
new ``model_id`` values at runtime). With a topic configured, each alarm notifies it on ALARM and on OK.

Latency is alarmed on API Gateway's ``Latency`` p99 of ``POST /invoke``: what a caller of the buffered model
route waits for (authorizer, cold start and the model call), against API Gateway's 29 s limit. Not the stage's
``Latency`` (it would mix in ``POST /invoke/stream``, whose duration is the length of a streamed answer) nor the
functions' ``Duration`` (the streaming function's is the answer's length too; a function timing out shows in its
errors alarm).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.inference_function import METRICS_NAMESPACE, service_name
from infra.stage_config import MonitoringSettings

PERIOD = Duration.minutes(5)
MIN_REQUESTS_FOR_4XX_SHARE = 20  # per period: below that, one user's expired token would be a "spike"


def model_dimensions(service: str) -> str:
    """The SEARCH selector of the stage's EMF metrics, one series per ``model_id``."""
    return f'{{{METRICS_NAMESPACE},model_id,service}} service="{service}"'


def failed_model_calls_query(service: str) -> str:
    """CloudWatch Metrics Insights (not SQL): the sum over every model_id, one series, so an alarm can watch it."""
    return (
        f'SELECT SUM(InvocationErrors) FROM SCHEMA("{METRICS_NAMESPACE}", model_id, service) '  # noqa: S608
        f"WHERE service = '{service}'"
    )


class Monitoring(Construct):
    """``functions`` and ``tables`` are keyed by the name alarms and widgets show (e.g. ``buffered``, ``models``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        region: str,
        settings: MonitoringSettings,
        functions: Mapping[str, lambda_.IFunction],
        api_stage: apigw.Stage,
        invoke_method: apigw.Method,
        tables: Mapping[str, dynamodb.ITable],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = f"model-studio-{stage}"
        self._service = service_name(stage)
        self.topic = self._topic(settings, removal_policy)
        self.alarms: list[cloudwatch.Alarm] = []

        self._function_alarms(functions, settings)
        self._api_alarms(api_stage, invoke_method, settings)
        self._table_alarms(tables, settings)
        self._alarm(
            "failed-model-calls",
            metric=cloudwatch.MathExpression(
                expression=failed_model_calls_query(self._service),
                using_metrics={},
                label="InvocationErrors",
                period=PERIOD,
            ),
            threshold=settings.invocation_errors,
            description="Model calls failed, all models together (EMF InvocationErrors: upstream errors, timeouts, "
            "throttling, unreadable output). Check first: 'Failed model calls by model' on the dashboard, then the "
            "function logs for that model_id and the SageMaker endpoint's or Bedrock model's own metrics.",
        )

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{self._prefix}-{region}", default_interval=Duration.hours(3)
        )
        self._add_widgets(functions=functions, api_stage=api_stage, invoke_method=invoke_method, tables=tables)
        self.dashboard_url = (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#dashboards/dashboard/{self.dashboard.dashboard_name}"
        )

    def _topic(self, settings: MonitoringSettings, removal_policy: RemovalPolicy) -> sns.ITopic | None:
        """The configured topic, or one the stack creates for ``alarm_email``, or none."""
        if settings.alarm_topic_arn:
            return sns.Topic.from_topic_arn(self, "AlarmTopic", settings.alarm_topic_arn)
        if not settings.alarm_email:
            return None
        # CloudWatch cannot use the AWS-managed SNS key: this key lets it encrypt what it publishes.
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description=f"{self._prefix} alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        topic = sns.Topic(self, "AlarmTopic", display_name=f"{self._prefix} alarms", master_key=key, enforce_ssl=True)
        # A topic policy replaces SNS's default one: allow this account's alarms, and nothing else, to publish.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                    },
                },
            )
        )
        topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        return topic

    def _function_alarms(self, functions: Mapping[str, lambda_.IFunction], settings: MonitoringSettings) -> None:
        for name, function in functions.items():
            errors = (
                function.metric_errors(period=PERIOD),
                settings.function_errors,
                f"Lambda counted failed invocations of the {name} function: unhandled exceptions, "
                "timeouts or init failures (the API's own error answers are not failures). Check first: its log "
                "group for ERROR, 'Task timed out' and INIT_REPORT lines, and whether a deploy just happened.",
            )
            throttles = (
                function.metric_throttles(period=PERIOD),
                settings.function_throttles,
                f"Lambda refused invocations of the {name} function: its reserved concurrency (stage "
                "config function/stream.reserved_concurrency) or the account's is used up, and callers got errors. "
                "Check first: ConcurrentExecutions on the dashboard against that limit, then slow model calls "
                "holding executions (LatencyMs p99 by model).",
            )
            for kind, (metric, threshold, description) in (("errors", errors), ("throttles", throttles)):
                self._alarm(f"{name}-function-{kind}", metric=metric, threshold=threshold, description=description)

    def _api_alarms(self, api_stage: apigw.Stage, invoke_method: apigw.Method, settings: MonitoringSettings) -> None:
        self._alarm(
            "api-5xx",
            metric=api_stage.metric_server_error(period=PERIOD),
            threshold=settings.api_5xx_errors,
            description="The API answered 5XX: 502/504 when a model call fails or times out, 500 when a function "
            "fails or is throttled. Check first: 'Failed model calls by model' on the dashboard, then the access "
            "log's status, integrationStatus and errorMessage fields.",
        )
        self._alarm(
            "api-4xx-share",
            metric=cloudwatch.MathExpression(
                expression=f"IF(requests >= {MIN_REQUESTS_FOR_4XX_SHARE}, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": api_stage.metric_client_error(period=PERIOD),
                    "requests": api_stage.metric_count(period=PERIOD),
                },
                label="4XX share of requests (%)",
                period=PERIOD,
            ),
            threshold=settings.api_4xx_percent,
            description="For 15 minutes, more than the threshold's percentage of the API's answers were 4XX (once "
            f"{MIN_REQUESTS_FOR_4XX_SHARE} requests came in per 5 minutes): 401 (tokens, Cognito), 403 (denied), "
            "400 (a client sending bad bodies) or 429 (stage throttling). Check first: the access log grouped by "
            "status and resourcePath (Logs Insights), then api.throttle_* in the stage config if they are 429s.",
            evaluation_periods=3,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )
        self._alarm(
            "invoke-p99-latency",
            metric=invoke_method.metric_latency(api_stage, period=PERIOD, statistic=cloudwatch.Stats.p(99)),
            threshold=settings.invoke_p99_latency_ms,
            description="The p99 latency of POST /invoke was above the threshold (ms) in 2 of the last 3 periods: "
            "callers near API Gateway's 29 s limit get 504s. Check first: LatencyMs p99 by model on the dashboard "
            "(a slow model or endpoint), then IntegrationLatency against Latency (cold starts, the authorizer).",
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        )

    def _table_alarms(self, tables: Mapping[str, dynamodb.ITable], settings: MonitoringSettings) -> None:
        for name, table in tables.items():
            self._alarm(
                f"{name}-table-throttles",
                metric=_table_throttles(name, table),
                threshold=settings.table_throttles,
                description=f"DynamoDB throttled reads or writes of the {name} table (on-demand: a hot partition, "
                "or more than twice the previous peak). Check first: its throttle events and consumed capacity on "
                "the dashboard; the function's SDK retries, then the request fails with 5XX.",
            )

    def _alarm(
        self,
        name: str,
        *,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) -> None:
        """No data means no traffic (or, for the EMF and throttle metrics, nothing went wrong): not breaching."""
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if self.topic is not None:
            action = cloudwatch_actions.SnsAction(self.topic)
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
        self.alarms.append(alarm)

    def _add_widgets(
        self,
        *,
        functions: Mapping[str, lambda_.IFunction],
        api_stage: apigw.Stage,
        invoke_method: apigw.Method,
        tables: Mapping[str, dynamodb.ITable],
    ) -> None:
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# {self._prefix}\nModel calls by model: EMF namespace `{METRICS_NAMESPACE}` "
                f"(service `{self._service}`, both functions), then Lambda, API Gateway and DynamoDB.",
                width=8,
                height=6,
            ),
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=16, height=6),
        )
        self.dashboard.add_widgets(
            _graph("Model calls by model", _by_model(self._service, "Invocations", "Sum")),
            _graph("Failed model calls by model", _by_model(self._service, "InvocationErrors", "Sum")),
            _graph(
                "Tokens by model",
                _by_model(self._service, "InputTokens", "Sum", label="in"),
                _by_model(self._service, "OutputTokens", "Sum", label="out"),
            ),
        )
        self.dashboard.add_widgets(
            _graph("LatencyMs p50 by model", _by_model(self._service, "LatencyMs", "p50"), width=12),
            _graph("LatencyMs p99 by model", _by_model(self._service, "LatencyMs", "p99"), width=12),
        )
        self.dashboard.add_widgets(
            _graph(
                "Functions: invocations, errors, throttles", *_each(functions, "Invocations", "Errors", "Throttles")
            ),
            _graph(
                "Functions: duration p50/p99 (ms)",
                *(
                    function.metric_duration(period=PERIOD, statistic=statistic, label=f"{name} {statistic}")
                    for name, function in functions.items()
                    for statistic in ("p50", "p99")
                ),
            ),
            _graph(
                "Functions: concurrent executions (max)",
                *_each(functions, "ConcurrentExecutions", statistic="Maximum"),
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "API: requests, 4XX, 5XX",
                api_stage.metric_count(period=PERIOD, label="requests"),
                api_stage.metric_client_error(period=PERIOD, label="4XX"),
                api_stage.metric_server_error(period=PERIOD, label="5XX"),
                width=12,
            ),
            _graph(
                "API: latency (ms)",
                api_stage.metric_latency(period=PERIOD, statistic="p50", label="stage p50"),
                api_stage.metric_latency(period=PERIOD, statistic="p99", label="stage p99"),
                invoke_method.metric_latency(api_stage, period=PERIOD, statistic="p99", label="POST /invoke p99"),
                invoke_method.metric_integration_latency(
                    api_stage, period=PERIOD, statistic="p99", label="POST /invoke integration p99"
                ),
                width=12,
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "Tables: throttled reads and writes",
                *(_table_throttles(name, table) for name, table in tables.items()),
                width=12,
            ),
            _graph(
                "Tables: consumed capacity units",
                *_each(tables, "ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"),
                width=12,
            ),
        )


def _each(
    resources: Mapping[str, lambda_.IFunction | dynamodb.ITable], *metric_names: str, statistic: str = "Sum"
) -> list[cloudwatch.IMetric]:
    """Each named function's or table's metrics, labelled ``<name> <metric>``."""
    return [
        resource.metric(metric_name, period=PERIOD, statistic=statistic, label=f"{name} {metric_name}")
        for name, resource in resources.items()
        for metric_name in metric_names
    ]


def _by_model(service: str, metric_name: str, statistic: str, *, label: str = "") -> cloudwatch.MathExpression:
    """One line per ``model_id`` (saved models appear as they are called), from both functions' EMF metrics."""
    selector = model_dimensions(service)
    search = f"SEARCH('{selector} MetricName=\"{metric_name}\"', '{statistic}', {int(PERIOD.to_seconds())})"
    return cloudwatch.MathExpression(
        expression=search, using_metrics={}, label=f"{label} ${{PROP('Dim.model_id')}}".strip(), period=PERIOD
    )


def _table_throttles(name: str, table: dynamodb.ITable) -> cloudwatch.MathExpression:
    """Read and write throttle events (emitted only when they happen, hence FILL); ids unique per table."""
    reads, writes = f"{name}_reads", f"{name}_writes"
    return cloudwatch.MathExpression(
        expression=f"FILL({reads}, 0) + FILL({writes}, 0)",
        using_metrics={
            reads: table.metric("ReadThrottleEvents", period=PERIOD, statistic="Sum"),
            writes: table.metric("WriteThrottleEvents", period=PERIOD, statistic="Sum"),
        },
        label=f"{name} throttle events",
        period=PERIOD,
    )


def _graph(title: str, *metrics: cloudwatch.IMetric, width: int = 8) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6)
