"""The prompt sandbox's shortcuts (namespace attributes, the loop guard, plain-dict globals) decide and render
exactly as the full sandbox checks do."""

from __future__ import annotations

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from inference_engine.errors import TemplateError
from inference_engine.prompt_template import LOOP_GUARD, _compile, _environment, render_prompt

MESSAGES = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Bye"},
]
ATTRIBUTES = [
    "first",
    "items",
    "get",
    "update",
    "_private",
    "__class__",
    "__dict__",
    "_Namespace__attrs",
    "mro",
    "__init__",
]


@pytest.mark.parametrize("attribute", ATTRIBUTES)
def test_a_namespace_attribute_is_allowed_exactly_when_the_stock_sandbox_allows_it(attribute: str) -> None:
    # Given a namespace and the checks jinja2's immutable sandbox makes for any object
    namespace = Namespace(first=True)
    stock = ImmutableSandboxedEnvironment()

    # Then the shortcut gives the same answer
    assert _environment().is_safe_attribute(namespace, attribute, None) == stock.is_safe_attribute(
        namespace, attribute, None
    )


def test_namespaces_still_work_and_their_internals_stay_out_of_reach() -> None:
    # Given the Mistral-style "first turn" namespace
    source = (
        "{% set ns = namespace(first=true) %}"
        "{% for m in messages %}{{ ns.first }}{% set ns.first = false %}{% endfor %}"
    )

    # Then it renders, and reaching for its internals is a sandbox violation
    assert render_prompt(source, messages=MESSAGES) == "TrueFalseFalse"
    for probe in ("{{ namespace()._Namespace__attrs }}", "{{ namespace().__class__ }}"):
        with pytest.raises(TemplateError) as caught:
            render_prompt(probe, messages=MESSAGES)
        assert caught.value.details[0].type == "template_security"


def test_loops_in_loops_with_loop_variables_render_through_the_loop_guard() -> None:
    # Given nested loops that use the loop variable (jinja2 passes loop state to calls inside loop bodies)
    source = (
        "{% for m in messages %}{% for c in m['content'] %}{{ loop.index }}{{ c }}{% endfor %}"
        "{{ ',' if not loop.last }}{% endfor %}|{{ " + LOOP_GUARD + "([1, 2])|list|length }}"
    )

    # Then they render as in any jinja2 environment
    assert render_prompt(source, messages=MESSAGES) == "1H2i,1H2e3l4l5o,1B2y3e|2"


def test_compiled_templates_carry_the_environments_globals_as_a_plain_dict() -> None:
    # Given a compiled template
    template = _compile("{{ raise_exception is defined }}")

    # Then its globals are the environment's, copied once (no removed global came back)
    assert type(template.globals) is dict
    assert template.globals == dict(_environment().globals)
    assert "lipsum" not in template.globals and "raise_exception" in template.globals
