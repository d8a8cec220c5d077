"""The fast path for simple output paths (``extraction.compile_path``) selects exactly what JMESPath selects.

Simple paths (chains of fields and indices, and ``a || b`` of chains) are evaluated without the JMESPath
interpreter; everything else is left to jmespath. These tests compare the two on every path the project ships
against every recorded model answer, and on random paths against random documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jmespath.exceptions import JMESPathError

from inference_engine.extraction import SimplePath, compile_path, extract_text, extract_usage, is_simple_path
from inference_engine.schema import UsagePaths
from tests.fixtures.loader import load_recorded, recorded_formats

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PATH_KEYS = ("output_path", "input_tokens_path", "output_tokens_path")
SHIPPED_CONFIGS = [
    *sorted((PROJECT_ROOT / "inference_engine" / "catalogue").glob("*.json")),
    *sorted((PROJECT_ROOT / "infra" / "config").glob("*.json")),
    PROJECT_ROOT / "local" / "inventory.json",
]


def _paths_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PATH_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _paths_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _paths_in(item)


def shipped_paths() -> list[str]:
    found = {path for file in SHIPPED_CONFIGS for path in _paths_in(json.loads(file.read_text(encoding="utf-8")))}
    return sorted(found)


def _stream_documents(parts: list[bytes]) -> Iterator[Any]:
    """The JSON records of a recorded stream: Bedrock chunks (one document each), or SSE ``data:`` frames and
    JSON lines, whose records may span parts."""
    try:
        yield from [json.loads(part) for part in parts]
        return
    except json.JSONDecodeError:
        pass
    for line in b"".join(parts).decode("utf-8").splitlines():
        record = line.strip().removeprefix("data:").strip()
        if record.startswith(("{", "[")) and record != "[DONE]":
            yield json.loads(record)


def recorded_documents() -> list[Any]:
    documents: list[Any] = []
    for fmt in recorded_formats():
        recorded = load_recorded(fmt)
        documents.append(recorded.body)
        documents.extend(_stream_documents(recorded.stream_parts))
        documents.extend(recorded.stream_events)
    return documents


def _same(ours: Any, reference: Any) -> bool:
    """Equal values of the same types all the way down (``1 == True`` and ``1 == 1.0`` are not enough)."""
    return json.dumps(ours, sort_keys=True) == json.dumps(reference, sort_keys=True) and type(ours) is type(reference)


SHIPPED_PATHS = shipped_paths()
DOCUMENTS = recorded_documents()


def test_the_shipped_configs_use_simple_paths_and_the_others_still_go_to_jmespath() -> None:
    # Given every output and usage path in the catalogue, the stage configs and the local inventory
    simple = [path for path in SHIPPED_PATHS if is_simple_path(path)]
    other = [path for path in SHIPPED_PATHS if not is_simple_path(path)]

    # Then the common ones take the fast path and filters/projections/comparisons do not
    assert {
        "[0].generated_text",
        "choices[0].message.content",
        "results[0].tokenCount || totalOutputTextTokenCount",
    } <= set(simple)
    assert {"content[?type=='text'].text", "token.special == `false` && token.text || null"} <= set(other)
    assert all(isinstance(compile_path(path), SimplePath) for path in simple)
    assert not any(isinstance(compile_path(path), SimplePath) for path in other)


@pytest.mark.parametrize("path", SHIPPED_PATHS)
def test_every_shipped_path_selects_what_jmespath_selects_in_every_recorded_answer(path: str) -> None:
    # Given a path the project ships and every recorded answer and stream record of every format
    reference = jmespath.compile(path)

    # When both evaluate it on every document
    for document in DOCUMENTS:
        ours = compile_path(path).search(document)

        # Then they select the very same value
        assert _same(ours, reference.search(document)), (path, document)


def test_recorded_answers_still_give_the_recorded_text_and_usage_through_the_fast_path() -> None:
    # Given the TGI and Titan answers, whose text and usage paths are simple (usage with a fallback)
    tgi, titan = load_recorded("tgi"), load_recorded("bedrock-titan-text")

    # Then the text and token counts are the recorded ones
    assert extract_text(tgi.body, "[0].generated_text") == tgi.expected["text"]
    usage = extract_usage(
        titan.body,
        UsagePaths(
            input_tokens_path="inputTextTokenCount",
            output_tokens_path="results[0].tokenCount || totalOutputTextTokenCount",
        ),
    )
    assert (usage.input_tokens, usage.output_tokens) == (
        titan.expected["usage"]["input_tokens"],
        titan.expected["usage"]["output_tokens"],
    )


# --- random paths on random documents --------------------------------------------------------------

NAMES = ["a", "b", "text", "generated_text", "details", "tokens", "null", "true", "_x1"]
json_leaves = (
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.sampled_from(["", "t", "0"])
)
documents = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(NAMES), children, max_size=4),
    max_leaves=20,
)
spaces = st.sampled_from(["", " ", "  ", "\t", "\n", "\r"])
steps = st.sampled_from(NAMES) | st.builds(lambda i: f"[{i}]", st.integers(-4, 4)) | st.just("[00]")


@st.composite
def chains(draw: st.DrawFn) -> str:
    first = draw(steps)
    rest = draw(st.lists(steps, max_size=4))
    return first + "".join(step if step.startswith("[") else f".{step}" for step in rest)


@st.composite
def simple_paths(draw: st.DrawFn) -> str:
    alternatives = draw(st.lists(chains(), min_size=1, max_size=4))
    joined = alternatives[0]
    for alternative in alternatives[1:]:
        joined += draw(spaces) + "||" + draw(spaces) + alternative
    return draw(spaces) + joined + draw(spaces)


@settings(max_examples=400, deadline=None)
@given(path=simple_paths(), document=documents)
def test_random_simple_paths_select_what_jmespath_selects(path: str, document: Any) -> None:
    # Given a random chain-and-or path and a random JSON document
    assert is_simple_path(path)

    # Then the fast path and jmespath agree, falsy alternatives (0 is true, "" [] {} false null are not) included
    assert _same(compile_path(path).search(document), jmespath.search(path, document)), (path, document)


@pytest.mark.filterwarnings("ignore:deprecated string literal syntax:PendingDeprecationWarning")
@settings(max_examples=400, deadline=None)
@given(path=st.text(alphabet="ab0-1[]. |&*?@`'\"=!(){}:,$\t", max_size=14), document=documents)
def test_a_path_takes_the_fast_path_only_if_jmespath_reads_it_the_same_way(path: str, document: Any) -> None:
    # Given any short string of path-like characters
    try:
        reference = jmespath.compile(path)
    except JMESPathError:
        # Then one jmespath refuses never takes the fast path (and compile_path still raises)
        assert not is_simple_path(path)
        with pytest.raises(JMESPathError):
            compile_path(path)
        return
    # And one it accepts is either left to jmespath or selects the same value on the fast path
    if not is_simple_path(path):
        assert not isinstance(compile_path(path), SimplePath)
        return
    assert _same(compile_path(path).search(document), reference.search(document)), (path, document)
