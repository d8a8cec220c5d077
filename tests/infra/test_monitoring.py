"""Monitoring: each alarm watches the metric it names with the stage's threshold, notifies the configured topic
(and nothing when none is), and the dashboard shows the functions' own EMF metrics by model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match
from aws_lambda_powertools import Metrics

from infra.stage_config import MonitoringSettings, load_stage_config
from lambdas.domain.ports import InvocationMetric
from lambdas.handler import PowertoolsMetrics
from tests.infra.cfn import render
from tests.infra.stage_stack import Synthesized, synthesize_config
from tests.infra.test_cfn_lint import findings

Resource = dict[str, Any]
TOPIC_ARN = "arn:aws:sns:us-east-1:111122223333:ops-alarms"
ALARMS = (
    "buffered-function-errors",
    "buffered-function-throttles",
    "streaming-function-errors",
    "streaming-function-throttles",
    "api-5xx",
    "api-4xx-share",
    "invoke-p99-latency",
    "models-table-throttles",
    "versions-table-throttles",
    "audit-table-throttles",
    "failed-model-calls",
)


def _with_monitoring(stage: str, root: Path, web_dir: Path, **settings: str) -> Synthesized:
    base = load_stage_config(stage)
    monitoring = MonitoringSettings.model_validate({**base.monitoring.model_dump(), **settings})
    return synthesize_config(base.model_copy(update={"monitoring": monitoring}), root, web_dir)


@pytest.fixture(scope="module")
def emailing(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Synthesized:
    """prod with ``monitoring.alarm_email``: the stack creates the topic."""
    return _with_monitoring("prod", tmp_path_factory.mktemp("emailing"), web_dir, alarm_email="oncall@example.com")


@pytest.fixture(scope="module")
def existing_topic(tmp_path_factory: pytest.TempPathFactory, web_dir: Path) -> Synthesized:
    """dev with ``monitoring.alarm_topic_arn``: the alarms notify a topic the stack does not own."""
    return _with_monitoring("dev", tmp_path_factory.mktemp("existing-topic"), web_dir, alarm_topic_arn=TOPIC_ARN)


def _alarms(synth: Synthesized) -> dict[str, Resource]:
    """Alarm properties by name without the ``model-studio-<stage>-`` prefix."""
    prefix = f"model-studio-{synth.config.stage}-"
    alarms = {}
    for alarm in synth.resources("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["AlarmName"].startswith(prefix)
        alarms[props["AlarmName"].removeprefix(prefix)] = props
    return alarms


def _ref(synth: Synthesized, construct: Any) -> dict[str, str]:
    return {"Ref": synth.logical_id(construct)}


def _math(props: Resource) -> tuple[str, dict[str, Resource]]:
    """A metric-math alarm: its one returned expression, and the metrics it uses by id."""
    (expression,) = [m["Expression"] for m in props["Metrics"] if m.get("ReturnData", True)]
    return expression, {m["Id"]: m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m}


def test_the_stage_has_each_alarm_once_each_saying_what_to_check_first(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    assert sorted(alarms) == sorted(ALARMS)
    for name, props in alarms.items():
        assert "Check first:" in props["AlarmDescription"], name
        assert props["TreatMissingData"] == "notBreaching", name
        assert props.get("Period", 300) == 300, name


def test_errors_and_throttles_of_both_functions_alarm_at_the_configured_counts(synthesized: Synthesized) -> None:
    alarms, settings = _alarms(synthesized), synthesized.config.monitoring
    inference = synthesized.stack.inference
    for name, function in (("buffered", inference.function), ("streaming", inference.stream_function)):
        for metric, threshold in (("errors", settings.function_errors), ("throttles", settings.function_throttles)):
            props = alarms[f"{name}-function-{metric}"]
            assert props["Namespace"] == "AWS/Lambda"
            assert props["MetricName"] == metric.capitalize()
            assert props["Dimensions"] == [{"Name": "FunctionName", "Value": _ref(synthesized, function)}]
            assert props["Statistic"] == "Sum"
            assert props["Threshold"] == threshold
            assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert props["EvaluationPeriods"] == 1


def _stage_dimensions(synth: Synthesized) -> list[dict[str, Any]]:
    api = synth.stack.api
    return [
        {"Name": "ApiName", "Value": f"model-studio-{synth.config.stage}"},
        {"Name": "Stage", "Value": _ref(synth, api.rest_api.deployment_stage)},
    ]


def test_api_5xx_answers_alarm_at_the_configured_count(synthesized: Synthesized) -> None:
    props = _alarms(synthesized)["api-5xx"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Sum")
    assert props["Dimensions"] == _stage_dimensions(synthesized)
    assert props["Threshold"] == synthesized.config.monitoring.api_5xx_errors
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_a_sustained_4xx_share_alarms_only_once_enough_requests_came_in(synthesized: Synthesized) -> None:
    # Given the 4XX alarm
    props = _alarms(synthesized)["api-4xx-share"]
    expression, metrics = _math(props)
    # Then it is a percentage of the stage's requests, zero below 20 requests per period
    assert expression == "IF(requests >= 20, 100 * errors / requests, 0)"
    for metric_id, name, statistic in (("errors", "4XXError", "Sum"), ("requests", "Count", "SampleCount")):
        assert metrics[metric_id]["Metric"]["MetricName"] == name
        assert metrics[metric_id]["Metric"]["Dimensions"] == _stage_dimensions(synthesized)
        assert (metrics[metric_id]["Stat"], metrics[metric_id]["Period"]) == (statistic, 300)
    # And it must hold for three periods in a row
    assert props["Threshold"] == synthesized.config.monitoring.api_4xx_percent
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["EvaluationPeriods"] == 3
    assert "DatapointsToAlarm" not in props


def test_p99_latency_of_the_buffered_invoke_route_alarms_in_two_of_three_periods(synthesized: Synthesized) -> None:
    props = _alarms(synthesized)["invoke-p99-latency"]
    assert (props["Namespace"], props["MetricName"], props["ExtendedStatistic"]) == (
        "AWS/ApiGateway",
        "Latency",
        "p99",
    )
    # POST /invoke only: the streamed route's latency is the length of its answer
    assert props["Dimensions"] == [
        {"Name": "ApiName", "Value": f"model-studio-{synthesized.config.stage}"},
        {"Name": "Method", "Value": "POST"},
        {"Name": "Resource", "Value": "/invoke"},
        {"Name": "Stage", "Value": _ref(synthesized, synthesized.stack.api.rest_api.deployment_stage)},
    ]
    assert props["Threshold"] == synthesized.config.monitoring.invoke_p99_latency_ms < 29_000
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert (props["DatapointsToAlarm"], props["EvaluationPeriods"]) == (2, 3)


def test_read_and_write_throttles_of_both_tables_alarm(synthesized: Synthesized) -> None:
    alarms, data = _alarms(synthesized), synthesized.stack.data
    tables = (("models", data.models_table), ("versions", data.model_versions_table), ("audit", data.audit_table))
    for name, table in tables:
        props = alarms[f"{name}-table-throttles"]
        expression, metrics = _math(props)
        assert expression == f"FILL({name}_reads, 0) + FILL({name}_writes, 0)"
        for metric_id, metric_name in (
            (f"{name}_reads", "ReadThrottleEvents"),
            (f"{name}_writes", "WriteThrottleEvents"),
        ):
            assert metrics[metric_id]["Metric"] == {
                "Namespace": "AWS/DynamoDB",
                "MetricName": metric_name,
                "Dimensions": [{"Name": "TableName", "Value": _ref(synthesized, table)}],
            }
            assert metrics[metric_id]["Stat"] == "Sum"
        assert props["Threshold"] == synthesized.config.monitoring.table_throttles
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def _emitted_dimensions(namespace: str, service: str) -> list[str]:
    """The dimension set the functions' metrics sink writes with a failed call's ``InvocationErrors``."""
    sink = Metrics(namespace=namespace, service=service)
    PowertoolsMetrics(sink).record(InvocationMetric("any-model", "upstream_error"))
    (directive,) = sink.serialize_metric_set()["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == namespace
    assert "InvocationErrors" in [m["Name"] for m in directive["Metrics"]]
    (dimensions,) = directive["Dimensions"]
    return sorted(dimensions)


def test_failed_model_calls_of_every_model_alarm_on_the_functions_own_metric(synthesized: Synthesized) -> None:
    # Given the namespace and service the functions are configured with, and the dimensions their sink emits
    function = synthesized.json["Resources"][synthesized.logical_id(synthesized.stack.inference.function)]
    variables = function["Properties"]["Environment"]["Variables"]
    namespace, service = variables["POWERTOOLS_METRICS_NAMESPACE"], variables["POWERTOOLS_SERVICE_NAME"]
    assert _emitted_dimensions(namespace, service) == ["model_id", "service"]
    # When reading the alarm
    props = _alarms(synthesized)["failed-model-calls"]
    expression, metrics = _math(props)
    # Then one Metrics Insights query sums InvocationErrors over every model_id of this service
    assert expression == (
        f"SELECT SUM(InvocationErrors) FROM SCHEMA(\"{namespace}\", model_id, service) WHERE service = '{service}'"  # noqa: S608
    )
    assert metrics == {}
    assert props["Threshold"] == synthesized.config.monitoring.invocation_errors
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_without_a_topic_alarms_notify_nobody_and_nothing_is_created_for_one(synthesized: Synthesized) -> None:
    assert synthesized.config.monitoring.alarm_email is None
    assert synthesized.config.monitoring.alarm_topic_arn is None
    for name, props in _alarms(synthesized).items():
        assert "AlarmActions" not in props and "OKActions" not in props, name
    assert synthesized.resources("AWS::SNS::Topic") == {}
    assert synthesized.resources("AWS::KMS::Key") == {}
    assert "AlarmTopicArn" not in synthesized.json["Outputs"]


def test_an_alarm_email_gets_an_encrypted_ssl_only_topic_every_alarm_notifies(emailing: Synthesized) -> None:
    # Given prod with an alarm email
    topic_id, topic = emailing.only("AWS::SNS::Topic")
    key_id, key = emailing.only("AWS::KMS::Key")
    # Then the topic is encrypted with a rotated key CloudWatch may use
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    (cloudwatch_use,) = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "CloudWatchAlarmsPublish"
    ]
    assert cloudwatch_use["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert sorted(cloudwatch_use["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # And its policy refuses plain HTTP and lets only this account's alarms publish
    _, policy = emailing.only("AWS::SNS::TopicPolicy")
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    by_effect = {s["Effect"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert by_effect["Deny"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert by_effect["Allow"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert by_effect["Allow"]["Action"] == "sns:Publish"
    assert by_effect["Allow"]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert render(by_effect["Allow"]["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"
    )
    # And the address is subscribed, every alarm notifies the topic on ALARM and OK, and its ARN is an output
    _, subscription = emailing.only("AWS::SNS::Subscription")
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "oncall@example.com"
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id}
    alarms = _alarms(emailing)
    assert sorted(alarms) == sorted(ALARMS)
    for name, props in alarms.items():
        assert props["AlarmActions"] == props["OKActions"] == [{"Ref": topic_id}], name
    assert emailing.json["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic_id}


def test_the_created_topic_passes_cdk_nag_without_suppressions(emailing: Synthesized) -> None:
    findings = [
        *emailing.annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")),
        *emailing.annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")),
    ]
    assert [f"{f.id}: {f.entry.data}" for f in findings] == []
    for resource_type in ("AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::KMS::Key"):
        for logical_id, resource in emailing.resources(resource_type).items():
            assert "cdk_nag" not in resource.get("Metadata", {}), logical_id


@pytest.mark.parametrize("variant", ["emailing", "existing_topic"])
def test_the_templates_with_a_topic_pass_cfn_lint(variant: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(variant)
    assert findings(synth.json, synth.config.region) == []


def test_an_existing_topic_is_notified_and_nothing_is_created(existing_topic: Synthesized) -> None:
    for name, props in _alarms(existing_topic).items():
        assert props["AlarmActions"] == props["OKActions"] == [TOPIC_ARN], name
    assert existing_topic.resources("AWS::SNS::Topic") == {}
    assert existing_topic.resources("AWS::KMS::Key") == {}
    assert existing_topic.json["Outputs"]["AlarmTopicArn"]["Value"] == TOPIC_ARN


def _dashboard(synth: Synthesized) -> dict[str, Any]:
    _, dashboard = synth.only("AWS::CloudWatch::Dashboard")
    body: dict[str, Any] = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    return body


def _graphs(synth: Synthesized) -> dict[str, list[Any]]:
    """Each graph's metrics by title."""
    return {
        w["properties"]["title"]: w["properties"]["metrics"]
        for w in _dashboard(synth)["widgets"]
        if w["type"] == "metric"
    }


