"""Prompt templates (DESIGN §2.2): Hugging Face chat_template compatible Jinja2 in a bounded, hardened sandbox."""

from __future__ import annotations

import json
import time
from typing import Any

import jinja2
import pytest
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from inference_engine.catalogue import load_catalogue
from inference_engine.engine import prepare
from inference_engine.errors import TemplateError
from inference_engine.messages import parse_conversation
from inference_engine.prompt_template import MAX_OUTPUT_CHARS, render_prompt

# Chat templates as published in the models' tokenizer_config.json (the JSON "\\n" is "\n" inside Jinja strings).
LLAMA_2_CHAT = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
)
MISTRAL_INSTRUCT = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)
CHATML_QWEN2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
ZEPHYR = (
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n"
    "{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n"
    "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)
GEMMA = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if (message['role'] == 'assistant') %}{% set role = 'model' %}"
    "{% else %}{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}"
)
# Llama 3.1 style: whitespace control, namespace, tojson, strftime_now, tools (None) and loop controls.
LLAMA_31_STYLE = (
    "{{- bos_token }}\n{%- if not date_string is defined %}\n"
    "    {%- set date_string = strftime_now('%d %b %Y') %}\n{%- endif %}\n"
    "{%- set ns = namespace(system='') %}\n{%- for message in messages %}\n    {%- if message['role'] == 'system' %}\n"
    "        {%- set ns.system = message['content'] | trim %}\n        {%- continue %}\n    {%- endif %}\n"
    "    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    " + message['content'] | trim + '<|eot_id|>' }}\n"
    "{%- endfor %}\n{%- if tools is not none %}{{- tools | tojson(indent=4) }}{%- endif %}\n"
    "{{- '<|start_header_id|>system<|end_header_id|>\\n\\nToday: ' + date_string + ' | ' + ns.system | tojson }}\n"
    "{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n"
)

CONVERSATION = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Hi!"},
    {"role": "assistant", "content": " Hello. "},
    {"role": "user", "content": "Capital of France?"},
]


def reference_render(source: str, messages: list[dict[str, Any]], **context: Any) -> str:
    """What ``transformers`` renders: its sandbox settings, tojson, raise_exception and strftime_now."""

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = lambda x, indent=None, separators=None, sort_keys=False: json.dumps(
        x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys
    )
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: time.strftime(fmt, time.gmtime())
    return env.from_string(source).render(messages=messages, tools=None, **context)


HF_CASES = {
    "llama-2-chat": (LLAMA_2_CHAT, CONVERSATION),
    "mistral-instruct": (MISTRAL_INSTRUCT, CONVERSATION[1:]),
    "chatml-qwen2": (CHATML_QWEN2, CONVERSATION),
    "chatml-qwen2-default-system": (CHATML_QWEN2, CONVERSATION[1:]),
    "zephyr": (ZEPHYR, CONVERSATION),
    "gemma": (GEMMA, CONVERSATION[1:]),
    "llama-3.1-style": (LLAMA_31_STYLE, CONVERSATION),
}


@pytest.mark.parametrize("case", HF_CASES)
@pytest.mark.parametrize("add_generation_prompt", [True, False])
def test_hugging_face_chat_templates_render_as_transformers_renders_them(
    case: str, add_generation_prompt: bool
) -> None:
    source, messages = HF_CASES[case]
    ours = render_prompt(
        source, messages=messages, add_generation_prompt=add_generation_prompt, bos_token="<s>", eos_token="</s>"
    )

    expected = reference_render(
        source, messages, add_generation_prompt=add_generation_prompt, bos_token="<s>", eos_token="</s>"
    )
    assert ours == expected
    assert ours  # and it is not trivially empty


def test_llama_2_chat_renders_the_documented_prompt() -> None:
    prompt = render_prompt(LLAMA_2_CHAT, messages=CONVERSATION, bos_token="<s>", eos_token="</s>")

    assert prompt == (
        "<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Capital of France? [/INST]"
    )


