"""A Bedrock model the emulator serves through Converse only (e.g. Amazon Nova)."""

from __future__ import annotations

from typing import Any, Final

from local.emulator.formats.base import ConverseProfile, ModelCall
from local.emulator.registry import ModelEntry
from local.emulator.service_errors import bedrock_validation

DEFAULT_MAX_TOKENS: Final = 5000


class BedrockConverseOnlyFormat:
    name = "bedrock-converse-only"
    closing_chunks = 1

    def profile(self, entry: ModelEntry, /) -> ConverseProfile:
        limit = entry.max_output_tokens or DEFAULT_MAX_TOKENS
        return ConverseProfile(limit, limit, frozenset({"inferenceConfig"}))

    def call(self, _body: bytes, _entry: ModelEntry, model_id: str, /) -> ModelCall:
        raise bedrock_validation(
            f"The emulator serves {model_id} through Converse and ConverseStream only; "
            "use the Converse API or register the model id with an InvokeModel format."
        )

    def body(self, _call: ModelCall, _model_id: str, /) -> dict[str, Any]:
        raise NotImplementedError(self.name)

    def chunks(self, _call: ModelCall, _model_id: str, /) -> list[dict[str, Any]]:
        raise NotImplementedError(self.name)