def test_the_dashboard_shows_the_emf_metrics_by_model(synthesized: Synthesized) -> None:
    graphs = _graphs(synthesized)
    searches = {
        title: [m[0]["expression"] for m in metrics] for title, metrics in graphs.items() if "by model" in title
    }
    # the stage's own service: dev and prod in one account and region never add up
    dimensions = f'{{ModelStudio,model_id,service}} service="model-studio-{synthesized.config.stage}"'
    assert searches == {
        "Model calls by model": [f"SEARCH('{dimensions} MetricName=\"Invocations\"', 'Sum', 300)"],
        "Failed model calls by model": [f"SEARCH('{dimensions} MetricName=\"InvocationErrors\"', 'Sum', 300)"],
        "Tokens by model": [
            f"SEARCH('{dimensions} MetricName=\"InputTokens\"', 'Sum', 300)",
            f"SEARCH('{dimensions} MetricName=\"OutputTokens\"', 'Sum', 300)",
        ],
        "LatencyMs p50 by model": [f"SEARCH('{dimensions} MetricName=\"LatencyMs\"', 'p50', 300)"],
        "LatencyMs p99 by model": [f"SEARCH('{dimensions} MetricName=\"LatencyMs\"', 'p99', 300)"],
    }
    labels = {m[0]["label"] for title, metrics in graphs.items() if "by model" in title for m in metrics}
    assert labels == {"${PROP('Dim.model_id')}", "in ${PROP('Dim.model_id')}", "out ${PROP('Dim.model_id')}"}