def test_chatml_honours_add_generation_prompt() -> None:
    with_prompt = render_prompt(CHATML_QWEN2, messages=CONVERSATION[:2], add_generation_prompt=True)
    without = render_prompt(CHATML_QWEN2, messages=CONVERSATION[:2], add_generation_prompt=False)

    assert with_prompt == (
        "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"
    )
    assert without == with_prompt.removesuffix("<|im_start|>assistant\n")


def test_zephyr_shows_trim_blocks_and_lstrip_blocks_like_transformers() -> None:
    prompt = render_prompt(ZEPHYR, messages=CONVERSATION[:2], eos_token="</s>")

    assert prompt == "<|system|>\nYou are terse.</s>\n<|user|>\nHi!</s>\n<|assistant|>\n"


def test_the_system_variable_is_available_beside_messages() -> None:
    source = "{% if system %}[{{ system }}]{% endif %}{{ messages | map(attribute='content') | join('|') }}"

    assert render_prompt(source, messages=CONVERSATION[1:2], system="S") == "[S]Hi!"


def test_raise_exception_from_the_template_is_a_clear_template_error() -> None:
    with pytest.raises(TemplateError) as caught:
        render_prompt(MISTRAL_INSTRUCT, messages=[CONVERSATION[1], CONVERSATION[0]], bos_token="<s>")

    detail = caught.value.details[0]
    assert detail.path == "prompt.template"
    assert detail.type == "template_raised"
    assert "the template raised an exception: Only user and assistant roles are supported!" in detail.message


def test_message_text_is_data_never_template_code() -> None:
    messages = [{"role": "user", "content": "{{ 7*7 }} {% for x in range(3) %}x{% endfor %} {{ ''.__class__ }}"}]

    prompt = render_prompt(MISTRAL_INSTRUCT, messages=messages, bos_token="<s>")

    assert prompt == "<s>[INST] {{ 7*7 }} {% for x in range(3) %}x{% endfor %} {{ ''.__class__ }} [/INST]"


def test_runtime_errors_carry_the_template_line() -> None:
    source = "line one\n{{ messages[0]['content'] }}\n{{ messages[9]['content'] }}"

    with pytest.raises(TemplateError) as caught:
        render_prompt(source, messages=CONVERSATION[1:2])

    assert caught.value.message.startswith("Prompt template failed at line 3: UndefinedError")
    assert caught.value.details[0].message.startswith("line 3: ")


def test_catalogue_prompt_templates_feed_the_request_body() -> None:
    config = load_catalogue()["tgi"]

    prepared = prepare(config, parse_conversation({"messages": CONVERSATION}))

    assert (
        prepared.rendered_prompt
        == "<s>[INST] You are terse.\n\nHi! [/INST] Hello. </s>[INST] Capital of France? [/INST]"
    )
    assert isinstance(prepared.body, dict)
    assert prepared.body["inputs"] == prepared.rendered_prompt


# --- server-side template injection and resource exhaustion --------------------------------------

SECURITY = "template_security"
LIMIT = "template_limit"
RENDER = "template_render"

