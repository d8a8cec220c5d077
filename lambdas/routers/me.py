"""GET /me: who am I, am I an admin, what may I do in this stage."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from inference_engine.policy import is_admin
from lambdas.api_models import Capabilities, MeResponse, error_responses
from lambdas.guard import request_context
from lambdas.services import Services


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/me", summary="The caller's identity and capabilities", tags=["identity"], responses=error_responses(401)
    )
    def get_me() -> MeResponse:
        ctx = request_context(router)
        policy = services.policy
        admin = is_admin(ctx.caller, policy)
        return MeResponse(
            username=ctx.caller.username,
            sub=ctx.caller.sub,
            groups=sorted(ctx.caller.groups),
            is_admin=admin,
            stage=policy.stage,
            admin_group=policy.admin_group,
            capabilities=Capabilities(
                overrides=admin,
                cross_account=admin and policy.cross_account_enabled,
                custom_bedrock_endpoints=admin and policy.allow_custom_bedrock_endpoints,
            ),
        )

    return router
