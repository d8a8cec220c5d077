"""The fast path for output paths (``extraction.compile_path``) selects exactly what jmespath selects.

jmespath parses every expression; one made only of fields, indices, ``||``, ``&&``, ``==``/``!=`` and literals is
evaluated by closures (``FastPath``), anything else by jmespath itself. These tests compare the two on every path the
project ships against every recorded answer and stream record; on random expressions of the fast shape and of the
whole grammar on random documents; and on random strings of path characters, which jmespath either refuses (and so
does ``compile_path``) or reads the same way.
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
from jmespath.parser import ParsedResult

from inference_engine.extraction import FastPath, compile_path, extract_text, extract_usage
from inference_engine.schema import UsagePaths
from tests.fixtures.loader import load_recorded, recorded_formats

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PATH_KEYS = ("output_path", "input_tokens_path", "output_tokens_path", "stream_path")

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


def _outcome(search: Any, document: Any) -> tuple[str, Any]:
    try:
        return "value", search(document)
    except (JMESPathError, TypeError) as exc:  # functions on the wrong types; ordering a number and a string
        return "error", type(exc).__name__


def _same(ours: tuple[str, Any], reference: tuple[str, Any]) -> bool:
    """Equal outcomes of the same types all the way down (``1 == True`` and ``1 == 1.0`` are not enough)."""
    return json.dumps(ours, sort_keys=True) == json.dumps(reference, sort_keys=True) and type(ours[1]) is type(
        reference[1]
    )


SHIPPED_PATHS = shipped_paths()
DOCUMENTS = recorded_documents()
TGI_STREAM_PATH = "token.special == `false` && token.text || null"


def test_the_shipped_paths_take_the_fast_path_and_the_others_stay_with_jmespath() -> None:
    # Given every output, stream and usage path in the catalogue, the stage configs and the local inventory
    fast = {path for path in SHIPPED_PATHS if isinstance(compile_path(path), FastPath)}

    # Then the common ones take the fast path, the TGI stream's comparison (run on every token) among them
    assert {
        "[0].generated_text",
        "choices[0].message.content",
        "results[0].tokenCount || totalOutputTextTokenCount",
        "[0].details.generated_tokens || details.generated_tokens",
        TGI_STREAM_PATH,
    } <= fast
    # And filters and projections are left to jmespath
    assert "content[?type=='text'].text" in SHIPPED_PATHS
    assert not isinstance(compile_path("content[?type=='text'].text"), FastPath)


@pytest.mark.parametrize("path", SHIPPED_PATHS)
def test_every_shipped_path_selects_what_jmespath_selects_in_every_recorded_answer(path: str) -> None:
    # Given a path the project ships and every recorded answer and stream record of every format
    reference, ours = jmespath.compile(path), compile_path(path)

    # When both evaluate it on every document, then they select the very same value
    for document in DOCUMENTS:
        assert _same(_outcome(ours.search, document), _outcome(reference.search, document)), (path, document)


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


def test_the_stream_comparison_keeps_jmespaths_equality_of_numbers_and_booleans() -> None:
    # Given TGI-like records whose "special" is false, 0, 0.0, null or missing
    records = [{"token": {"special": value, "text": "t"}} for value in (False, 0, 0.0, None, True, 1, "false")]
    records.append({"token": {"text": "t"}})

    # Then the fast path selects the text only where jmespath does: false equals false only, never 0 or 0.0
    for record in records:
        assert compile_path(TGI_STREAM_PATH).search(record) == jmespath.search(TGI_STREAM_PATH, record)
    assert [compile_path(TGI_STREAM_PATH).search(record) for record in records] == ["t", *[None] * 7]


# --- random expressions on random documents --------------------------------------------------------------------

NAMES = ["a", "b", "text", "null", "true", "_x1"]
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False)
    | st.sampled_from([0.0, 1.0, -0.0, "", "t", "0", "a"])
)
documents = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(NAMES), children, max_size=4),
    max_leaves=24,
)
literals = st.sampled_from(["`1`", "`0`", "`true`", "`false`", "`null`", "'t'", '`"a"`', "`[]`", "`{}`", "`2.5`"])
functions = ["length", "to_string", "type", "keys", "values", "not_null", "abs", "max", "min", "sort", "reverse"]


def _fast_expressions() -> st.SearchStrategy[str]:
    """Expressions of the fast shape only: chains of fields and indices, ``@``, literals, ``||``, ``&&``, ``==``,
    ``!=``."""
    step = st.sampled_from(NAMES).map(lambda name: f".{name}") | st.integers(-3, 3).map(lambda i: f"[{i}]")
    start = st.sampled_from([*NAMES, "@"]) | st.integers(-3, 3).map(lambda i: f"[{i}]")
    chains = st.builds(lambda first, rest: first + "".join(rest), start, st.lists(step, max_size=3))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.builds(lambda x, y, o: f"({x}) {o} ({y})", inner, inner, st.sampled_from(["==", "!=", "&&", "||"]))

    return st.recursive(chains | literals, extend, max_leaves=6)


def _expressions() -> st.SearchStrategy[str]:
    """Expressions of the whole grammar (most of which the fast path leaves to jmespath)."""
    base = st.sampled_from(NAMES) | literals | st.just("@")

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return (
            st.builds(lambda x, y: f"{x}.{y}", inner, st.sampled_from(NAMES))
            | st.builds(lambda x, i: f"{x}[{i}]", inner, st.integers(-3, 3))
            | st.builds(lambda x, s: f"{x}[{s}]", inner, st.sampled_from(["1:", ":2", "::-1", "1:3:1", "-2:"]))
            | st.builds(lambda x, y: f"{x}[*].{y}", inner, st.sampled_from(NAMES))
            | st.builds(lambda x, y: f"{x}.*.{y}", inner, st.sampled_from(NAMES))
            | st.builds(lambda x, y: f"{x}[].{y}", inner, st.sampled_from(NAMES))
            | st.builds(lambda x, y, z: f"{x}[?{y}].{z}", inner, inner, st.sampled_from(NAMES))
            | st.builds(
                lambda x, y, o: f"{x} {o} {y}", inner, inner, st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
            )
            | st.builds(lambda x, y, o: f"({x}) {o} ({y})", inner, inner, st.sampled_from(["&&", "||", "|"]))
            | st.builds(lambda x: f"!({x})", inner)
            | st.builds(lambda x, y: f"{{k: {x}, l: {y}}}", inner, inner)
            | st.builds(lambda x, y: f"[{x}, {y}]", inner, inner)
            | st.builds(lambda f, x: f"{f}({x})", st.sampled_from(functions), inner)
        )

    return st.recursive(base, extend, max_leaves=6)


@pytest.mark.filterwarnings("ignore:deprecated string literal syntax:PendingDeprecationWarning")
@settings(max_examples=800, deadline=None)
@given(expression=_fast_expressions(), document=documents)
def test_random_expressions_of_the_fast_shape_take_it_and_select_what_jmespath_selects(
    expression: str, document: Any
) -> None:
    # Given a random expression of fields, indices, literals, ||, && and ==/!= and a random JSON document
    ours = compile_path(expression)

    # Then it takes the fast path and selects the very value jmespath selects (falsiness, 0/1 vs false/true included)
    assert isinstance(ours, FastPath), expression
    assert _same(_outcome(ours.search, document), _outcome(jmespath.compile(expression).search, document)), (
        expression,
        document,
    )


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.filterwarnings("ignore:deprecated string literal syntax:PendingDeprecationWarning")
@settings(max_examples=600, deadline=None)
@given(expression=_expressions(), document=documents)
def test_random_expressions_of_the_whole_grammar_select_what_jmespath_selects(expression: str, document: Any) -> None:
    # Given a random expression of the whole grammar and a random JSON document
    ours, reference = compile_path(expression), jmespath.compile(expression)

    # Then whichever way it is evaluated, it gives jmespath's value (or fails the same way in a function)
    assert _same(_outcome(ours.search, document), _outcome(reference.search, document)), (expression, document)


@pytest.mark.filterwarnings("ignore:deprecated string literal syntax:PendingDeprecationWarning")
@settings(max_examples=600, deadline=None)
@given(path=st.text(alphabet="ab0-1[]. |&*?@`'\"=!(){}:,$\t", max_size=14), document=documents)
def test_a_string_compiles_only_if_jmespath_reads_it_and_then_reads_the_same(path: str, document: Any) -> None:
    # Given any short string of path-like characters
    try:
        reference = jmespath.compile(path)
    except JMESPathError:
        # Then one jmespath refuses, compile_path refuses too
        with pytest.raises(JMESPathError):
            compile_path(path)
        return
    ours = compile_path(path)
    if not isinstance(ours, FastPath):
        # And one without a fast path is jmespath's own compiled expression (an ``&a`` even selects a non-JSON value)
        assert isinstance(ours, ParsedResult) and ours.parsed == reference.parsed
        return
    # And one on the fast path selects the same value
    assert _same(_outcome(ours.search, document), _outcome(reference.search, document)), (path, document)
