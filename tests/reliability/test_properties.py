"""Properties that must hold for any input: merge-patch laws, body rendering, output extraction, template bounds.

The engine's unit tests pin these behaviours on chosen examples (and a few on generated prompts); here every
input is generated, and what is asserted is the contract: what the function may return and the only errors it
may raise. Anything else escaping (a ``TypeError``, a ``UnicodeEncodeError``...) would be a 500 in the API.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inference_engine.catalogue import FORMATS, catalogue_json, load_catalogue
from inference_engine.engine import prepare
from inference_engine.errors import ConfigValidationError, OutputPathError, ResponseFormatError, TemplateError
from inference_engine.extraction import compile_path, extract_text, extract_usage, parse_json_body
from inference_engine.merge import apply_override, merge_patch
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.prompt_template import MAX_OUTPUT_CHARS, render_prompt
from inference_engine.schema import ModelConfig, UsagePaths
from inference_engine.streaming import TextStream
from tests.reliability.strategies import (
    conversations,
    jmespath_expressions,
    json_objects,
    json_values,
    templates,
    texts,
    words,
)
from tests.support.bodies import structure

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEMPLATED_FORMATS = [fmt for fmt in FORMATS if fmt != "bedrock-converse"]


# --- RFC 7396 merge patch ----------------------------------------------------------------------------


@PROPERTY
@given(target=json_values, patch=json_values.filter(lambda p: not isinstance(p, dict)))
def test_a_patch_that_is_not_an_object_replaces_the_whole_target(target: Any, patch: Any) -> None:
    assert merge_patch(target, patch) == patch


@PROPERTY
@given(target=json_objects)
def test_the_empty_patch_is_the_identity_on_objects(target: dict[str, Any]) -> None:
    assert merge_patch(target, {}) == target


@PROPERTY
@given(target=json_objects, patch=json_objects)
def test_each_key_follows_the_rfc_rule(target: dict[str, Any], patch: dict[str, Any]) -> None:
    result = merge_patch(target, patch)

    for key, value in target.items():
        if key not in patch:
            assert result[key] == value  # untouched
    for key, value in patch.items():
        if value is None:
            assert key not in result  # null deletes
        elif isinstance(value, dict):
            assert result[key] == merge_patch(target.get(key), value)  # objects merge recursively
        else:
            assert result[key] == value  # everything else, arrays with nulls inside included, replaces
    assert set(result) == (set(target) | {k for k, v in patch.items() if v is not None}) - {
        k for k, v in patch.items() if v is None
    }


@PROPERTY
@given(target=json_objects, patch=json_objects)
def test_merging_modifies_no_input_and_the_result_shares_nothing_with_the_patch(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    before = copy.deepcopy((target, patch))
    result = merge_patch(target, patch)
    assert (target, patch) == before

    _scribble(result)  # (untouched parts of the target may be shared: callers pass a fresh document)

    assert patch == before[1]


def _scribble(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _scribble(item)
        value["__scribbled__"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("__scribbled__")


@st.composite
def override_patches(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """A patch aimed at a real config: existing paths set to other JSON, deleted, or nested objects patched."""

    def patch_of(node: Any, depth: int) -> Any:
        if not isinstance(node, dict) or depth > 3 or draw(st.integers(0, 4)) == 0:
            return draw(json_values)
        keys = draw(st.lists(st.sampled_from([*node, "unknown_key"]), max_size=3, unique=True))
        return {key: patch_of(node.get(key), depth + 1) for key in keys}

    patch = patch_of(base, 0)
    return patch if isinstance(patch, dict) else {"model_kwargs": patch}


@PROPERTY
@given(data=st.data(), fmt=st.sampled_from(FORMATS))
def test_any_override_of_a_real_config_validates_or_is_refused_with_json_paths(data: st.DataObject, fmt: str) -> None:
    base = load_catalogue()[fmt]
    patch = data.draw(override_patches(catalogue_json(fmt)))

    try:
        merged = apply_override(base, patch)
    except ConfigValidationError as exc:
        refused: ConfigValidationError | None = exc
    else:
        refused = None
    if refused is not None:
        assert refused.details and all(detail.path for detail in refused.details)
        return
    # a valid result round-trips through JSON, and what the patch did not name is the base's
    assert ModelConfig.model_validate(json.loads(json.dumps(merged.to_json_dict()))) == merged
    for key, value in base.to_json_dict().items():
        if key not in patch:
            assert merged.to_json_dict()[key] == value


# --- request rendering -------------------------------------------------------------------------------


def blank_texts(conversation: dict[str, Any]) -> dict[str, Any]:
    """The same conversation with every text replaced by a harmless word."""

    def word(text: str) -> str:
        return "word" if text else ""  # an empty text stays empty: an empty system prompt means none

    def content(value: Any) -> Any:
        return word(value) if isinstance(value, str) else [{"text": word(block["text"])} for block in value]

    blanked: dict[str, Any] = {
        "messages": [{"role": m["role"], "content": content(m["content"])} for m in conversation["messages"]]
    }
    if "system" in conversation:
        blanked["system"] = word(conversation["system"])
    return blanked


def blank_for_converse(conversation: Conversation) -> bool:
    """Converse refuses blank text (checked before the call); see ``check_converse_conversation``."""
    system = conversation.system
    return any(not turn.text.strip() for turn in conversation.turns) or bool(system and not system.strip())


def unbounded(fmt: str) -> ModelConfig:
    return apply_override(load_catalogue()[fmt], {"constraints": None})


@PROPERTY
@given(conversation=conversations(), fmt=st.sampled_from(FORMATS))
def test_no_conversation_text_changes_the_body_structure_and_the_body_is_always_json(
    conversation: dict[str, Any], fmt: str
) -> None:
    config = unbounded(fmt)
    parsed = parse_conversation(conversation)
    if fmt == "bedrock-converse" and blank_for_converse(parsed):
        with pytest.raises(ConfigValidationError, match="blank"):
            prepare(config, parsed)
        return

    prepared = prepare(config, parsed)
    reference = prepare(config, parse_conversation(blank_texts(conversation)))

    if prepared.body_bytes is None:  # Converse: the parameters are the request
        assert structure(prepared.params) == structure(reference.params)
        assert json.loads(json.dumps(prepared.params)) == prepared.params
        return
    assert structure(prepared.body) == structure(reference.body)
    assert json.loads(prepared.body_bytes.decode("utf-8")) == prepared.body


@PROPERTY
@given(conversation=conversations(), fmt=st.sampled_from(TEMPLATED_FORMATS))
def test_every_turn_reaches_the_rendered_prompt_as_data(conversation: dict[str, Any], fmt: str) -> None:
    config = unbounded(fmt)
    parsed = parse_conversation(conversation)

    prepared = prepare(config, parsed)

    rendered = prepared.rendered_prompt or ""
    if config.prompt.template is None:
        assert rendered == parsed.last_user_text
    else:
        for turn in parsed.turns:
            assert turn.text.strip() in rendered


KWARGS_TEMPLATE = {"inputs": "{{prompt}}", "parameters": "{{model_kwargs}}", "t": "{{temperature?}}", "s": "x{{seed?}}"}


@PROPERTY
@given(kwargs=st.dictionaries(st.sampled_from(["temperature", "top_p", "max_new_tokens", "seed"]), json_values))
def test_any_model_kwargs_values_give_a_json_body_holding_them_verbatim(kwargs: dict[str, Any]) -> None:
    kwargs = {key: value for key, value in kwargs.items() if value is not None}  # null deletes in a patch
    config = apply_override(
        load_catalogue()["tgi"],
        {"model_kwargs": None, "constraints": None, "content_handler": {"request_template": KWARGS_TEMPLATE}},
    )
    config = apply_override(config, {"model_kwargs": kwargs})

    prepared = prepare(config, parse_conversation({"prompt": "Hi"}))

    assert prepared.body_bytes is not None
    body = json.loads(prepared.body_bytes.decode("utf-8"))
    assert body == prepared.body
    expected = json.loads(json.dumps(config.model_kwargs))  # (nulls nested in objects were deletions)
    assert body["parameters"] == expected
    assert body.get("t") == expected.get("temperature")  # a whole-value placeholder keeps the JSON type
    seed = expected.get("seed")
    assert body["s"] == "x" + (
        ""
        if seed is None
        else seed
        if isinstance(seed, str)
        else json.dumps(seed, ensure_ascii=False, separators=(",", ":"))
    )


# --- output extraction -------------------------------------------------------------------------------


def valid_expression(expression: str) -> bool:
    try:
        compile_path(expression)
    except Exception:
        return False
    return True


@PROPERTY
@given(document=json_values, expression=jmespath_expressions)
def test_extraction_returns_text_or_raises_only_an_output_path_error(document: Any, expression: str) -> None:
    assume(valid_expression(expression))
    try:
        text: str | OutputPathError = extract_text(document, expression)
    except OutputPathError as exc:
        text = exc
    assert isinstance(text, str) or text.path == expression


@PROPERTY
@given(document=json_values, first=jmespath_expressions, second=jmespath_expressions)
def test_usage_counts_are_non_negative_integers_or_unknown(document: Any, first: str, second: str) -> None:
    assume(valid_expression(first) and valid_expression(second))
    try:
        usage = extract_usage(document, UsagePaths(input_tokens_path=first, output_tokens_path=second))
    except OutputPathError:
        return
    for count in (usage.input_tokens, usage.output_tokens):
        assert count is None or (isinstance(count, int) and count >= 0)


@PROPERTY
@given(raw=st.binary(max_size=200) | st.builds(lambda v: json.dumps(v).encode(), json_values))
def test_any_bytes_parse_as_json_or_raise_only_a_response_format_error(raw: bytes) -> None:
    try:
        parse_json_body(raw)
    except ResponseFormatError as exc:
        message = exc.message
    else:
        message = "not valid JSON (parsed)"
    assert "not valid JSON" in message


STREAM_FORMATS = [fmt for fmt in FORMATS if load_catalogue()[fmt].content_handler.stream is not None]


def stream_records(fmt: str, pieces: list[str]) -> bytes:
    """A well-formed stream of ``pieces`` in the container format the catalogue adapter ``fmt`` reads."""
    documents: list[Any]
    if fmt == "tgi":
        documents = [{"token": {"text": p, "special": False}} for p in pieces]
        return b"".join(b"data:" + json.dumps(d).encode() + b"\n\n" for d in documents)
    if fmt == "openai-chat":
        documents = [{"choices": [{"delta": {"content": p}}]} for p in pieces]
        return b"".join(b"data: " + json.dumps(d).encode() + b"\n\n" for d in documents) + b"data: [DONE]\n\n"
    if fmt == "djl-lmi":
        return b"".join(json.dumps({"token": {"text": p}}).encode() + b"\n" for p in pieces)
    raise AssertionError(fmt)


@PROPERTY
@given(
    data=st.data(),
    fmt=st.sampled_from(["tgi", "openai-chat", "djl-lmi"]),
    pieces=st.lists(words, min_size=1, max_size=6),
)
def test_streamed_text_is_the_same_however_the_bytes_are_cut(data: st.DataObject, fmt: str, pieces: list[str]) -> None:
    assume("".join(pieces))  # (a stream of only empty tokens is reported as an output-path error)
    handler = load_catalogue()[fmt].content_handler
    assert handler.stream is not None
    raw = stream_records(fmt, pieces)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(raw) - 1)), max_size=10)))
    parts = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    decoder = TextStream(handler.stream.framing, handler.stream.output_path, handler.usage)

    deltas = [delta.text for part in parts for delta in decoder.feed(part)] + [d.text for d in decoder.finish()]

    assert "".join(deltas) == "".join(pieces)


@PROPERTY
@given(fmt=st.sampled_from(STREAM_FORMATS), parts=st.lists(st.binary(max_size=64) | words.map(str.encode), max_size=8))
def test_a_garbage_stream_raises_only_documented_errors(fmt: str, parts: list[bytes]) -> None:
    handler = load_catalogue()[fmt].content_handler
    assert handler.stream is not None
    decoder = TextStream(handler.stream.framing, handler.stream.output_path, handler.usage)
    try:
        for part in parts:
            for delta in decoder.feed(part):
                assert isinstance(delta, str)
        for delta in decoder.finish():
            assert isinstance(delta, str)
    except (ResponseFormatError, OutputPathError):
        pass


# --- prompt templates: bounded time and size ---------------------------------------------------------

TEMPLATE_BUDGET_S = 3.0  # the render deadline is 0.5 s; this only catches a render that ignores it


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=templates, conversation=conversations())
def test_a_template_renders_within_bounds_or_fails_with_a_template_error(
    source: str, conversation: dict[str, Any]
) -> None:
    messages = parse_conversation(conversation).messages_with_system()
    started = time.perf_counter()
    try:
        rendered = render_prompt(source, messages=messages)
    except TemplateError as exc:
        rendered, where = "", exc.details[0].path
    else:
        where = "prompt.template"
    assert where == "prompt.template"
    assert time.perf_counter() - started < TEMPLATE_BUDGET_S
    assert len(rendered) <= MAX_OUTPUT_CHARS


@PROPERTY
@given(
    source=st.lists(
        texts | st.sampled_from(["{{", "}}", "{%", "%}", "for", "in", "if", "endif", "endfor", "|", "("]), max_size=12
    ).map("".join)
)
def test_any_text_as_a_template_renders_or_fails_with_a_template_error(source: str) -> None:
    with contextlib.suppress(TemplateError):
        render_prompt(source, messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("fmt", TEMPLATED_FORMATS)
def test_every_catalogue_template_renders_generated_conversations(fmt: str) -> None:
    config = unbounded(fmt)

    @settings(max_examples=40, deadline=None)
    @given(conversation=conversations())
    def renders(conversation: dict[str, Any]) -> None:
        prepared = prepare(config, parse_conversation(conversation))
        assert prepared.body_bytes is not None and len(prepared.body_bytes) > 0

    renders()
