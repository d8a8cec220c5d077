"""Prompt templates: Hugging Face ``chat_template``-compatible Jinja2, rendered in a bounded sandbox.

An admin can paste a model's ``chat_template`` as is. The environment is Jinja2's
``ImmutableSandboxedEnvironment`` (what ``transformers`` uses), configured like ``transformers``
(``trim_blocks``, ``lstrip_blocks``, ``loopcontrols``, its ``tojson``, ``raise_exception``,
``strftime_now``), and hardened beyond it:

- unsafe attribute access (``__class__``, ``__globals__``, ``mro``, ...) is an error, not a silent
  empty string; the ``cycler``/``joiner``/``lipsum`` globals are removed;
- numeric arguments of calls and filters, repetition (``*``), exponents and format widths are bounded,
  so a template cannot allocate gigabytes in one expression;
- render time is bounded by a deadline checked on every Python-level call made while rendering
  (macros, generators, filters), and output size is bounded while it is produced;
- every failure is a ``TemplateError`` whose message carries the template line.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from types import FrameType
from typing import Any, NoReturn

import jinja2
import jinja2.runtime
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from inference_engine.errors import ErrorDetail, TemplateError

MAX_OUTPUT_CHARS = 256 * 1024
MAX_INT_ARGUMENT = 100_000
MAX_RANGE_ITEMS = 10_000
MAX_FORMAT_WIDTH = 10_000
MAX_EXPONENT = 256
DEFAULT_DEADLINE_S = 0.5

_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?|\{[^{}]*?:[^{}]*?(\d+)[^{}]*?\}")


class _TemplateLimitError(Exception):
    """Raised inside the sandbox when a bound is exceeded; becomes a TemplateError."""


class _TemplateRaisedError(Exception):
    """``raise_exception("...")`` called by the template itself."""


def _raise_exception(message: str) -> NoReturn:
    raise _TemplateRaisedError(str(message))


def _tojson(value: Any, indent: int | None = None, separators: Any = None, sort_keys: bool = False) -> str:
    """``transformers``' tojson: no HTML escaping, unicode kept (Jinja's built-in escapes <, >, &, ')."""
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


def _bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[1:], *kwargs.values()):
            _check_number(value)
        if func is _FORMAT_FILTER and args and isinstance(args[0], str):
            _check_format_string(args[0])
        return func(*args, **kwargs)

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

    intercepted_binops = frozenset({"*", "**", "%", "//"})

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
        self.filters = {name: _bounded_filter(func) for name, func in self.filters.items()}

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} value is not allowed")

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * max(times, 0) > MAX_OUTPUT_CHARS
                ):
                    raise _TemplateLimitError(f"repetition would produce more than {MAX_OUTPUT_CHARS} items")
            _check_number(left if not isinstance(left, str | list | tuple) else 0)
            _check_number(right if not isinstance(right, str | list | tuple) else 0)
        elif operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise _TemplateLimitError(f"exponent {right} exceeds the limit of {MAX_EXPONENT}")
            _check_number(left)
        elif operator == "%" and isinstance(left, str):
            _check_format_string(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        for value in (*args, *kwargs.values()):
            _check_number(value)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` / ``format_map`` looked up from a template: check the format string's widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_string(value.__self__)
        return wrapped


@lru_cache(maxsize=1)
def _environment() -> BoundedSandbox:
    return BoundedSandbox()


LOOP_GUARD = "ms_loop_guard__"
MAX_LOOP_ITERATIONS = 200_000


class _LoopBudget:
    """Wraps every ``{% for %}`` iterable: counts iterations per render; each step is a generator resume,
    so the deadline tracer sees loops even when their bodies make no calls and produce no output."""

    def __init__(self) -> None:
        self.remaining = MAX_LOOP_ITERATIONS

    def __call__(self, iterable: Any) -> Iterator[Any]:
        for item in iterable:
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
    return env.template_class.from_code(env, code, env.make_globals(None), None)


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


class _Deadline:
    """A ``sys.settrace`` hook that aborts the render when its time is up or a string join grows too big."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.perf_counter() + seconds
        self.seconds = seconds

    def __call__(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            if time.perf_counter() > self.deadline:
                raise _TemplateLimitError(f"rendering took longer than {self.seconds:g} s")
            if frame.f_code.co_name in {"str_join", "markup_join"}:
                seq = frame.f_locals.get("seq", ())
                if isinstance(seq, Sequence) and sum(len(str(x)) for x in seq) > MAX_OUTPUT_CHARS:
                    raise _TemplateLimitError(f"a string grew past {MAX_OUTPUT_CHARS} characters")


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
    tracer = _Deadline(deadline_s)
    previous = sys.gettrace()
    parts: list[str] = []
    size = 0
    sys.settrace(tracer)
    try:
        chunks: Iterator[str] = template.generate(context)
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise _TemplateLimitError(f"the rendered prompt is longer than {MAX_OUTPUT_CHARS} characters")
            parts.append(chunk)
    except _TemplateRaisedError as exc:
        raise _render_error(exc, f"the template raised an exception: {exc}", "template_raised") from None
    except SecurityError as exc:
        raise _render_error(exc, f"sandbox violation: {exc}", "template_security") from None
    except _TemplateLimitError as exc:
        raise _render_error(exc, f"limit exceeded: {exc}", "template_limit") from None
    except RecursionError as exc:
        raise _render_error(exc, "limit exceeded: recursion too deep", "template_limit") from None
    except jinja2.TemplateError as exc:
        raise _render_error(exc, f"{type(exc).__name__}: {exc}", "template_render") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as exc:
        raise _render_error(exc, f"{type(exc).__name__}: {exc}", "template_render") from None
    finally:
        sys.settrace(previous)
    return "".join(parts)


def _render_error(exc: BaseException, message: str, kind: str) -> TemplateError:
    line = _template_line(exc)
    return TemplateError(
        f"Prompt template failed at {line}{message}" if line else f"Prompt template failed: {message}",
        details=[ErrorDetail("prompt.template", f"{line}{message}", kind)],
    )
