"""Web: the SPA in a private S3 bucket behind CloudFront (origin access control, security headers).

``Web`` holds the bucket and the distribution (so the API can allow the site's origin); ``WebContent``
uploads the built app and writes ``config.json`` (pool, client, API URL) once those exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

RUNTIME_CONFIG_KEY = "config.json"


def content_security_policy(region: str) -> str:
    """Same-origin app code; the browser talks only to Cognito and this region's API Gateway."""
    return "; ".join(
        [
            "default-src 'self'",
            # Ajv compiles the ModelConfig JSON Schema into a validator with Function(); inline scripts stay blocked.
            "script-src 'self' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",  # Cloudscape and the code editor inject styles at runtime
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self' https://cognito-idp.{region}.amazonaws.com https://*.execute-api.{region}.amazonaws.com",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class Web(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: str, region: str, log_retention_days: int
    ) -> None:
        super().__init__(scope, construct_id)
        self.logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            # CloudFront standard logs are delivered with an ACL grant.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(log_retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bucket = s3.Bucket(
            self,
            "SiteBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30))],
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="s3/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="model-studio: CSP, HSTS, no framing, no sniffing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(region), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, preload=True, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(protection=True, mode_block=True, override=True),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(), microphone=(), geolocation=(), payment=(), usb=()",
                        override=True,
                    ),
                    cloudfront.ResponseCustomHeader(
                        header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                    ),
                ]
            ),
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        never_cached = cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            response_headers_policy=self.headers,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"model-studio {stage} web app",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            additional_behaviors={f"/{RUNTIME_CONFIG_KEY}": never_cached, "/index.html": never_cached},
            # Client-side routes: unknown paths (403 from a private bucket) serve the app shell.
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path="/index.html",
                    ttl=Duration.seconds(0),
                )
                for status in (403, 404)
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs_bucket,
            log_file_prefix="cloudfront/",
        )

    @property
    def origin(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"

    @property
    def url(self) -> str:
        return f"{self.origin}/"


class WebContent(Construct):
    """Uploads the built SPA and the runtime ``config.json``, then invalidates the distribution."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        web: Web,
        assets_dir: Path,
        runtime_config: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Deployment",
            destination_bucket=web.bucket,
            sources=[
                s3deploy.Source.asset(str(assets_dir), exclude=[".vite"]),  # the build manifest
                s3deploy.Source.json_data(RUNTIME_CONFIG_KEY, dict(runtime_config)),
            ],
            distribution=web.distribution,
            distribution_paths=["/*"],
            prune=True,
            memory_limit=512,
        )
