"""Hypothesis strategies shared by the reliability property tests: JSON, conversations, JMESPath, templates."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Text from every Unicode plane except lone surrogates (the API refuses those before the engine sees them),
# with the characters that break naive JSON or template splicing made likely.
NASTY = ['"', "\\", "{{", "}}", "{%", "%}", "\n", "\r\n", "\u2028", "\x00", "\ufeff", "🙂", '", "x": "', "{{prompt}}"]
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40) | st.sampled_from(NASTY)
words = st.lists(texts, min_size=1, max_size=4).map("".join)

json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)
json_objects = st.dictionaries(texts, json_values, max_size=5)


@st.composite
def conversations(draw: st.DrawFn) -> dict[str, Any]:
    """An invoke request's conversation: alternating user/assistant turns (user first and last), optional system
    messages and system prompt, content as a string or as text blocks."""
    turns = draw(st.integers(0, 3)) * 2 + 1
    messages: list[dict[str, Any]] = []
    if draw(st.booleans()):
        messages.append({"role": "system", "content": draw(words)})
    for index in range(turns):
        text = draw(words)
        content: Any = text if draw(st.booleans()) else [{"text": part} for part in (text[:3], text[3:]) if part]
        messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": content or text})
    data: dict[str, Any] = {"messages": messages}
    if draw(st.booleans()):
        data["system"] = draw(words)
    return data


def _jmespath_literal(value: Any) -> str:
    import json  # noqa: PLC0415

    return "`" + json.dumps(value).replace("`", "\\`") + "`"


identifiers = st.sampled_from(["a", "b", "text", "generated_text", "choices", "content", "delta", "token", "x_1"])
_leaf_expressions = st.one_of(
    identifiers,
    st.builds(lambda i: f"[{i}]", st.integers(-3, 3)),
    st.just("@"),
    st.just("*"),
    st.builds(_jmespath_literal, json_scalars.filter(lambda v: not isinstance(v, float))),
)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, b: f"{a}.{b}", inner, identifiers),
        st.builds(lambda a, i: f"{a}[{i}]", inner, st.integers(-3, 3)),
        st.builds(lambda a: f"{a}[*]", inner),
        st.builds(lambda a: f"{a}[]", inner),
        st.builds(lambda a, b: f"{a} || {b}", inner, inner),
        st.builds(lambda a, b: f"{a} && {b}", inner, inner),
        st.builds(lambda a, b: f"{a} | {b}", inner, inner),
        st.builds(lambda a, b: f"{a}[?{b}]", inner, inner),
        st.builds(lambda a, b: f"{a} == {b}", inner, inner),
        st.builds(
            lambda f, a: f"{f}({a})", st.sampled_from(["length", "to_string", "keys", "values", "max", "sort"]), inner
        ),
        st.builds(lambda a, b: f"join({a}, {b})", inner, inner),
        st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
        st.builds(lambda a: f"{{k: {a}}}", inner),
    )


jmespath_expressions = st.recursive(_leaf_expressions, _combine, max_leaves=6)


# --- prompt templates built from expensive constructs ----------------------------------------------

big = st.integers(0, 10**9)


def _template_piece() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda n: "{% for i in range(" + str(n) + ") %}x{% endfor %}", big),
        st.builds(
            lambda n, m: (
                "{% for i in range(" + str(n) + ") %}{% for j in range(" + str(m) + ") %}y{% endfor %}{% endfor %}"
            ),
            big,
            big,
        ),
        st.builds(lambda n: "{{ 'ab' * " + str(n) + " }}", big),
        st.builds(lambda n: "{{ [0] * " + str(n) + " }}", big),
        st.builds(lambda n: "{{ 'x'|center(" + str(n) + ") }}", big),
        st.builds(lambda n: "{{ '%" + str(n) + "d'|format(1) }}", big),
        st.builds(lambda n: "{{ '{:" + str(n) + "}'.format(1) }}", big),
        st.builds(lambda n: "{{ 7 ** " + str(n) + " }}", big),
        st.builds(lambda n: "{{ range(" + str(n) + ")|join(',') }}", big),
        st.builds(lambda n: "{{ messages|map(attribute='content')|join('-' * " + str(n) + ") }}", big),
        st.builds(
            lambda n: (
                "{% set ns = namespace(s='ab') %}{% for i in range(" + str(n) + ") %}{% set ns.s = ns.s ~ ns.s %}"
                "{% endfor %}{{ ns.s|length }}"
            ),
            st.integers(0, 80),
        ),
        st.builds(
            lambda n: "{% macro f(k) %}{% if k > 0 %}{{ f(k - 1) }}{% endif %}z{% endmacro %}{{ f(" + str(n) + ") }}",
            big,
        ),
        st.builds(lambda n: "{{ (messages * " + str(n) + ")|tojson }}", big),
        st.just("{{ messages[0].content }}{{ messages|length }}{{ bos_token }}{{ eos_token }}"),
        texts,
    )


templates = st.lists(_template_piece(), min_size=1, max_size=4).map("".join)
