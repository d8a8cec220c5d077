"""Overrides are RFC 7396 JSON Merge Patches of a base config, validated as a whole afterwards (DESIGN §2.3)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.catalogue import load_catalogue
from inference_engine.errors import ConfigValidationError
from inference_engine.merge import MAX_PATCH_BYTES, apply_override, diff_patch, merge_patch
from inference_engine.schema import BedrockProvider, SageMakerProvider

# RFC 7396 Appendix A, every example, in order.
RFC_7396_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_7396_EXAMPLES)
def test_merge_patch_matches_every_rfc_7396_example(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_merge_patch_modifies_neither_input() -> None:
    target = {"a": {"b": [1, {"c": 2}]}, "d": 1}
    patch = {"a": {"b": [3], "e": {"f": None}}, "d": None}
    before = (copy.deepcopy(target), copy.deepcopy(patch))

    result = merge_patch(target, patch)

    assert (target, patch) == before
    assert result == {"a": {"b": [3], "e": {}}}


def test_an_array_in_a_patch_is_copied_not_shared() -> None:
    patch = {"stops": [["x"]]}

    result = merge_patch({}, patch)
    result["stops"][0].append("y")

    assert patch == {"stops": [["x"]]}


# --- properties ----------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=3), json_values, max_size=4)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


@settings(max_examples=150, deadline=None)
@given(target=json_values, patch=json_values)
def test_applying_a_patch_twice_is_the_same_as_once(target: Any, patch: Any) -> None:
    once = merge_patch(target, patch)

    assert merge_patch(once, patch) == once


@settings(max_examples=150, deadline=None)
@given(source=json_objects, target=json_objects.map(_without_nulls))
def test_diff_patch_is_the_inverse_of_merge_patch(source: dict[str, Any], target: dict[str, Any]) -> None:
    # (a null *value* cannot be expressed by a merge patch: null means delete, so targets hold none at object level)
    assert merge_patch(source, diff_patch(source, target)) == target


@settings(max_examples=150, deadline=None)
@given(target=json_objects, patch=json_objects)
def test_no_null_from_a_patch_object_survives_the_merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    result = merge_patch(target, patch)

    for key, value in patch.items():
        if value is None:
            assert key not in result


# --- apply_override: merge, then validate the whole result ---------------------------------------


def tgi() -> Any:
    return load_catalogue()["tgi"]


def test_an_override_changes_only_what_it_names() -> None:
    base = tgi()

    merged = apply_override(base, {"model_kwargs": {"temperature": 0.1}, "name": "TGI cold"})

    assert merged.model_kwargs == {**base.model_kwargs, "temperature": 0.1}
    assert merged.name == "TGI cold"
    assert merged.content_handler == base.content_handler
    assert merged.prompt == base.prompt
    assert base.model_kwargs["temperature"] == 0.7  # the base is untouched


def test_null_deletes_and_arrays_replace() -> None:
    merged = apply_override(tgi(), {"model_kwargs": {"do_sample": None}, "prompt": {"stop_sequences": ["###"]}})

    assert "do_sample" not in merged.model_kwargs
    assert merged.prompt.stop_sequences == ["###"]


def test_deleting_an_optional_block_restores_its_default() -> None:
    merged = apply_override(tgi(), {"content_handler": {"stream": None, "usage": None}, "constraints": None})

    assert merged.content_handler.stream is None
    assert merged.supports_streaming is False
    assert merged.constraints.max_total_tokens is None


def test_an_invalid_merged_result_names_the_json_path_of_the_bad_field() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        apply_override(tgi(), {"provider": {"region": "mars"}, "prompt": {"stop_sequences": ["ok", ""]}})

    assert sorted(d.path for d in caught.value.details) == ["prompt.stop_sequences[1]", "provider.region"]


def test_deleting_a_required_field_is_reported_as_missing() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        apply_override(tgi(), {"name": None})

    assert [(d.path, d.type) for d in caught.value.details] == [("name", "missing")]


def test_switching_provider_type_requires_removing_the_old_providers_fields() -> None:
    # Given a SageMaker base and a patch that only flips the type (merge keeps endpoint_name etc.)
    with pytest.raises(ConfigValidationError) as caught:
        apply_override(tgi(), {"provider": {"type": "bedrock", "model_id": "amazon.titan-text-express-v1"}})
    assert {d.path for d in caught.value.details} == {
        "provider.endpoint_name",
        "provider.content_type",
        "provider.accept",
        "provider.endpoint_kwargs",
    }

    # When the patch nulls them, the result is a valid Bedrock config
    merged = apply_override(
        tgi(),
        {
            "provider": {
                "type": "bedrock",
                "model_id": "amazon.titan-text-express-v1",
                "endpoint_name": None,
                "content_type": None,
                "accept": None,
                "endpoint_kwargs": None,
            }
        },
    )
    assert isinstance(merged.provider, BedrockProvider)
    assert merged.provider.api == "converse"


def test_from_scratch_is_a_full_config_with_no_base() -> None:
    full = {
        "schema_version": 1,
        "id": "scratch",
        "name": "Scratch",
        "provider": {"type": "sagemaker", "endpoint_name": "ep", "region": "eu-west-1"},
    }

    config = apply_override(None, full)

    assert isinstance(config.provider, SageMakerProvider)
    assert config.provider.region == "eu-west-1"


def test_from_scratch_with_a_partial_config_names_what_is_missing() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        apply_override(None, {"name": "half"})

    assert sorted(d.path for d in caught.value.details) == ["id", "provider", "schema_version"]


@pytest.mark.parametrize(("patch", "kind"), [(json.dumps({"name": "x"}), "a JSON string"), ([{"name": "x"}], "list")])
def test_an_override_must_be_an_object(patch: Any, kind: str) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        apply_override(tgi(), patch)

    assert caught.value.message == f"The override must be a JSON object (a merge patch), not {kind}."
    assert [d.path for d in caught.value.details] == ["override"]


def test_an_oversized_override_is_refused_before_merging() -> None:
    patch = {"model_kwargs": {"blob": "x" * MAX_PATCH_BYTES}}

    with pytest.raises(ConfigValidationError) as caught:
        apply_override(tgi(), patch)

    assert caught.value.details[0].path == "override"
    assert caught.value.details[0].type == "too_long"
