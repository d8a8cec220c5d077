"""Every format by its registry name (an explicit table, not import side effects)."""

from __future__ import annotations

from typing import Final

from local.emulator.formats.base import BedrockModelFormat, ContainerFormat
from local.emulator.formats.bedrock_anthropic import BedrockAnthropicFormat
from local.emulator.formats.bedrock_deepseek import BedrockDeepSeekR1Format
from local.emulator.formats.bedrock_llama import BedrockMetaLlamaFormat
from local.emulator.formats.bedrock_titan import BedrockTitanTextFormat
from local.emulator.formats.converse_only import BedrockConverseOnlyFormat
from local.emulator.formats.djl_lmi import DjlLmiFormat
from local.emulator.formats.jumpstart_llama2 import JumpStartLlama2ChatFormat
from local.emulator.formats.openai_chat import OpenAiChatFormat
from local.emulator.formats.tgi import TgiFormat

CONTAINER_FORMATS: Final[dict[str, ContainerFormat]] = {
    "tgi": TgiFormat(),
    "djl-lmi": DjlLmiFormat(),
    "jumpstart-llama2-chat": JumpStartLlama2ChatFormat(),
    "openai-chat": OpenAiChatFormat(),
}
BEDROCK_FORMATS: Final[dict[str, BedrockModelFormat]] = {
    "bedrock-anthropic-messages": BedrockAnthropicFormat(),
    "bedrock-titan-text": BedrockTitanTextFormat(),
    "bedrock-meta-llama": BedrockMetaLlamaFormat(),
    "bedrock-deepseek-r1": BedrockDeepSeekR1Format(),
    "bedrock-converse-only": BedrockConverseOnlyFormat(),
}