def test_the_dashboard_shows_lambda_api_and_table_metrics_and_every_alarm(synthesized: Synthesized) -> None:
    # Given the dashboard's widgets
    body = _dashboard(synthesized)
    graphs = _graphs(synthesized)
    namespaces = {title: {m[0] for m in metrics if isinstance(m[0], str)} for title, metrics in graphs.items()}
    # Then the service widgets sit next to the model ones
    assert namespaces["Functions: invocations, errors, throttles"] == {"AWS/Lambda"}
    assert namespaces["Functions: duration p50/p99 (ms)"] == {"AWS/Lambda"}
    assert namespaces["API: requests, 4XX, 5XX"] == {"AWS/ApiGateway"}
    assert namespaces["API: latency (ms)"] == {"AWS/ApiGateway"}
    assert namespaces["Tables: consumed capacity units"] == {"AWS/DynamoDB"}
    throttles = [m[0]["expression"] for m in graphs["Tables: throttled reads and writes"] if isinstance(m[0], dict)]
    assert throttles == [
        "FILL(models_reads, 0) + FILL(models_writes, 0)",
        "FILL(versions_reads, 0) + FILL(versions_writes, 0)",
        "FILL(audit_reads, 0) + FILL(audit_writes, 0)",
    ]
    # And the alarm widget lists every alarm of the stage
    (status,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarm_ids = synthesized.resources("AWS::CloudWatch::Alarm")
    assert sorted(status["properties"]["alarms"]) == sorted("${" + k + ".Arn}" for k in alarm_ids)
    # And no widget runs past the 24-column grid
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"])


def test_the_dashboard_name_and_url_are_outputs(synthesized: Synthesized) -> None:
    name = f"model-studio-{synthesized.config.stage}-{synthesized.config.region}"
    _, dashboard = synthesized.only("AWS::CloudWatch::Dashboard")
    assert dashboard["Properties"]["DashboardName"] == name
    outputs = synthesized.json["Outputs"]
    assert outputs["DashboardName"]["Value"] == {"Ref": synthesized.logical_id(synthesized.stack.monitoring.dashboard)}
    region = synthesized.config.region
    assert render(outputs["DashboardUrl"]["Value"]) == (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/"
        + "${"
        + synthesized.logical_id(synthesized.stack.monitoring.dashboard)
        + "}"
    )
