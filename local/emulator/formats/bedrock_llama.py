"""Meta Llama on Bedrock through InvokeModel (``prompt`` in, ``generation`` out)."""

from __future__ import annotations

from typing import Any, Final

from local.emulator.formats.base import ConverseProfile, ModelCall
from local.emulator.formats.bedrock_common import parse_body, stop_or_length
from local.emulator.generator import count_tokens, generate, last_user_text
from local.emulator.registry import ModelEntry
from local.emulator.schema_check import Spec, obj

DEFAULT_MAX_GEN_LEN: Final = 512
MAX_GEN_LEN: Final = 2048
REQUEST: Final = obj(
    {
        "prompt": Spec("string", min_length=1),
        "max_gen_len": Spec("integer", minimum=1, maximum=MAX_GEN_LEN),
        "temperature": Spec("number", minimum=0, maximum=1),
        "top_p": Spec("number", minimum=0, maximum=1),
        "images": Spec("array", items=Spec("string")),
    },
    required=("prompt",),
)


class BedrockMetaLlamaFormat:
    name = "bedrock-meta-llama"
    closing_chunks = 1

    def profile(self, entry: ModelEntry, /) -> ConverseProfile:
        return ConverseProfile(DEFAULT_MAX_GEN_LEN, entry.max_output_tokens or MAX_GEN_LEN, frozenset())

    def call(self, body: bytes, entry: ModelEntry, _model_id: str, /) -> ModelCall:
        payload = parse_body(body, REQUEST)
        prompt = payload["prompt"]
        generation = generate(
            prompt_key=prompt,
            last_user=last_user_text(prompt),
            input_tokens=count_tokens(prompt),
            max_tokens=min(payload.get("max_gen_len", DEFAULT_MAX_GEN_LEN), entry.max_output_tokens or MAX_GEN_LEN),
        )
        return ModelCall(payload, generation)

    def body(self, call: ModelCall, _model_id: str, /) -> dict[str, Any]:
        generation = call.generation
        return {
            "generation": generation.text,
            "prompt_token_count": generation.input_tokens,
            "generation_token_count": generation.output_tokens,
            "stop_reason": stop_or_length(generation.finish),
        }

    def chunks(self, call: ModelCall, _model_id: str, /) -> list[dict[str, Any]]:
        generation = call.generation
        tokens = generation.tokens or ("",)
        return [
            {
                "generation": token,
                "prompt_token_count": generation.input_tokens if index == 0 else None,
                "generation_token_count": index + 1 if generation.tokens else 0,
                "stop_reason": stop_or_length(generation.finish) if index == len(tokens) - 1 else None,
            }
            for index, token in enumerate(tokens)
        ]
