"""Prompt templates: Hugging Face ``chat_template``-compatible Jinja2, rendered in a bounded sandbox.

An admin can paste a model's ``chat_template`` as is. The environment is Jinja2's
``ImmutableSandboxedEnvironment`` (what ``transformers`` uses), configured like ``transformers``
(``trim_blocks``, ``lstrip_blocks``, ``loopcontrols``, its ``tojson``, ``raise_exception``,
``strftime_now``), and hardened beyond it:

- unsafe attribute access (``__class__``, ``__globals__``, ``mro``, ...) is an error, not a silent
  empty string; the ``cycler``/``joiner``/``lipsum`` globals are removed;
- numeric arguments of calls and filters, repetition (``*``), exponents and format widths are bounded,
  and the operations that grow text or lists (``+``, ``*``, ``%``, ``join``, ``replace``, ``format``,
  ``indent``, ...) are sized from their operands before they run, so a template cannot allocate
  gigabytes in one expression; the text one render builds in total is budgeted too;
- render time is bounded by a deadline checked wherever a template can repeat work (every loop step,
  call, macro, operator, filter and string join), without Python-level tracing, and output size is
  bounded while it is produced;
- every failure is a ``TemplateError`` whose message carries the template line.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from types import BuiltinMethodType
from typing import Any, NoReturn

import jinja2
import jinja2.runtime
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from inference_engine.errors import ErrorDetail, TemplateError

MAX_OUTPUT_CHARS = 256 * 1024
MAX_INT_ARGUMENT = 100_000
MAX_RANGE_ITEMS = 10_000
MAX_FORMAT_WIDTH = 10_000
MAX_EXPONENT = 256
DEFAULT_DEADLINE_S = 0.5
MAX_JSON_INDENT = 16

_NESTED_FORMAT_SPEC = re.compile(r"\{[^{}]*:[^{}]*\{")
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?|\{[^{}]*?:[^{}]*?(\d+)[^{}]*?\}")


class _TemplateLimitError(Exception):
    """Raised inside the sandbox when a bound is exceeded; becomes a TemplateError."""


class _TemplateRaisedError(Exception):
    """``raise_exception("...")`` called by the template itself."""


def _raise_exception(message: str) -> NoReturn:
    raise _TemplateRaisedError(str(message))


def _tojson(value: Any, indent: int | None = None, separators: Any = None, sort_keys: bool = False) -> str:
    """``transformers``' tojson: no HTML escaping, unicode kept (Jinja's built-in escapes <, >, &, ')."""
    if (len(indent) if isinstance(indent, str) else indent or 0) > MAX_JSON_INDENT:
        raise _TemplateLimitError(f"tojson indent exceeds the limit of {MAX_JSON_INDENT}")
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)


def _strftime_now(fmt: str) -> str:
    return datetime.now(UTC).strftime(fmt)


