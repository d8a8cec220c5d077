"""Classic SageMaker JumpStart Llama 2 chat (``meta-textgeneration-llama-2-*-f``).

Request: ``{"inputs": [[{"role", "content"}, ...], ...], "parameters": {max_new_tokens, top_p,
temperature}}`` with ``CustomAttributes: accept_eula=true``. Answer: one
``{"generation": {"role": "assistant", "content": ...}}`` per dialog. No streaming. Errors are the
DJL handler's 424 ``{"code": 424, "message": "prediction failure", "error": ...}``.
"""

from __future__ import annotations

import json
from typing import Any, Final

from local.emulator.formats.base import ContainerReply, ContainerRequest, compact_json
from local.emulator.generator import count_tokens, generate

DEFAULT_MAX_NEW_TOKENS: Final = 256
EULA_MESSAGE: Final = (
    "Need to pass custom_attributes='accept_eula=true' as part of header. This means you have read and accept the "
    "end-user-license-agreement (EULA) of the model. EULA can be found in model card description or from "
    "https://ai.meta.com/resources/models-and-libraries/llama-downloads/."
)
ROLES_MESSAGE: Final = (
    "model only supports 'system', 'user' and 'assistant' roles, starting with 'system', then 'user' and "
    "alternating (u/a/u/a/u...)"
)
_PARAMETERS: Final = {"max_new_tokens": int, "top_p": float, "temperature": float}


class JumpStartLlama2ChatFormat:
    name = "jumpstart-llama2-chat"

    def invoke(self, request: ContainerRequest) -> ContainerReply:
        if not _eula_accepted(request.custom_attributes):
            return _error(EULA_MESSAGE)
        if not request.content_type.lower().startswith("application/json"):
            return _error(f"Content type {request.content_type} is not supported, use application/json")
        try:
            payload = json.loads(request.body)
        except ValueError as error:
            return _error(f"Failed to parse input payload as JSON: {error}")
        problem = _validate(payload)
        if problem is not None:
            return _error(problem)
        parameters = payload.get("parameters") or {}
        max_new_tokens = parameters.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)
        answers = []
        for dialog in payload["inputs"]:
            key = "\n".join(f"{turn['role']}: {turn['content']}" for turn in dialog)
            generation = generate(
                prompt_key=key,
                last_user=dialog[-1]["content"],
                input_tokens=sum(count_tokens(turn["content"]) for turn in dialog),
                max_tokens=max_new_tokens,
            )
            answers.append({"generation": {"role": "assistant", "content": generation.text}})
        return ContainerReply(200, "application/json", compact_json(answers))


def _eula_accepted(custom_attributes: str | None) -> bool:
    if not custom_attributes:
        return False
    for part in custom_attributes.replace(",", ";").split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "accept_eula" and value.strip().lower() == "true":
            return True
    return False


def _validate(payload: Any) -> str | None:
    if not isinstance(payload, dict) or "inputs" not in payload:
        return "Input payload must contain the key 'inputs' with a list of dialogs"
    dialogs = payload["inputs"]
    if not isinstance(dialogs, list) or not dialogs or not all(isinstance(dialog, list) for dialog in dialogs):
        return "'inputs' must be a list of dialogs, each a list of {'role': ..., 'content': ...} messages"
    for dialog in dialogs:
        problem = _validate_dialog(dialog)
        if problem is not None:
            return problem
    parameters = payload.get("parameters", {})
    if not isinstance(parameters, dict):
        return "'parameters' must be a JSON object"
    for name, value in parameters.items():
        expected = _PARAMETERS.get(name)
        if expected is None:
            return f"Unsupported parameter '{name}'; supported: {', '.join(_PARAMETERS)}"
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or (expected is int and not isinstance(value, int)):
            return f"Parameter '{name}' must be of type {expected.__name__}"
    if parameters.get("max_new_tokens", 1) < 1:
        return "max_new_tokens must be a positive integer"
    if not 0 < parameters.get("top_p", 1) <= 1:
        return "top_p must be in (0, 1]"
    return None


def _validate_dialog(dialog: list[Any]) -> str | None:
    if not dialog or not all(
        isinstance(turn, dict) and isinstance(turn.get("role"), str) and isinstance(turn.get("content"), str)
        for turn in dialog
    ):
        return "Each message must be an object with string 'role' and 'content'"
    turns = dialog[1:] if dialog[0]["role"] == "system" else dialog
    if not turns:
        return f"Last message must be from user, got {dialog[-1]['role']}"
    if not all(turn["role"] == "user" for turn in turns[::2]) or not all(
        turn["role"] == "assistant" for turn in turns[1::2]
    ):
        return ROLES_MESSAGE
    if turns[-1]["role"] != "user":
        return f"Last message must be from user, got {turns[-1]['role']}"
    return None


def _error(message: str) -> ContainerReply:
    return ContainerReply(
        424, "application/json", compact_json({"code": 424, "message": "prediction failure", "error": message})
    )