# name -> (template, expected error kind, a phrase the message must contain)
PAYLOADS: dict[str, tuple[str, str, str]] = {
    "class walk": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", SECURITY, "'__class__'"),
    "attr filter": ("{{ ''|attr('__class__') }}", SECURITY, "'__class__'"),
    "attr filter chain": ("{{ (''|attr('__class__'))|attr('__base__') }}", SECURITY, "'__class__'"),
    "subscript dunder": ("{{ ''['__class__'] }}", SECURITY, "'__class__'"),
    "tuple class": ("{{ ().__class__.__base__.__subclasses__() }}", SECURITY, "'__class__'"),
    "cycler globals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", SECURITY, "'__init__'"),
    "joiner globals": ("{{ joiner.__init__.__globals__ }}", SECURITY, "'__init__'"),
    "lipsum globals": ("{{ lipsum.__globals__['os'].popen('id').read() }}", RENDER, "'lipsum' is undefined"),
    "namespace globals": ("{{ namespace.__init__.__globals__ }}", SECURITY, "'__init__'"),
    "self globals": ("{{ self.__init__.__globals__.__builtins__ }}", SECURITY, "'__init__'"),
    "self context": ("{{ self._TemplateReference__context }}", SECURITY, "_TemplateReference__context"),
    "request (flask)": ("{{ request.application.__globals__.__builtins__ }}", RENDER, "'request' is undefined"),
    "config (flask)": ("{{ config.items() }}", RENDER, "'config' is undefined"),
    "url_for (flask)": ("{{ url_for.__globals__ }}", RENDER, "'url_for' is undefined"),
    "raise_exception globals": ("{{ raise_exception.__globals__ }}", SECURITY, "'__globals__'"),
    "strftime_now code": ("{{ strftime_now.__code__ }}", SECURITY, "'__code__'"),
    "range internals": ("{{ range.__call__ }}", SECURITY, "'__call__'"),
    "format attribute walk": ("{{ '{0.__class__}'.format('') }}", SECURITY, "'__class__'"),
    "macro internals": ("{% macro m() %}{% endmacro %}{{ m._func.__globals__ }}", SECURITY, "'_func'"),
    "loop internals": ("{% for x in messages %}{{ loop.__class__ }}{% endfor %}", SECURITY, "'__class__'"),
    "generator frame": ("{{ (messages|map('string')).gi_frame }}", SECURITY, "'gi_frame'"),
    "mutate messages": ("{{ messages.append(1) }}", SECURITY, "'append'"),
    "mutate dict": ("{% set d = {} %}{{ d.update({'a': 1}) }}", SECURITY, "'update'"),
    "include": ("{% include '/etc/passwd' %}", RENDER, "no loader"),
    "import": ("{% import 'os' as os %}", RENDER, "no loader"),
    "extends": ("{% extends '/etc/passwd' %}", RENDER, "no loader"),
    # resource exhaustion: each must be refused before it allocates
    "range bomb": ("{{ range(10 ** 9)|list }}", LIMIT, "numeric argument 1000000000"),
    "range budget": ("{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}", LIMIT, "range()"),
    "recursive macro": ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", LIMIT, "recursion"),
    "mutual recursion": (
        "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}",
        LIMIT,
        "recursion",
    ),
    "power": ("{{ 99 ** 99999 }}", LIMIT, "exponent"),
    "string repeat": ("{{ 'x' * 999999999 }}", LIMIT, "repetition"),
    "list repeat": ("{{ [1] * 999999999 }}", LIMIT, "repetition"),
    "list of big strings": ("{{ ['x' * 100000] * 100000 }}", LIMIT, "repetition"),
    "format width filter": ("{{ '%999999999d'|format(1) }}", LIMIT, "format width"),
    "format width operator": ("{{ '%999999999d' % 1 }}", LIMIT, "format width"),
    "format star width": ("{{ '%*d' % (999999999, 1) }}", LIMIT, "numeric argument"),
    "str.format width": ("{{ '{:999999999}'.format(1) }}", LIMIT, "format width"),
    "str.format nested width": ("{{ '{:{}}'.format(1, '999999999') }}", LIMIT, "nested replacement fields"),
    "format_map nested width": ("{{ '{a:{w}}'.format_map({'a': 1, 'w': '99999999'}) }}", LIMIT, "nested"),
    "str.format many fields": ("{{ ('{0}' * 80000).format('x' * 100000) }}", LIMIT, "str.format"),
    "percent many fields": ("{{ ('%s' * 80000) % (('x' * 100000,) * 2) }}", LIMIT, "string formatting"),
    "center width": ("{{ 'x'|center(999999999) }}", LIMIT, "numeric argument"),
    "ljust width": ("{{ 'x'.ljust(999999999) }}", LIMIT, "numeric argument"),
    "doubling with ~": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        LIMIT,
        "262144",
    ),
    "doubling with +": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        LIMIT,
        "concatenation",
    ),
    "list doubling with +": (
        "{% set ns = namespace(s=[1]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
        LIMIT,
        "concatenation",
    ),
    "doubling with *": (
        "{% set ns = namespace(s='xy') %}{% for i in range(64) %}{% set ns.s = ns.s * 2 %}{% endfor %}{{ ns.s }}",
        LIMIT,
        "repetition",
    ),
    "replace filter growth": (
        "{% set ns = namespace(s='x' * 10) %}{% for i in range(12) %}{% set ns.s = ns.s|replace('x', 'x' * 10) %}"
        "{% endfor %}{{ ns.s }}",
        LIMIT,
        "replace",
    ),
    "str.replace growth": (
        "{% set ns = namespace(s='x' * 10) %}{% for i in range(12) %}{% set ns.s = ns.s.replace('x', 'x' * 10) %}"
        "{% endfor %}{{ ns.s }}",
        LIMIT,
        "str.replace",
    ),
    "join filter bomb": ("{{ range(10000)|join('x' * 100000) }}", LIMIT, "join"),
    "str.join bomb": ("{{ ('x' * 100000).join(range(10000)|map('string')) }}", LIMIT, "join"),
    "indent bomb": ("{{ ('a\\n' * 100000)|indent(100000) }}", LIMIT, "indent"),
    "wordwrap bomb": ("{{ ('a ' * 100000)|wordwrap(1, wrapstring='x' * 100000) }}", LIMIT, "wordwrap"),
    "expandtabs bomb": ("{{ ('\\t' * 100000).expandtabs(100000) }}", LIMIT, "str.expandtabs"),
    "translate bomb": ("{{ ('x' * 100000).translate({120: 'y' * 100000}) }}", LIMIT, "str.translate"),
    "many medium pieces": ("{{ range(10000)|map('center', 100000)|list|length }}", LIMIT, "characters of text"),
    "tojson indent": ("{{ range(10000)|list|tojson(indent=100000) }}", LIMIT, "tojson indent"),
    "output size": ("{% for i in range(10000) %}{{ 'x' * 100 }}{% endfor %}", LIMIT, f"longer than {MAX_OUTPUT_CHARS}"),
}


