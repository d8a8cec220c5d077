"""A catalogue of known Jinja2 server-side template injection payloads (public SSTI cheat sheets, Flask/Jinja
write-ups), each aimed at the secret or the side effect an escape would reveal.

``{canary}`` is the name of an environment variable only the API process has (its value must never come
back); ``{marker}`` is a file that a payload running shell commands or opening files would create.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.reliability.stack_env import CANARY_ENV

MARKER = Path(tempfile.gettempdir()) / "model-studio-ssti-marker"

_RAW: dict[str, str] = {
    # --- object graph walks from literals
    "str class mro subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "list class base": "{{ [].__class__.__base__.__subclasses__() }}",
    "tuple class base": "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "dict class": "{{ {}.__class__.__mro__ }}",
    "int class": "{{ (1).__class__.__base__.__subclasses__() }}",
    "subclass file read": "{{ ''.__class__.__mro__[2].__subclasses__()[40]('/etc/passwd').read() }}",
    "warnings catch_warnings": (
        "{% for c in ().__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
        "{{ c()._module.__builtins__['__import__']('os').popen('touch {marker}').read() }}{% endif %}{% endfor %}"
    ),
    # --- globals of functions reachable from the context
    "cycler globals os": "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "joiner globals os": "{{ joiner.__init__.__globals__.os.environ['{canary}'] }}",
    "lipsum globals os": "{{ lipsum.__globals__['os'].environ['{canary}'] }}",
    "namespace globals": "{{ namespace.__init__.__globals__['os'].environ['{canary}'] }}",
    "self globals builtins": "{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "self template reference": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.environ }}",
    "self context environment": "{{ self._TemplateReference__context.environment }}",
    "raise_exception globals": "{{ raise_exception.__globals__['os'].environ['{canary}'] }}",
    "strftime_now globals": "{{ strftime_now.__globals__['__builtins__']['__import__']('os').environ }}",
    "range self": "{{ range.__self__ }}",
    "range call globals": "{{ range.__call__.__globals__ }}",
    "loop internals": "{% for m in messages %}{{ loop.cycle.__func__.__globals__ }}{% endfor %}",
    "macro func globals": "{% macro m() %}{% endmacro %}{{ m._func.__globals__['os'].environ }}",
    # --- framework objects that exist in Flask apps
    "flask config": "{{ config.items() }}",
    "flask request": "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "flask url_for": "{{ url_for.__globals__.os.environ['{canary}'] }}",
    "flask get_flashed_messages": "{{ get_flashed_messages.__globals__['current_app'].config }}",
    # --- filter-based bypasses of dotted access
    "attr filter": "{{ ''|attr('__class__')|attr('__mro__') }}",
    "attr hex escapes": "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "attr unicode escapes": "{{ ''|attr('\\u005f\\u005fclass\\u005f\\u005f') }}",
    "attr joined name": "{{ ''|attr(['_'*2, 'class', '_'*2]|join) }}",
    "attr concatenated name": "{{ ''|attr('__cla' ~ 'ss__') }}",
    "attr formatted name": "{{ ''|attr('%c%cclass%c%c'|format(95, 95, 95, 95)) }}",
    "subscript dunder": "{{ ''['__class__'] }}",
    "subscript set name": "{% set n = '__cla' ~ 'ss__' %}{{ ''[n] }}",
    "map attribute": "{{ messages|map(attribute='__class__')|list }}",
    "selectattr": "{{ messages|selectattr('__class__')|list }}",
    "sort attribute": "{{ messages|sort(attribute='__class__.__init__.__globals__') }}",
    "groupby attribute": "{{ messages|groupby('__class__') }}",
    "sum attribute": "{{ messages|sum(attribute='__class__') }}",
    # --- format-string attribute access
    "str.format field walk": "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
    "format_map field walk": "{{ '{a.__init__.__globals__}'.format_map({'a': joiner}) }}",
    "percent format function": "{{ '%s'|format(self.__init__) }}",
    # --- mutation of the context (ImmutableSandbox) and method objects
    "messages pop": "{{ messages.pop() }}",
    "dict update": "{% set d = {} %}{{ d.update({'a': 1}) }}{{ d }}",
    "bound method self": "{{ [].append.__self__ }}",
    "namespace dict": "{{ namespace(a=1).__dict__ }}",
    "generator frame": "{{ (messages|map('string')).gi_frame.f_globals }}",
    # --- loaders and extensions
    "include passwd": "{% include '/etc/passwd' %}",
    "import os": "{% import 'os' as os %}{{ os.environ }}",
    "from import": "{% from 'os' import environ %}{{ environ }}",
    "extends": "{% extends '/etc/passwd' %}",
    "debug extension": "{% debug %}",
    "do extension": "{% do messages.append(1) %}",
    # --- harmless probes: must simply render
    "arithmetic probe": "{{ 7 * 7 }}",
    "string probe": "{{ 'a' ~ 'b' }}{{ messages|length }}",
}

PAYLOADS: dict[str, str] = {
    name: source.replace("{canary}", CANARY_ENV).replace("{marker}", str(MARKER)) for name, source in _RAW.items()
}

# What an escape would put in a response: object reprs, environment dumps, file contents, command output.
ESCAPE_SIGNS = (
    "<class '",
    "<function ",
    "<module ",
    "<built-in ",
    "<bound method",
    "<method-wrapper",
    "<frame at",
    "__builtins__",
    "environ({",
    "root:x:0:0",
    "uid=",
    "<jinja2.",
)
