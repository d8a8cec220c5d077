"""Data: the saved models, their versions (the history) and the audit trail (on-demand, PITR, encrypted; audit
records expire by TTL)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

MODELS_PARTITION_KEY = "id"
VERSIONS_PARTITION_KEY = "id"
VERSIONS_SORT_KEY = "version"
AUDIT_PARTITION_KEY = "pk"
AUDIT_SORT_KEY = "sk"
AUDIT_TTL_ATTRIBUTE = "expires_at"


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self._removal_policy = removal_policy
        self.models_table = self._table("ModelsTable", partition_key=MODELS_PARTITION_KEY)
        self.model_versions_table = self._table(
            "ModelVersionsTable",
            partition_key=VERSIONS_PARTITION_KEY,
            sort_key=VERSIONS_SORT_KEY,
            sort_key_type=dynamodb.AttributeType.NUMBER,
        )
        self.audit_table = self._table(
            "AuditTable", partition_key=AUDIT_PARTITION_KEY, sort_key=AUDIT_SORT_KEY, ttl_attribute=AUDIT_TTL_ATTRIBUTE
        )

    def _table(
        self,
        construct_id: str,
        *,
        partition_key: str,
        sort_key: str | None = None,
        sort_key_type: dynamodb.AttributeType = dynamodb.AttributeType.STRING,
        ttl_attribute: str | None = None,
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=sort_key, type=sort_key_type) if sort_key else None,
            time_to_live_attribute=ttl_attribute,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self._removal_policy == RemovalPolicy.RETAIN,
            removal_policy=self._removal_policy,
        )
