"""Known Jinja2 SSTI payloads, end to end through the HTTP API: each is refused or rendered inert.

The engine's unit tests check the sandbox's verdict payload by payload; here every payload goes through the
real API process (the one holding the secrets) in each place an admin or a user can put text: a prompt
template (validate, invoke, saved model), a chat message, a request template. An escape is detected by what
it would reveal: a canary environment variable of the API process, object reprs, file contents, or a file a
shell command would create. Any of those fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.ssti_payloads import ESCAPE_SIGNS, MARKER, PAYLOADS
from tests.reliability.stack_client import Answer, StackClient, has_stack_trace
from tests.reliability.stack_env import CANARY

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

MODEL = "mistral-7b-tgi"  # TGI on SageMaker: a chat template renders the prompt, a request template the body
ENDPOINT = "tgi-mistral-7b"


@pytest.fixture(autouse=True, scope="module")
def _no_marker() -> Iterator[None]:
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), "a template payload ran a shell command"


def assert_no_escape(answer: Answer, *, visible: str) -> None:
    """``visible`` is the part of the answer a template could have written into (prompt, body, error)."""
    assert CANARY not in answer.text
    assert not has_stack_trace(answer.text)
    for sign in ESCAPE_SIGNS:
        assert sign not in visible, f"{sign!r} in {visible[:300]!r}"


def refused_or_inert(answer: Answer) -> str:
    """The verdict: a 400 naming the template, or a 200 whose rendered text shows no escape."""
    if answer.status == 400:
        body = answer.json
        assert body["error"] in {"template_error", "validation_error"}, body
        assert_no_escape(answer, visible=body["message"] + json.dumps(body.get("details")))
        return "refused"
    assert answer.status == 200, answer.text
    body = answer.json
    assert_no_escape(answer, visible=(body.get("rendered_prompt") or "") + json.dumps(body.get("request")))
    return "inert"


@pytest.mark.parametrize("name", PAYLOADS)
def test_a_payload_as_the_prompt_template_is_refused_or_inert(admin: StackClient, name: str) -> None:
    # Given an admin who pastes the payload as the model's chat template
    override = {"prompt": {"template": PAYLOADS[name]}}
    # When it is validated (rendered, no model call)
    verdict = refused_or_inert(
        admin.api("POST", "/models/validate", {"model_id": MODEL, "prompt": "hi", "override": override})
    )
    # Then it is refused, or what it rendered holds no secret, no object and no file content
    if name.endswith("probe"):
        assert verdict == "inert"


def last_seq(admin: StackClient) -> int:
    logged = admin.emulator_requests(ENDPOINT, limit=1)
    return int(logged[-1]["seq"]) if logged else 0


def invoked_safely(admin: StackClient, answer: Answer, seq_before: int) -> str:
    """Refused before the model (400), or whatever reached the model (and came back) reveals nothing."""
    assert CANARY not in answer.text and not has_stack_trace(answer.text)
    logged = [r for r in admin.emulator_requests(ENDPOINT, limit=5) if r["seq"] > seq_before]
    if answer.status == 400:
        assert answer.error in {"template_error", "validation_error"} and not logged, answer.text
        return "refused"
    # rendered: the model got the text (an empty render is the container's 422, i.e. a 502 model_error)
    assert answer.status == 200 or answer.error == "model_error", answer.text
    sent = json.dumps(logged[-1]["body"])
    assert CANARY not in sent
    assert not any(sign in sent for sign in ESCAPE_SIGNS), sent[:300]
    return "inert"


@pytest.mark.parametrize("name", PAYLOADS)
def test_an_invoked_payload_never_carries_a_secret_to_the_model(admin: StackClient, name: str) -> None:
    # Given the payload as the prompt template of a real invocation
    before = last_seq(admin)
    answer = admin.invoke({"model_id": MODEL, "prompt": "hi", "override": {"prompt": {"template": PAYLOADS[name]}}})
    # Then the call is refused before the model, or the model received nothing an escape would reveal
    invoked_safely(admin, answer, before)


@pytest.mark.parametrize("name", PAYLOADS)
def test_a_payload_in_a_chat_message_is_data_for_every_caller(user: StackClient, admin: StackClient, name: str) -> None:
    payload = PAYLOADS[name]
    # When a plain user sends the payload as message text
    answer = user.invoke({"model_id": MODEL, "messages": [{"role": "user", "content": payload}]})
    # Then it is answered like any text, and the model received it verbatim inside the chat template
    assert answer.status == 200, answer.text
    sent = admin.emulator_requests(ENDPOINT, limit=1)[-1]["body"]
    assert sent["inputs"] == f"<s>[INST] {payload} [/INST]"
    assert CANARY not in answer.text


@pytest.mark.parametrize("name", PAYLOADS)
def test_a_payload_in_a_request_template_is_refused_or_sent_literally(admin: StackClient, name: str) -> None:
    # Given the payload as a string of the request template (placeholders there are {{name}}, never Jinja)
    template: dict[str, Any] = {"inputs": "{{prompt}}", "probe": PAYLOADS[name]}
    override = {"content_handler": {"request_template": template}}
    answer = admin.api("POST", "/models/validate", {"model_id": MODEL, "prompt": "hi", "override": override})
    # Then it is an unknown-variable error, or it stays the literal text it was
    if answer.status == 400:
        assert answer.error == "template_error" and "unknown variable" in answer.json["message"], answer.text
    else:
        assert answer.status == 200, answer.text
        assert answer.json["request"]["body"]["probe"] == PAYLOADS[name]
    assert CANARY not in answer.text


def test_a_saved_model_with_a_payload_template_is_refused_at_save_or_at_use(
    admin: StackClient, user: StackClient
) -> None:
    base = admin.api("GET", f"/models/{MODEL}").json["config"]
    outcomes: dict[str, str] = {}
    for index, (name, payload) in enumerate(PAYLOADS.items()):
        model_id = f"ssti-{index}"
        config = {**base, "id": model_id, "name": f"SSTI {name}", "prompt": {**base["prompt"], "template": payload}}
        # When an admin saves a model whose template is the payload
        saved = admin.api("PUT", f"/models/{model_id}", {"config": config, "version": 0})
        if saved.status == 400:
            assert saved.error in {"template_error", "validation_error"}, saved.text
            outcomes[name] = "refused at save"
            continue
        assert saved.status == 200, saved.text
        # And a plain user invokes it
        before = last_seq(admin)
        answer = user.invoke({"model_id": model_id, "prompt": "hi"})
        # Then the render is refused or inert, for them too
        verdict = invoked_safely(admin, answer, before)
        outcomes[name] = "inert" if verdict == "inert" else "refused at use"
        admin.api("DELETE", f"/models/{model_id}?version=1")
    assert outcomes["arithmetic probe"] == "inert"
    assert outcomes["cycler globals os"] != "inert"
