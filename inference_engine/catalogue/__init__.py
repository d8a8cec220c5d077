"""The catalogue of base adapters: one validated JSON ``ModelConfig`` per real container/API format.

Files are data, not code: ``<format>.json`` in this folder. An admin starts from one of them (or from
a model deployed with the app) and edits it; nothing here is special-cased by the engine.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from inference_engine.schema import ModelConfig, parse_model_config

FORMATS = (
    "tgi",
    "djl-lmi",
    "jumpstart-llama2-chat",
    "openai-chat",
    "bedrock-converse",
    "bedrock-anthropic-messages",
    "bedrock-titan-text",
    "bedrock-meta-llama",
    "bedrock-deepseek-r1",
)


def catalogue_json(fmt: str) -> dict[str, object]:
    """The raw JSON of one catalogue adapter."""
    if fmt not in FORMATS:
        raise KeyError(f"unknown catalogue format {fmt!r}; known: {', '.join(FORMATS)}")
    text = resources.files(__name__).joinpath(f"{fmt}.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


@cache
def load_catalogue() -> dict[str, ModelConfig]:
    """Every catalogue adapter, validated, by format name."""
    return {fmt: parse_model_config(catalogue_json(fmt)) for fmt in FORMATS}


def format_of(config: ModelConfig) -> str | None:
    """The catalogue format a config speaks: the one adapter with its provider, API and output path (the wire shape
    an answer comes back in), or None when none or several match (an adapter written by hand)."""

    def shape(model: ModelConfig) -> tuple[object, ...]:
        provider = model.provider
        return provider.type, getattr(provider, "api", None), model.content_handler.output_path

    wanted = shape(config)
    matches = [fmt for fmt, adapter in load_catalogue().items() if shape(adapter) == wanted]
    return matches[0] if len(matches) == 1 else None
