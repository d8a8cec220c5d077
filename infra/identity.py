"""Identity: the Cognito user pool, the admin group and the SPA's app client (no secret)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.stage_config import IdentitySettings

_THREAT_PROTECTION = {
    "audit": cognito.StandardThreatProtectionMode.AUDIT_ONLY,
    "enforced": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
}


class Identity(Construct):
    """Users sign in with username or email; admins are members of ``admin_group``; nobody signs up by themselves."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        admin_group: str,
        settings: IdentitySettings,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        threat_protection = _THREAT_PROTECTION.get(settings.threat_protection)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"model-studio-{stage}",
            self_sign_up_enabled=False,
            # A chosen username (it becomes cognito:username: the audit actor and the STS session name) or the email.
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
                password_history_size=12,
            ),
            mfa=cognito.Mfa.REQUIRED if settings.mfa == "required" else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS if threat_protection else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=threat_protection,
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        self.admin_group = cognito.CfnUserPoolGroup(
            self,
            "AdminGroup",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=admin_group,
            description="May override model configs, save and delete custom models, and read the audit log.",
            precedence=0,
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=f"model-studio-web-{stage}",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=settings.allow_password_auth),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(7),
        )
