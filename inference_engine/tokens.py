"""Token estimate and constraint checks, applied before any upstream call.

The estimate is deliberately simple and documented, because it runs before the model's own tokenizer
can be consulted: one token per 4 ASCII characters (rounded up) plus one token per non-ASCII
character. English text with BPE tokenizers averages about 4 characters per token; CJK and other
scripts are often one or more tokens per character, so counting them one each errs on the high side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from inference_engine.errors import ConstraintError, ErrorDetail
from inference_engine.schema import Constraints

# model_kwargs keys that mean "maximum tokens to generate", by the names containers and APIs use.
MAX_OUTPUT_KEYS = ("max_new_tokens", "max_tokens", "maxTokens", "max_gen_len", "maxTokenCount", "max_output_tokens")


def estimate_tokens(text: str) -> int:
    # Counting ASCII characters in C (encode drops every other character) rather than per character in Python.
    ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


def requested_output_tokens(model_kwargs: Mapping[str, Any]) -> int | None:
    for key in MAX_OUTPUT_KEYS:
        value = model_kwargs.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def check_constraints(constraints: Constraints, *, input_tokens: int, output_tokens: int | None) -> None:
    """Raise ``ConstraintError`` (HTTP 400) if the request cannot fit the model's declared limits."""
    if constraints.max_input_tokens is not None and input_tokens > constraints.max_input_tokens:
        raise ConstraintError(
            f"The input is about {input_tokens} tokens; this model accepts at most {constraints.max_input_tokens}.",
            details=[ErrorDetail("constraints.max_input_tokens", f"estimated input {input_tokens} tokens", "too_long")],
        )
    if constraints.max_total_tokens is not None:
        total = input_tokens + (output_tokens or 0)
        if total > constraints.max_total_tokens:
            raise ConstraintError(
                f"Input (about {input_tokens} tokens) plus requested output ({output_tokens or 0}) is {total} tokens; "
                f"this model allows at most {constraints.max_total_tokens}.",
                details=[ErrorDetail("constraints.max_total_tokens", f"estimated total {total} tokens", "too_long")],
            )
