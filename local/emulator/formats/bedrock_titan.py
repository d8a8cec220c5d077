"""Amazon Titan Text on Bedrock through InvokeModel."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from local.emulator.formats.base import ConverseProfile, ModelCall
from local.emulator.formats.bedrock_common import parse_body
from local.emulator.generator import FinishReason, count_tokens, generate, last_user_text
from local.emulator.registry import ModelEntry
from local.emulator.schema_check import Spec, obj

DEFAULT_MAX_TOKEN_COUNT: Final = 512
MAX_TOKEN_COUNT: Final = 8192
STREAM_WORDS_PER_CHUNK: Final = 4
_COMPLETION_REASON = {
    FinishReason.END: "FINISH",
    FinishReason.LENGTH: "LENGTH",
    FinishReason.STOP_SEQUENCE: "STOP_CRITERIA_MET",
}


@lru_cache(maxsize=8)
def request_spec(max_token_count: int) -> Spec:
    return obj(
        {
            "inputText": Spec("string", min_length=1),
            "textGenerationConfig": obj(
                {
                    "maxTokenCount": Spec("integer", minimum=0, maximum=max_token_count),
                    "temperature": Spec("number", minimum=0, maximum=1),
                    "topP": Spec("number", minimum=0, maximum=1),
                    "stopSequences": Spec("array", items=Spec("string")),
                }
            ),
        },
        required=("inputText",),
    )


class BedrockTitanTextFormat:
    name = "bedrock-titan-text"
    closing_chunks = 1

    def profile(self, entry: ModelEntry, /) -> ConverseProfile:
        return ConverseProfile(DEFAULT_MAX_TOKEN_COUNT, entry.max_output_tokens or MAX_TOKEN_COUNT, frozenset())

    def call(self, body: bytes, entry: ModelEntry, _model_id: str, /) -> ModelCall:
        payload = parse_body(body, request_spec(entry.max_output_tokens or MAX_TOKEN_COUNT))
        config = payload.get("textGenerationConfig") or {}
        text = payload["inputText"]
        generation = generate(
            prompt_key=text,
            last_user=last_user_text(text),
            input_tokens=count_tokens(text),
            max_tokens=config.get("maxTokenCount", DEFAULT_MAX_TOKEN_COUNT),
            stop_sequences=config.get("stopSequences") or (),
        )
        return ModelCall(payload, generation)

    def body(self, call: ModelCall, _model_id: str, /) -> dict[str, Any]:
        generation = call.generation
        return {
            "inputTextTokenCount": generation.input_tokens,
            "results": [
                {
                    "tokenCount": generation.output_tokens,
                    "outputText": generation.text,
                    "completionReason": _COMPLETION_REASON[generation.finish],
                }
            ],
        }

    def chunks(self, call: ModelCall, _model_id: str, /) -> list[dict[str, Any]]:
        generation = call.generation
        tokens = generation.tokens
        groups = [tokens[i : i + STREAM_WORDS_PER_CHUNK] for i in range(0, len(tokens), STREAM_WORDS_PER_CHUNK)] or [()]
        chunks = []
        emitted = 0
        for index, group in enumerate(groups):
            emitted += len(group)
            last = index == len(groups) - 1
            chunks.append(
                {
                    "outputText": "".join(group),
                    "index": 0,
                    "totalOutputTextTokenCount": emitted,
                    "completionReason": _COMPLETION_REASON[generation.finish] if last else None,
                    "inputTextTokenCount": generation.input_tokens if index == 0 else None,
                }
            )
        return chunks