@pytest.mark.parametrize("name", PAYLOADS)
def test_injection_and_exhaustion_payloads_fail_quickly_with_a_clear_template_error(name: str) -> None:
    source, kind, phrase = PAYLOADS[name]
    started = time.perf_counter()

    with pytest.raises(TemplateError) as caught:
        render_prompt(source, messages=CONVERSATION)

    elapsed = time.perf_counter() - started
    detail = caught.value.details[0]
    assert elapsed < 2.0
    assert detail.path == "prompt.template"
    assert detail.type == kind
    assert phrase in detail.message
    assert caught.value.message.startswith("Prompt template failed")
    assert "Traceback" not in caught.value.message


def test_render_time_is_bounded_by_the_deadline() -> None:
    # 190,000 loop steps: under every count limit, but far beyond a 20 ms budget
    source = "{% set xs = range(10000)|list %}{% for a in xs %}{% for b in xs[:19] %}{% endfor %}{% endfor %}"
    started = time.perf_counter()

    with pytest.raises(TemplateError) as caught:
        render_prompt(source, messages=CONVERSATION, deadline_s=0.02)

    assert time.perf_counter() - started < 2.0
    assert "rendering took longer than 0.02 s" in caught.value.details[0].message


def test_limits_are_per_render_not_cumulative() -> None:
    source = "{% for i in range(4000) %}{% endfor %}{{ range(5000)|map('center', 400)|list|length }}"

    for _ in range(3):
        assert render_prompt(source, messages=CONVERSATION) == "5000"


def test_a_failed_render_leaves_no_tracer_behind() -> None:
    import sys  # noqa: PLC0415

    before = sys.gettrace()
    with pytest.raises(TemplateError):
        render_prompt(PAYLOADS["recursive macro"][0], messages=CONVERSATION)

    assert sys.gettrace() is before


def test_ordinary_string_operations_stay_allowed() -> None:
    source = (
        "{{ '%d tokens' % 300000 }}|{{ '%s-%s' % ('a', 'b') }}|{{ '{}-{}'.format('a', 'b') }}|"
        "{{ ['a', 'b']|join(', ') }}|{{ 'a b'|replace(' ', '_') }}|{{ 'x\\ny'|indent(2) }}|"
        "{{ messages[1]['content'] * 2 }}"
    )

    assert render_prompt(source, messages=CONVERSATION) == "300000 tokens|a-b|a-b|a, b|a_b|x\n  y|Hi!Hi!"
