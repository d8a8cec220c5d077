"""Compiled request templates and the engine's per-config plan give byte-identical bodies to the tree-walking
renderer they replace (kept below, verbatim, as the reference), and the same errors."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.catalogue import FORMATS, load_catalogue
from inference_engine.engine import prepare, template_variables
from inference_engine.errors import ErrorDetail, TemplateError
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.request_template import (
    PLACEHOLDER,
    compiled_template,
    referenced_variables,
    render_compiled,
    render_request,
)
from inference_engine.schema import ModelConfig

# --- the reference: the renderer before compilation (inference_engine/request_template.py at 71434af) ---------

_MISSING = object()
_OMIT = object()


def _lookup(variables: Mapping[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _referenced(template: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(template, str):
        found.update(m.group(1).split(".")[0] for m in PLACEHOLDER.finditer(template))
    elif isinstance(template, list):
        for item in template:
            found |= _referenced(item)
    elif isinstance(template, dict | Mapping):
        for item in template.values():
            found |= _referenced(item)
    return found


def _unknown(name: str, path: str, variables: Mapping[str, Any]) -> TemplateError:
    available = ", ".join(sorted(variables))
    message = f"unknown variable {{{{{name}}}}} (available: {available}; add '?' to make it optional)"
    return TemplateError(
        f"Request template at {path}: {message}", details=[ErrorDetail(path, message, "template_variable")]
    )


def _render(node: Any, variables: Mapping[str, Any], path: str) -> Any:
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole:
            value = _lookup(variables, whole.group(1))
            if value is _MISSING:
                if not whole.group(2):
                    raise _unknown(whole.group(1), path, variables)
                value = None
            return _OMIT if value is None else value

        def substitute(match: re.Match[str]) -> str:
            value = _lookup(variables, match.group(1))
            if value is _MISSING:
                if not match.group(2):
                    raise _unknown(match.group(1), path, variables)
                return ""
            return "" if value is None else _text(value)

        return PLACEHOLDER.sub(substitute, node)
    if node is None or isinstance(node, bool | int | float):
        return node
    if isinstance(node, list):
        items = [_render(item, variables, f"{path}[{i}]") for i, item in enumerate(node)]
        return [item for item in items if item is not _OMIT]
    if isinstance(node, dict | Mapping):
        rendered = {key: _render(item, variables, f"{path}.{key}") for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not _OMIT}
    return node


def reference_render(
    template: Any, variables: Mapping[str, Any], path: str = "content_handler.request_template"
) -> Any:
    result = _render(template, variables, path)
    return None if result is _OMIT else result


# --- comparison -------------------------------------------------------------------------------------------------


def outcome(render: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """("ok", exact JSON text) or ("error", message and details): what a caller can observe of a render."""
    try:
        body = render(*args, **kwargs)
    except TemplateError as exc:
        return "error", (exc.message, [(d.path, d.message, d.type) for d in exc.details])
    return "ok", json.dumps(body, ensure_ascii=False, separators=(",", ":"))


NAMES = ["prompt", "system", "stop", "obj", "n", "flag", "missing"]
placeholders = st.builds(
    lambda name, sub, optional, left, right: "{{" + left + name + sub + ("?" if optional else "") + right + "}}",
    st.sampled_from(NAMES),
    st.sampled_from(["", ".a", ".b", ".a.c"]),
    st.booleans(),
    st.sampled_from(["", " "]),
    st.sampled_from(["", "  "]),
)
literal_text = st.sampled_from(["", "x", "{", "}}", "{{", "{{ }}", '"q"', "é", "\\n"])
template_strings = st.lists(placeholders | literal_text, min_size=1, max_size=4).map("".join) | placeholders
template_leaves = template_strings | st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False)
templates = st.recursive(
    template_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["k", "l", "m", "n"]), children, max_size=4)
    ),
    max_leaves=16,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3)
    ),
    max_leaves=8,
)
variable_sets = st.dictionaries(st.sampled_from(NAMES[:-1]), json_values, max_size=6)


@settings(max_examples=600, deadline=None)
@given(template=templates, variables=variable_sets)
def test_a_compiled_template_renders_exactly_what_the_tree_walker_rendered(
    template: Any, variables: dict[str, Any]
) -> None:
    # Given any template (placeholders whole, interpolated, dotted, optional; literals of every JSON type) and variables

    # When both renderers render it
    ours = outcome(render_request, template, variables)
    reference = outcome(reference_render, template, variables)

    # Then the bodies are byte-identical, or both fail with the same message and details, and the names agree
    assert ours == reference
    assert referenced_variables(template) == _referenced(template)


@settings(max_examples=200, deadline=None)
@given(template=templates, first=variable_sets, second=variable_sets)
def test_a_cached_compiled_template_renders_each_call_with_that_calls_variables(
    template: Any, first: dict[str, Any], second: dict[str, Any]
) -> None:
    # Given one template object rendered twice (the second render comes from the cache)
    outcome(render_request, template, first)

    # Then the second render is the reference render of the second variables, and the first result was not shared
    assert outcome(render_request, template, second) == outcome(reference_render, template, second)


def test_a_rendered_body_shares_no_container_with_the_template() -> None:
    # Given a template whose literal parts are containers
    template: Any = {"a": {"b": [1, 2]}, "c": ["{{prompt}}", {"d": True}]}

    # When it is rendered twice and the first body is mutated
    first: Any = render_request(template, {"prompt": "hi"})
    first["a"]["b"].append(3)
    first["c"][1]["e"] = 1

    # Then neither the template nor the next body changed
    assert template == {"a": {"b": [1, 2]}, "c": ["{{prompt}}", {"d": True}]}
    assert render_request(template, {"prompt": "hi"}) == {"a": {"b": [1, 2]}, "c": ["hi", {"d": True}]}


def test_an_error_names_the_caller_path_and_every_available_variable() -> None:
    # Given a nested unknown variable and a custom base path
    template = {"x": [{"y": "a{{nope}}b"}]}

    # Then the error is the reference's, path included
    assert outcome(render_request, template, {"prompt": "p"}, path="base") == outcome(
        reference_render, template, {"prompt": "p"}, "base"
    )


# --- the engine: prepare() with its per-config plan against template_variables() + the reference -----------------

conversations = st.builds(
    lambda turns, system: {
        "messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)],
        **({"system": system} if system else {}),
    },
    st.lists(st.text(min_size=1, max_size=12).filter(str.strip), min_size=1, max_size=5).filter(
        lambda ts: len(ts) % 2 == 1
    ),
    st.none() | st.text(min_size=1, max_size=12).filter(str.strip),
)


def _templated(fmt: str) -> ModelConfig:
    return apply_override(load_catalogue()[fmt], {"constraints": None})


SAGEMAKER_OR_INVOKE = [fmt for fmt in FORMATS if fmt != "bedrock-converse"]


@settings(max_examples=150, deadline=None)
@given(fmt=st.sampled_from(SAGEMAKER_OR_INVOKE), data=conversations, stream=st.booleans())
def test_prepare_renders_every_catalogue_body_exactly_as_the_full_variables_and_the_reference_do(
    fmt: str, data: dict[str, Any], stream: bool
) -> None:
    # Given a catalogue adapter with a request template and any conversation, buffered or streamed
    config = _templated(fmt)
    conversation = parse_conversation(data)
    streamed = stream and config.supports_streaming

    # When prepare renders it (variables built only for the names the template uses)
    prepared = prepare(config, conversation, stream=stream)

    # Then the body bytes are those of the reference renderer over every variable
    assert prepared.rendered_prompt is not None
    variables = template_variables(config, conversation, prepared.rendered_prompt, stream=streamed)
    expected = reference_render(config.content_handler.request_template, variables)
    assert prepared.body_bytes == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert prepared.body == expected


@pytest.mark.parametrize("fmt", SAGEMAKER_OR_INVOKE)
def test_an_unknown_variable_in_prepare_lists_every_variable_like_before(fmt: str) -> None:
    # Given an adapter whose template names a variable that does not exist
    config = apply_override(
        _templated(fmt), {"content_handler": {"request_template": {"x": "{{prompt}}", "y": "{{nope}}"}}}
    )
    conversation = Conversation.from_prompt("Hi", system="Be brief.")

    # When it is prepared
    with pytest.raises(TemplateError) as caught:
        prepare(config, conversation)

    # Then the error is the reference's over the full variables (model_kwargs keys and built-ins alike)
    prompt = prepare(
        apply_override(config, {"content_handler": {"request_template": "{{prompt}}"}}), conversation
    ).rendered_prompt
    assert prompt is not None
    variables = template_variables(config, conversation, prompt)
    assert outcome(reference_render, config.content_handler.request_template, variables) == (
        "error",
        (caught.value.message, [(d.path, d.message, d.type) for d in caught.value.details]),
    )


def test_prepare_params_are_a_fresh_dict_per_call() -> None:
    # Given one config prepared twice
    config = load_catalogue()["tgi"]
    first = prepare(config, Conversation.from_prompt("a"))

    # When a caller changes the first call's parameters
    first.params["EndpointName"] = "changed"

    # Then the next call is not affected
    assert prepare(config, Conversation.from_prompt("b")).params["EndpointName"] == "tgi-mistral-7b"


def test_equal_templates_in_new_objects_are_compiled_once_and_key_order_is_kept() -> None:
    # Given the same template content in two objects, and one with the same keys in another order
    template: Any = {"inputs": "{{prompt}}", "parameters": {"max_new_tokens": 7, "details": True}}
    same = json.loads(json.dumps(template))
    reordered: Any = {"parameters": {"details": True, "max_new_tokens": 7}, "inputs": "{{prompt}}"}

    # When each is compiled
    first, second, third = (compiled_template(t) for t in (template, same, reordered))

    # Then the equal copy reuses the compiled form, and the reordered one renders its own key order
    assert second is first
    assert third is not first
    assert json.dumps(render_compiled(third, {"prompt": "hi"})) == json.dumps(
        {"parameters": {"details": True, "max_new_tokens": 7}, "inputs": "hi"}
    )
    assert json.dumps(render_compiled(first, {"prompt": "hi"})) == json.dumps(
        {"inputs": "hi", "parameters": {"max_new_tokens": 7, "details": True}}
    )


def test_overrides_of_one_base_leave_its_json_form_and_each_other_alone() -> None:
    # Given one base config and two overrides of it, one deleting a kwarg
    base = load_catalogue()["tgi"]
    before = base.to_json_dict()
    hotter = apply_override(base, {"model_kwargs": {"temperature": 0.9}})
    no_top_p = apply_override(base, {"model_kwargs": {"top_p": None}})

    # Then each override sees the base's own values, and the base is unchanged
    assert hotter.model_kwargs["temperature"] == 0.9 and hotter.model_kwargs["top_p"] == before["model_kwargs"]["top_p"]
    assert "top_p" not in no_top_p.model_kwargs
    assert no_top_p.model_kwargs["temperature"] == before["model_kwargs"]["temperature"]
    assert base.to_json_dict() == before
    assert apply_override(base, {}).to_json_dict() == before
