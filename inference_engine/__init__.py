"""model-studio's inference engine: serializable model adapters for SageMaker and Bedrock.

No knowledge of Lambda, HTTP or CDK lives here. The public surface:
``parse_model_config``/``ModelConfig`` (schema), ``apply_override`` (merge patch),
``prepare``/``invoke``/``stream`` (engine), ``ClientFactory`` (credentials), ``load_catalogue``.
"""

from inference_engine.credentials import ClientFactory, ClientSettings
from inference_engine.engine import (
    InvokeResult,
    StreamDelta,
    StreamEnd,
    StreamReasoning,
    Usage,
    invoke,
    prepare,
    stream,
)
from inference_engine.errors import (
    ConfigValidationError,
    ConstraintError,
    CredentialsError,
    EngineError,
    ErrorDetail,
    ModelError,
    OutputPathError,
    ResponseFormatError,
    TemplateError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.merge import apply_override, diff_patch, merge_patch
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.schema import ModelConfig, model_config_json_schema, parse_model_config

__all__ = [
    "ClientFactory",
    "ClientSettings",
    "ConfigValidationError",
    "ConstraintError",
    "Conversation",
    "CredentialsError",
    "EngineError",
    "ErrorDetail",
    "InvokeResult",
    "ModelConfig",
    "ModelError",
    "OutputPathError",
    "ResponseFormatError",
    "StreamDelta",
    "StreamEnd",
    "StreamReasoning",
    "TemplateError",
    "UpstreamError",
    "UpstreamThrottledError",
    "UpstreamTimeoutError",
    "Usage",
    "apply_override",
    "diff_patch",
    "invoke",
    "merge_patch",
    "model_config_json_schema",
    "parse_conversation",
    "parse_model_config",
    "prepare",
    "stream",
]
