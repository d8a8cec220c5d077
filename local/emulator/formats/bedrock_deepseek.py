"""DeepSeek-R1 on Bedrock through InvokeModel (``prompt`` in, ``choices[].text`` out, chain of thought inline).

The prompt ends inside the think block (the assistant marker, then ``<think>``, as Bedrock's guide formats it), so
the text starts with the reasoning and closes it with ``</think>`` before the answer; reasoning tokens count against
``max_tokens`` like the answer's, so a one-token request gets one reasoning word and no answer.
"""

from __future__ import annotations

from typing import Any, Final

from local.emulator.formats.base import ConverseProfile, ModelCall
from local.emulator.formats.bedrock_common import parse_body, stop_or_length
from local.emulator.generator import (
    FinishReason,
    Generation,
    count_tokens,
    generate,
    last_user_text,
    reasoning_words,
)
from local.emulator.registry import ModelEntry
from local.emulator.schema_check import Spec, obj

DEFAULT_MAX_TOKENS: Final = 8192
MAX_TOKENS: Final = 32768
END_OF_THOUGHT: Final = "\n</think>\n\n"
REQUEST: Final = obj(
    {
        "prompt": Spec("string", min_length=1),
        "max_tokens": Spec("integer", minimum=1, maximum=MAX_TOKENS),
        "temperature": Spec("number", minimum=0, maximum=1),
        "top_p": Spec("number", minimum=0, maximum=1),
        "stop": Spec("array", items=Spec("string", min_length=1)),
    },
    required=("prompt",),
)


class BedrockDeepSeekR1Format:
    name = "bedrock-deepseek-r1"
    closing_chunks = 1

    def profile(self, entry: ModelEntry, /) -> ConverseProfile:
        limit = entry.max_output_tokens or MAX_TOKENS
        return ConverseProfile(DEFAULT_MAX_TOKENS, limit, frozenset(), always_reasons=True)

    def call(self, body: bytes, entry: ModelEntry, _model_id: str, /) -> ModelCall:
        payload = parse_body(body, REQUEST)
        prompt = payload["prompt"]
        budget = min(payload.get("max_tokens", DEFAULT_MAX_TOKENS), entry.max_output_tokens or MAX_TOKENS)
        question = last_user_text(prompt)
        thought = reasoning_words(question)[:budget]
        answer = generate(
            prompt_key=prompt,
            last_user=question,
            input_tokens=count_tokens(prompt),
            max_tokens=budget - len(thought),
            stop_sequences=payload.get("stop", ()),
        )
        closing = (END_OF_THOUGHT,) if answer.tokens else ()
        tokens = (*thought, *closing, *(token.lstrip() if i == 0 else token for i, token in enumerate(answer.tokens)))
        finish = answer.finish if len(thought) < budget or answer.tokens else FinishReason.LENGTH
        return ModelCall(payload, Generation(tokens, finish, answer.stop_sequence, answer.input_tokens))

    def body(self, call: ModelCall, _model_id: str, /) -> dict[str, Any]:
        generation = call.generation
        return {"choices": [{"text": generation.text, "stop_reason": stop_or_length(generation.finish)}]}

    def chunks(self, call: ModelCall, _model_id: str, /) -> list[dict[str, Any]]:
        generation = call.generation
        tokens = generation.tokens or ("",)
        last = len(tokens) - 1
        return [
            {"choices": [{"text": token, "stop_reason": stop_or_length(generation.finish) if i == last else None}]}
            for i, token in enumerate(tokens)
        ]
