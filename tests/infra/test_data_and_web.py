"""DynamoDB tables, the site bucket and the CloudFront distribution."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.infra.cfn import as_list, render
from tests.infra.stage_stack import Synthesized


def _table(synth: Synthesized, construct: Any) -> dict[str, Any]:
    resource: dict[str, Any] = synth.json["Resources"][synth.logical_id(construct)]
    return resource


def test_tables_are_on_demand_encrypted_with_point_in_time_recovery(synthesized: Synthesized) -> None:
    for table in synthesized.resources("AWS::DynamoDB::Table").values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"] == {"SSEEnabled": True}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_table_keys_and_audit_ttl_match_the_lambda_contract(synthesized: Synthesized) -> None:
    models = _table(synthesized, synthesized.stack.data.models_table)["Properties"]
    audit = _table(synthesized, synthesized.stack.data.audit_table)["Properties"]
    assert models["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert audit["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert audit["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert "TimeToLiveSpecification" not in models


def test_prod_keeps_its_data_when_the_stack_goes(prod: Synthesized) -> None:
    for table in prod.resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_dev_tables_are_disposable(dev: Synthesized) -> None:
    for table in dev.resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"


def test_every_bucket_blocks_public_access_and_is_encrypted(synthesized: Synthesized) -> None:
    buckets = synthesized.resources("AWS::S3::Bucket")
    assert len(buckets) == 2  # the site and its access logs
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert "WebsiteConfiguration" not in props


def test_every_bucket_policy_denies_plain_http_and_old_tls(synthesized: Synthesized) -> None:
    policies = synthesized.resources("AWS::S3::BucketPolicy")
    assert {render(p["Properties"]["Bucket"]) for p in policies.values()} == {
        "${" + logical_id + "}" for logical_id in synthesized.resources("AWS::S3::Bucket")
    }
    for policy in policies.values():
        denies = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        conditions = [s["Condition"] for s in denies if s["Principal"] == {"AWS": "*"}]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
        assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_site_bucket_is_readable_only_by_its_distribution(synthesized: Synthesized) -> None:
    site_id = synthesized.logical_id(synthesized.stack.web.bucket)
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    (policy,) = [
        p
        for p in synthesized.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": site_id}
    ]
    allows = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert as_list(allow["Action"]) == ["s3:GetObject"]
    source_arn = render(allow["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert source_arn.endswith(":distribution/${" + distribution_id + "}")


def test_distribution_is_https_only_through_origin_access_control(synthesized: Synthesized) -> None:
    _, distribution = synthesized.only("AWS::CloudFront::Distribution")
    _, oac = synthesized.only("AWS::CloudFront::OriginAccessControl")
    config = distribution["Properties"]["DistributionConfig"]
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    (origin,) = config["Origins"]
    assert "OriginAccessControlId" in origin
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert config["DefaultRootObject"] == "index.html"
    assert render(config["Logging"]["Bucket"]).startswith(
        "${" + synthesized.logical_id(synthesized.stack.web.logs_bucket)
    )


def test_every_response_carries_the_security_headers(synthesized: Synthesized) -> None:
    policy_id, policy = synthesized.only("AWS::CloudFront::ResponseHeadersPolicy")
    _, distribution = synthesized.only("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    region = synthesized.config.region
    assert "default-src 'self'" in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self' 'unsafe-eval'"  # no inline scripts; eval for Ajv's compiled schemas
    assert directives["object-src"] == "'none'"
    assert "frame-ancestors 'none'" in csp
    assert f"https://cognito-idp.{region}.amazonaws.com" in csp
    assert f"https://*.execute-api.{region}.amazonaws.com" in csp


def test_runtime_config_json_names_the_pool_client_api_and_stage(synthesized: Synthesized) -> None:
    # Given the bucket deployment and the config.json asset it uploads
    _, deployment = synthesized.only("Custom::CDKBucketDeployment")
    props = deployment["Properties"]
    (markers,) = [m for m in props["SourceMarkers"] if m]
    (config_file,) = list(synthesized.outdir.glob("asset.*/config.json"))
    # Deploy-time values are markers the handler replaces with JSON strings; quote them to parse the file here.
    document = json.loads(re.sub(r"(<<marker:0x[0-9a-f]+:\d+>>)", r'"\1"', config_file.read_text(encoding="utf-8")))
    # Then it holds exactly the keys the UI reads, with deploy-time values for the ids and the URL
    assert set(document) == {"region", "userPoolId", "userPoolClientId", "apiUrl", "stage", "authFlowType"}
    assert document["authFlowType"] == "USER_SRP_AUTH"
    assert document["region"] == synthesized.config.region
    assert document["stage"] == synthesized.config.stage
    pool_id = synthesized.logical_id(synthesized.stack.identity.user_pool)
    client_id = synthesized.logical_id(synthesized.stack.identity.client)
    assert render(markers[document["userPoolId"]]) == '"${' + pool_id + '}"'
    assert render(markers[document["userPoolClientId"]]) == '"${' + client_id + '}"'
    api_url = render(markers[document["apiUrl"]])
    assert api_url.startswith('"https://${')
    assert api_url.endswith('/"')
    assert props["DistributionPaths"] == ["/*"]
