"""Diagnostic switch: the prompt-template sandbox without its ``sys.settrace`` deadline hook.

``render_prompt`` bounds render time with a trace hook; while a trace hook is set, CPython runs every
line of the render through its tracing path. To show what that hook alone costs, the benchmarks can
swap the module's ``sys`` for a stand-in whose ``settrace`` does nothing, for one benchmark row or
around single calls. This is measurement only: the product always renders with its deadline.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import inference_engine.prompt_template

T = TypeVar("T")
_NO_TRACE = types.SimpleNamespace(settrace=lambda _hook: None, gettrace=lambda: None)


@contextmanager
def no_trace_hook() -> Iterator[None]:
    namespace = vars(inference_engine.prompt_template)
    namespace["sys"] = _NO_TRACE
    try:
        yield
    finally:
        namespace["sys"] = sys


def without_trace_hook(call: Callable[[str], T]) -> Callable[[str], T]:
    """``call`` with the hook switched off for its duration only (two dict stores: no measurable cost)."""
    namespace = vars(inference_engine.prompt_template)

    def wrapped(prompt: str) -> T:
        namespace["sys"] = _NO_TRACE
        try:
            return call(prompt)
        finally:
            namespace["sys"] = sys

    return wrapped
