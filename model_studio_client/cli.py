"""``model-studio-api``: the deployed (or ``make dev``) API from a terminal, streamed answers included.

    export MODEL_STUDIO_API_URL=https://abc123.execute-api.us-east-1.amazonaws.com/v1   # the ApiUrl output
    export MODEL_STUDIO_TOKEN=$(model-studio-api login --site https://d123.cloudfront.net --username alice)
    model-studio-api invoke --prompt "Hello" --stream          # POST /invoke/stream, tokens as they arrive
    model-studio-api invoke --model-id mistral-7b-tgi --prompt "Hello"   # POST /invoke
    model-studio-api me | models

``--site`` reads the site's ``config.json`` (API URL, user pool client, Cognito endpoint) instead of the two
variables. Exit codes: 0 success, 2 a request the API refused (4xx), 1 an upstream, gateway or network failure.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from model_studio_client.api import ApiClient, ApiError, checked_url

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
API_URL_ENV, TOKEN_ENV, PASSWORD_ENV = "MODEL_STUDIO_API_URL", "MODEL_STUDIO_TOKEN", "MODEL_STUDIO_PASSWORD"


class UsageError(Exception):
    """A missing or unreadable input: exit 2 with the message."""


def _fetch_json(url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    method = "POST" if data else "GET"
    request = urllib.request.Request(checked_url(url), data=data, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only, checked
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ApiError(error.code, json.loads(error.read() or b"{}")) from None


def site_config(site: str) -> dict[str, Any]:
    """The site's ``config.json``, with ``apiUrl`` and ``cognitoEndpoint`` made absolute."""
    config: dict[str, Any] = _fetch_json(urllib.parse.urljoin(site.rstrip("/") + "/", "config.json"))
    config["apiUrl"] = urllib.parse.urljoin(site.rstrip("/") + "/", config["apiUrl"])
    region = config.get("region", "us-east-1")
    config["cognitoEndpoint"] = config.get("cognitoEndpoint") or f"https://cognito-idp.{region}.amazonaws.com/"
    return config


def _api(args: argparse.Namespace) -> ApiClient:
    url = site_config(args.site)["apiUrl"] if args.site else args.api_url
    if not url:
        raise UsageError(f"no API URL: pass --api-url or --site, or set {API_URL_ENV}")
    if not args.token:
        raise UsageError(f"no ID token: pass --token or set {TOKEN_ENV} (model-studio-api login prints one)")
    return ApiClient(url, args.token)


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path!r}: {exc}") from None


def cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    """USER_PASSWORD_AUTH (the stage must allow it: ``identity.allow_password_auth``); prints the ID token."""
    config = site_config(args.site)
    password = args.password or os.environ.get(PASSWORD_ENV) or getpass.getpass(f"password for {args.username}: ")
    answer = _fetch_json(
        config["cognitoEndpoint"],
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": config["userPoolClientId"],
            "AuthParameters": {"USERNAME": args.username, "PASSWORD": password},
        },
        {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
    )
    result = answer.get("AuthenticationResult")
    if not result:
        raise UsageError(f"sign-in needs a further step ({answer.get('ChallengeName')}): use the web UI once")
    out.write(result["IdToken"] + "\n")
    return EXIT_OK


def cmd_get(args: argparse.Namespace, out: TextIO) -> int:
    out.write(json.dumps(_api(args).get(args.path), indent=2) + "\n")
    return EXIT_OK


def _invoke_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if args.model_id:
        body["model_id"] = args.model_id
    if args.messages:
        body["messages"] = _read_json(args.messages, "messages file")
    else:
        body["prompt"] = args.prompt
    if args.system:
        body["system"] = args.system
    if args.override:
        body["override"] = _read_json(args.override, "override file")
    return body


def cmd_invoke(args: argparse.Namespace, out: TextIO) -> int:
    api, body = _api(args), _invoke_body(args)
    if not args.stream:
        answer = api.invoke(body)
        out.write(answer["output"] + "\n")
        sys.stderr.write(f"usage: {json.dumps(answer['usage'])}, latency_ms: {answer['latency_ms']}\n")
        return EXIT_OK
    for frame in api.stream(body):
        if frame.event == "delta":
            out.write(frame.data["text"])
            out.flush()
        elif frame.event == "done":
            out.write("\n")
            sys.stderr.write(f"usage: {json.dumps(frame.data['usage'])}, latency_ms: {frame.data['latency_ms']}\n")
            return EXIT_OK
        elif frame.event == "error":
            out.write("\n")
            raise ApiError(200, frame.data)
    raise ApiError(200, {"error": "stream_ended", "message": "the stream ended before the model finished"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="model-studio-api",
        description=__doc__.splitlines()[0],
        epilog="\n".join(__doc__.splitlines()[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--api-url", default=os.environ.get(API_URL_ENV), help=f"the API's base URL (${API_URL_ENV})")
    parser.add_argument("--site", help="the web UI's URL: its config.json names the API (and Cognito for login)")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV), help=f"a Cognito ID token (${TOKEN_ENV})")
    commands = parser.add_subparsers(dest="command", required=True)

    login = commands.add_parser("login", help="sign in with username and password; print the ID token")
    login.add_argument("--username", required=True)
    login.add_argument("--password", help=f"default: ${PASSWORD_ENV}, else asked for")
    login.set_defaults(run=cmd_login)

    for name, path in (("me", "/me"), ("models", "/models")):
        command = commands.add_parser(name, help=f"GET {path}")
        command.set_defaults(run=cmd_get, path=path)

    invoke = commands.add_parser("invoke", help="POST /invoke, or POST /invoke/stream with --stream")
    invoke.add_argument("--model-id", help="default: the stage's default model")
    source = invoke.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompt", help="the user message")
    source.add_argument("--messages", help="a JSON file with [{role, content}, ...] ('-' for stdin)")
    invoke.add_argument("--system", help="a system prompt")
    invoke.add_argument("--override", help="a JSON merge patch file over the model's config (Administrators only)")
    invoke.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    invoke.set_defaults(run=cmd_invoke)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "login" and not args.site:
        sys.stderr.write("error: login needs --site (the web UI's URL)\n")
        return EXIT_REFUSED
    try:
        code: int = args.run(args, out or sys.stdout)
    except (UsageError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_REFUSED
    except ApiError as exc:
        sys.stderr.write(f"error: {exc}\n")
        for detail in exc.body.get("details") or []:
            sys.stderr.write(f"  {detail.get('path')}: {detail.get('message')}\n")
        if exc.body.get("rule"):
            sys.stderr.write(f"  rule: {exc.body['rule']}\n")
        return EXIT_REFUSED if 400 <= exc.status < 500 else EXIT_FAILED
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"error: cannot reach the API: {getattr(exc, 'reason', exc)}\n")
        return EXIT_FAILED
    return code


if __name__ == "__main__":
    raise SystemExit(main())