def _check_number(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT_ARGUMENT:
        raise _TemplateLimitError(f"numeric argument {value} exceeds the limit of {MAX_INT_ARGUMENT}")


def _check_format_string(text: str) -> None:
    for match in _FORMAT_WIDTH.finditer(text):
        for group in match.groups():
            if group and group.isdigit() and int(group) > MAX_FORMAT_WIDTH:
                raise _TemplateLimitError(f"format width {group} exceeds the limit of {MAX_FORMAT_WIDTH}")


# --- size bounds of the operations that can grow a string or list in one step ----------------------
# Numbers are bounded above, but lengths multiply too ("x" * 200000 joined 10,000 times): each operation
# below has its result size computed from its operands *before* it runs, and refused past the output limit.


def _size(value: Any) -> int:
    """Characters a value stands for: a string's length; a list's, tuple's or mapping's items (strings by length)."""
    if type(value) is Namespace:  # what ``namespace()`` returns: not a mapping, and slow to ask (its attribute hook)
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return len(value) + sum(len(item) for item in value if isinstance(item, str))
    return 0


def _check_size(size: int, what: str) -> None:
    if size > MAX_OUTPUT_CHARS:
        raise _TemplateLimitError(f"{what} would produce more than {MAX_OUTPUT_CHARS} characters")


MAX_PRODUCED_CHARS = 16 * MAX_OUTPUT_CHARS
_produced: ContextVar[list[int] | None] = ContextVar("model_studio_template_produced", default=None)
_deadline: ContextVar[tuple[float, float] | None] = ContextVar("model_studio_template_deadline", default=None)


def _tick() -> None:
    """Abort the render once its time is up. Called from every place a template can repeat work: loop steps,
    calls (macros included, so recursion), operators, filters and string joins. No Python-level tracing."""
    deadline = _deadline.get()
    if deadline is not None and time.perf_counter() > deadline[0]:
        raise _TemplateLimitError(f"rendering took longer than {deadline[1]:g} s")


def _account(result: Any) -> Any:
    """Count the text one render builds through filters, calls and operators: many pieces, each under the
    per-operation bound, must not add up to gigabytes (``range(10000)|map("center", 100000)|list``)."""
    _tick()
    produced = _produced.get()
    if produced is not None:
        produced[0] += _size(result)
        if produced[0] > MAX_PRODUCED_CHARS:
            raise _TemplateLimitError(f"the template built more than {MAX_PRODUCED_CHARS} characters of text")
    return result


def _format_size(template: str, values: Any, marker: str) -> int:
    """Upper bound for ``template % values`` / ``template.format(...)``: every field may repeat the largest value."""
    if isinstance(values, Mapping):
        values = tuple(values.values())
    items = list(values) if isinstance(values, tuple) else [values]
    if "*" in template:  # "%*d" / "%.*f" take their width from the values
        for item in items:
            _check_number(item)
    return len(template) + template.count(marker) * max((_size(item) or 20 for item in items), default=0)


def _grown_size(name: str, subject: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> int | None:
    """Upper bound of the length of ``subject.<name>(*args)`` for the str methods and filters that grow text."""

    def arg(index: int, key: str, default: Any) -> Any:
        return args[index] if len(args) > index else kwargs.get(key, default)

    if name == "replace":
        old, new, count = str(arg(0, "old", "")), str(arg(1, "new", "")), arg(2, "count", None)
        hits = subject.count(old) if old else len(subject) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        return len(subject) + hits * max(len(new) - len(old), 0)
    if name == "expandtabs":
        tabsize = arg(0, "tabsize", 8)
        return len(subject) + subject.count("\t") * (tabsize if isinstance(tabsize, int) else 8)
    if name == "translate":
        table = arg(0, "table", {})
        values = table.values() if isinstance(table, Mapping) else ()
        return len(subject) * max((len(v) for v in values if isinstance(v, str)), default=1)
    if name == "indent":
        width = arg(0, "width", 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        return len(subject) + (subject.count("\n") + 1) * pad
    if name == "wordwrap":
        wrapstring = arg(2, "wrapstring", None) or "\n"
        return len(subject) * (1 + len(wrapstring)) if len(wrapstring) > 8 else None
    return None


def _joined(separator: Any, items: Any) -> list[Any]:
    """Materialize the items of a join and check the joined length; returns the items to join."""
    materialized = list(items)
    separator_size = len(separator) if isinstance(separator, str) else 0
    _check_size(
        sum(len(item) if isinstance(item, str) else len(str(item)) for item in materialized)
        + separator_size * max(len(materialized) - 1, 0),
        "join",
    )
    return materialized


def _bounded_filter(func: Callable[..., Any], name: str = "") -> Callable[..., Any]:
    offset = 1 if hasattr(func, "jinja_pass_arg") else 0  # eval context / environment comes first

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _tick()
        for value in (*args[1:], *kwargs.values()):
            _check_number(value)
        if func is _FORMAT_FILTER and args and isinstance(args[0], str):
            _check_format_string(args[0])
            _check_size(_format_size(args[0], kwargs or tuple(args[1:]), "%"), "format")
        subject, rest = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())
        if name == "join" and subject is not None:
            args = (*args[:offset], _joined(rest[0] if rest else kwargs.get("d", ""), subject), *rest)
        elif isinstance(subject, str):
            _check_size(_grown_size(name, subject, rest, kwargs) or 0, name)
        return _account(func(*args, **kwargs))

    for attr in ("jinja_pass_arg",):
        if hasattr(func, attr):
            setattr(wrapper, attr, getattr(func, attr))
    wrapper.__name__ = getattr(func, "__name__", "filter")
    return wrapper


_FORMAT_FILTER = jinja2.filters.FILTERS["format"]


class _BudgetedRange:
    """``range`` with a per-render budget of items (the sandbox's own limit is 100,000 per call)."""

    def __init__(self) -> None:
        self.remaining = MAX_RANGE_ITEMS

    def __call__(self, *args: int) -> range:
        for value in args:
            _check_number(value)
        result = range(*args)
        self.remaining -= len(result)
        if self.remaining < 0:
            raise _TemplateLimitError(f"range() produced more than {MAX_RANGE_ITEMS} items in one render")
        return result


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox every prompt template renders in."""

    intercepted_binops = frozenset({"*", "**", "%", "//", "+"})

    def __init__(self) -> None:
        super().__init__(
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[loopcontrols],
            autoescape=False,
            keep_trailing_newline=False,
        )
        for name in ("cycler", "joiner", "lipsum"):
            self.globals.pop(name, None)
        self.globals["raise_exception"] = _raise_exception
        self.globals["strftime_now"] = _strftime_now
        self.filters["tojson"] = _tojson
        self.filters = {name: _bounded_filter(func, name) for name, func in self.filters.items()}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) is Namespace:  # the same answer as the checks below give a namespace, without their ABC lookups
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} value is not allowed")

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and _size(seq) * max(times, 0) > MAX_OUTPUT_CHARS
                ):
                    raise _TemplateLimitError(f"repetition would produce more than {MAX_OUTPUT_CHARS} characters")
            _check_number(left if not isinstance(left, str | list | tuple) else 0)
            _check_number(right if not isinstance(right, str | list | tuple) else 0)
        elif operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise _TemplateLimitError(f"exponent {right} exceeds the limit of {MAX_EXPONENT}")
            _check_number(left)
        elif operator == "%" and isinstance(left, str):
            _check_format_string(left)
            _check_size(_format_size(left, right, "%"), "string formatting")
        elif operator == "+" and (
            (isinstance(left, str) and isinstance(right, str))
            or (isinstance(left, list | tuple) and isinstance(right, list | tuple))
        ):
            _check_size(_size(left) + _size(right), "concatenation")
        return _account(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _tick()
        if type(__obj) is _LoopBudget:  # the loop guard around every for loop: ours, and it ticks at each step
            kwargs.pop("_loop_vars", None)  # what jinja2's Context.call drops before calling
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        for value in (*args, *kwargs.values()):
            _check_number(value)
        text = getattr(__obj, "__self__", None)
        if isinstance(text, str) and isinstance(__obj, BuiltinMethodType):  # str.join / replace / expandtabs ...
            if __obj.__name__ == "join" and args:
                args = (_joined(text, args[0]), *args[1:])
            else:
                _check_size(_grown_size(__obj.__name__, text, args, kwargs) or 0, f"str.{__obj.__name__}")
        return _account(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` / ``format_map`` looked up from a template: check the format string's widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template: str = value.__self__
        _check_format_string(template)
        if _NESTED_FORMAT_SPEC.search(template):  # "{:{}}" takes its width from the arguments
            raise _TemplateLimitError("format specs with nested replacement fields are not allowed")
        is_format_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            values: Any = args[0] if is_format_map and args else (*args, *kwargs.values())
            _check_size(_format_size(template, values, "{"), f"str.{value.__name__}")
            return wrapped(*args, **kwargs)

        return bounded


@lru_cache(maxsize=1)
def _environment() -> BoundedSandbox:
    return BoundedSandbox()


LOOP_GUARD = "ms_loop_guard__"
MAX_LOOP_ITERATIONS = 200_000


class _LoopBudget:
    """Wraps every ``{% for %}`` iterable: counts iterations per render and checks the deadline at each step,
    so loops are bounded even when their bodies make no calls and produce no output."""

    def __init__(self) -> None:
        self.remaining = MAX_LOOP_ITERATIONS

    def __call__(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
            _tick()
            self.remaining -= 1
            if self.remaining < 0:
                raise _TemplateLimitError(f"loops ran more than {MAX_LOOP_ITERATIONS} iterations in one render")
            yield item


def _guard_loops(tree: nodes.Template) -> nodes.Template:
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.Name(LOOP_GUARD, "load"), [loop.iter], [], None, None)
    return tree


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> TemplateError:
    line = f"line {exc.lineno}: " if exc.lineno else ""
    return TemplateError(
        f"Prompt template syntax error at {line}{exc.message}",
        details=[ErrorDetail("prompt.template", f"{line}{exc.message}", "template_syntax")],
    )


@lru_cache(maxsize=256)
def _compile(source: str) -> jinja2.Template:
    env = _environment()
    try:
        tree = _guard_loops(env.parse(source))
        code = env.compile(tree, raw=False)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from None
    # A plain dict of globals, not the ChainMap jinja2 makes: every render copies them, and a ChainMap copies slowly.
    template = env.template_class.from_code(env, code, dict(env.make_globals(None)), None)
    namespace = template.root_render_func.__globals__  # the compiled module's own namespace
    namespace["str_join"] = _bounded_join(jinja2.runtime.str_join)
    namespace["markup_join"] = _bounded_join(jinja2.runtime.markup_join)
    return template


def _bounded_join(join: Callable[[Any], str]) -> Callable[[Any], str]:
    """``a ~ b`` compiles to ``str_join((a, b))``: size it before it runs, so doubling a string cannot explode."""

    def bounded(seq: Any) -> str:
        _tick()
        pieces = tuple(seq)
        _check_size(sum(len(piece) if isinstance(piece, str) else len(str(piece)) for piece in pieces), "concatenation")
        joined = join(pieces)
        _account(joined)
        return joined

    return bounded


def check_template_syntax(source: str) -> None:
    """Raise ``TemplateError`` (with the line) when the template does not compile or breaks a static limit."""
    _compile(source)


def _template_line(exc: BaseException) -> str:
    """The template line of the innermost frame of the failing render, as ``line N: `` (or empty)."""
    tb = exc.__traceback__
    line = ""
    while tb is not None:
        # Jinja rewrites tracebacks so that template frames carry the template's own line numbers.
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = f"line {tb.tb_lineno}: "
        tb = tb.tb_next
    return line


def render_prompt(
    source: str,
    *,
    messages: Sequence[Mapping[str, Any]],
    system: str | None = None,
    bos_token: str = "",
    eos_token: str = "",
    add_generation_prompt: bool = True,
    deadline_s: float = DEFAULT_DEADLINE_S,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Render a chat template over ``messages``; raise ``TemplateError`` on any failure or exceeded bound."""
    template = _compile(source)
    context: dict[str, Any] = {
        "tools": None,
        "documents": None,
        **(extra or {}),
        "messages": [dict(m) for m in messages],
        "system": system,
        "bos_token": bos_token,
        "eos_token": eos_token,
        "add_generation_prompt": add_generation_prompt,
        "range": _BudgetedRange(),
        LOOP_GUARD: _LoopBudget(),
    }
    produced = _produced.set([0])
    deadline = _deadline.set((time.perf_counter() + deadline_s, deadline_s))
    parts: list[str] = []
    size = 0
    try:
        try:
            chunks: Iterator[str] = template.generate(context)
            for chunk in chunks:
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise _TemplateLimitError(f"the rendered prompt is longer than {MAX_OUTPUT_CHARS} characters")
                parts.append(chunk)
        finally:
            _deadline.reset(deadline)  # before the handlers below: they must not trip the deadline themselves
            _produced.reset(produced)
    except _TemplateRaisedError as exc:
        raise _render_error(exc, f"the template raised an exception: {exc}", "template_raised") from None
    except SecurityError as exc:
        raise _render_error(exc, f"sandbox violation: {exc}", "template_security") from None
    except _TemplateLimitError as exc:
        raise _render_error(exc, f"limit exceeded: {exc}", "template_limit") from None
    except RecursionError as exc:
        raise _render_error(exc, "limit exceeded: recursion too deep", "template_limit") from None
    except MemoryError as exc:
        raise _render_error(exc, "limit exceeded: the template needs too much memory", "template_limit") from None
    except jinja2.TemplateError as exc:
        raise _render_error(exc, f"{type(exc).__name__}: {exc}", "template_render") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as exc:
        raise _render_error(exc, f"{type(exc).__name__}: {exc}", "template_render") from None
    return "".join(parts)


def _render_error(exc: BaseException, message: str, kind: str) -> TemplateError:
    line = _template_line(exc)
    return TemplateError(
        f"Prompt template failed at {line}{message}" if line else f"Prompt template failed: {message}",
        details=[ErrorDetail("prompt.template", f"{line}{message}", kind)],
    )
