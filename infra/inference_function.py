"""Inference functions: the Lambdas behind the API, from one code asset (code + inventory) and one dependency layer.

- ``function``: every buffered route, on the managed Python runtime (``lambdas.handler.handler``);
- ``stream_function``: ``POST /invoke/stream``, streamed through API Gateway. The managed runtime cannot stream, so
  ``AWS_LAMBDA_EXEC_WRAPPER`` starts the project's own Runtime API loop (``lambdas/stream-bootstrap``) on the same
  interpreter, code and layer. Both share the role: the same calls, and one role name for cross-account trust.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.log_retention import log_retention
from infra.package import RUNTIME_SETTINGS_FILE, STAMP_FILE, LambdaAssets
from infra.permissions import Grant
from infra.stage_config import FunctionSettings, StreamSettings
from lambdas.settings import function_environment

HANDLER = "lambdas.handler.handler"
# The managed runtime never calls it (the exec wrapper replaces its loop); it explains itself if it ever does.
STREAM_HANDLER = "lambdas.stream_handler.handler"
STREAM_EXEC_WRAPPER = "/var/task/lambdas/stream-bootstrap"
LIVE_ALIAS = "live"
METRICS_NAMESPACE = "ModelStudio"


def service_name(stage: str) -> str:
    """Powertools' ``service``: a dimension of every metric and a field of every log line, so two stages in one
    account and region never add up (or trip each other's alarms)."""
    return f"model-studio-{stage}"


_RUNTIMES = {
    "3.12": lambda_.Runtime.PYTHON_3_12,
    "3.13": lambda_.Runtime.PYTHON_3_13,
    "3.14": lambda_.Runtime.PYTHON_3_14,
}
LATEST_PYTHON = lambda_.Runtime.PYTHON_3_14
_ARCHITECTURES = {"arm64": lambda_.Architecture.ARM_64, "x86_64": lambda_.Architecture.X86_64}


class InferenceFunction(Construct):
    """The function's role starts empty: it can write its own log group and traces, and what ``allow`` adds."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        role_name: str,
        settings: FunctionSettings,
        stream: StreamSettings,
        assets: LambdaAssets,
        environment: Mapping[str, str],
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.runtime = _RUNTIMES[settings.python_version]
        architecture = _ARCHITECTURES[settings.architecture]
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention(log_retention_days), removal_policy=removal_policy
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,  # stable, so cross-account trust policies can name it
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"model-studio {stage} inference function (least privilege, no managed policies)",
        )
        self.stream_log_group = logs.LogGroup(
            self, "StreamLogGroup", retention=log_retention(log_retention_days), removal_policy=removal_policy
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogGroups",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn, self.stream_log_group.log_group_arn],
            )
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(assets.layer_dir), exclude=[STAMP_FILE]),
            compatible_runtimes=[self.runtime],
            compatible_architectures=[architecture],
            description="model-studio runtime dependencies (manylinux wheels)",
        )
        code = lambda_.Code.from_asset(str(assets.code_dir))
        environment = {
            **function_environment(runtime_settings_file=RUNTIME_SETTINGS_FILE),
            "POWERTOOLS_SERVICE_NAME": service_name(stage),
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": settings.log_level,
            **environment,
        }

        def function(construct_id: str, *, log_group: logs.ILogGroup, **props: Any) -> lambda_.Function:
            """One of the two functions: the same code, layer, runtime, architecture, role and tracing."""
            return lambda_.Function(
                self,
                construct_id,
                runtime=self.runtime,
                architecture=architecture,
                code=code,
                layers=[self.dependencies],
                tracing=lambda_.Tracing.ACTIVE,
                role=self.role,
                log_group=log_group,
                **props,
            )

        self.function = function(
            "Function",
            log_group=self.log_group,
            description=f"model-studio {stage} API",
            handler=HANDLER,
            memory_size=settings.memory_mb,
            timeout=Duration.seconds(settings.timeout_s),
            reserved_concurrent_executions=settings.reserved_concurrency,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if settings.snap_start else None,
            environment={**environment, **function_environment(engine_read_timeout_s=settings.engine_read_timeout_s)},
        )
        # No SnapStart: it restores the managed runtime's snapshot, and this function replaces that runtime's loop.
        self.stream_function = function(
            "StreamFunction",
            log_group=self.stream_log_group,
            description=f"model-studio {stage} API, streamed answers (POST /invoke/stream)",
            handler=STREAM_HANDLER,
            memory_size=stream.memory_mb or settings.memory_mb,
            timeout=Duration.seconds(stream.timeout_s),
            reserved_concurrent_executions=stream.reserved_concurrency,
            environment={
                **environment,
                "AWS_LAMBDA_EXEC_WRAPPER": STREAM_EXEC_WRAPPER,
                **function_environment(
                    engine_read_timeout_s=stream.engine_read_timeout_s, stream_keepalive_s=stream.keepalive_s
                ),
            },
        )
        # What the API invokes: with SnapStart, a published version (SnapStart only applies to versions), behind an
        # alias so each deploy moves it; without, the function itself ($LATEST).
        self.entry: lambda_.IFunction = (
            lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if settings.snap_start
            else self.function
        )

    def allow(self, grants: Sequence[Grant]) -> None:
        """Add one statement per grant, its ARN templates filled with this stack's partition and account."""
        for grant in grants:
            self.role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid=grant.sid,
                    actions=list(grant.actions),
                    resources=grant.render(partition=Aws.PARTITION, account=Aws.ACCOUNT_ID),
                    conditions=dict(grant.conditions) if grant.conditions else None,
                )
            )
