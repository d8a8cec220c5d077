"""Browser end-to-end: Debian's Chromium (playwright-core, headless) drives the built UI on the embedded default.

The scenarios (``frontend/e2e/*.mjs``) check what the user sees and what the UI sent; these tests assert on their
JSON results, then check from outside the browser that the edits reached the model (the emulator's request log) and
the store (``GET /models/{id}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.emulator.registry import load_registry
from tests.e2e.browser_scenarios import SCENARIO_DATA, SCREENSHOT_DIR, ScenarioRun, emulator_requests
from tests.support.local_stack import RunningStack, http

pytestmark = pytest.mark.e2e

BASE = SCENARIO_DATA["base_model"]
SAVED = SCENARIO_DATA["saved_model"]
KWARGS = SCENARIO_DATA["kwargs"]
TEMPLATE_ADDITIONS = SCENARIO_DATA["template_additions"]
PROMPTS = SCENARIO_DATA["prompts"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CREATE_CASES = SCENARIO_DATA["create_cases"]
ADMIN_SCREENSHOTS = {
    "01-sign-in.png",
    "03-admin-edit-beside-test.png",
    "04-admin-preview.png",
    "05-admin-invoke-result.png",
    "06-admin-streaming-result.png",
    "08-admin-editor-768.png",
    "09-create-start.png",
    "10-create-converse.png",
    "11-versions-diff.png",
    "12-audit-log.png",
    "14-admin-compare.png",
    "15-admin-models.png",
}
USER_SCREENSHOTS = {"02-user-model-select-and-test.png", "07-user-768.png", "13-user-models.png"}
# Pages the admin scenario checks with axe-core (the user scenario checks its own three).
ADMIN_AXE_PAGES = 11
USER_AXE_PAGES = 3
DISCOVERY = SCENARIO_DATA["discovery"]
INVOKE_PATH = "/api/invoke"
STREAM_PATH = "/api/invoke/stream"


def assert_clean_run(run: ScenarioRun) -> None:
    assert run.returncode == 0, run.report()
    assert run.result.get("ok") is True, run.report()
    assert run.steps, run.report()
    assert [step["name"] for step in run.steps if not step["ok"]] == [], run.report()
    assert run.result["console_errors"] == [], run.report()
    assert run.result["page_errors"] == [], run.report()


def assert_axe_clean(run: ScenarioRun, pages: int) -> None:
    """axe-core ran on every page the scenario visited: no serious or critical violation, exactly one h1."""
    checks = run.data["axe"]
    assert len(checks) == pages, checks
    assert [check for check in checks if check["blocking"] or check["h1"] != 1] == [], checks


def admin_get(stack: RunningStack, path: str) -> Any:
    token = stack.login("admin")
    status, body, _ = http("GET", f"{stack.api}{path}", headers={"Authorization": token})
    assert status == 200, body
    return json.loads(body)


def assert_screenshots_written(run: ScenarioRun, expected: set[str]) -> None:
    written = {Path(file).name for file in run.result["screenshots"]}
    assert written == expected, run.report()
    for name in expected:
        file = SCREENSHOT_DIR / name
        assert file.read_bytes()[:8] == PNG_SIGNATURE, f"{file} is not a PNG"
        assert file.stat().st_mtime >= run.started_at - 1, f"{file} was not written by this run"


def assert_streamed_over_the_network(streamed: dict[str, Any]) -> None:
    """What the scenario read from Chromium's network events for one streamed invoke."""
    assert streamed["path"] == STREAM_PATH and streamed["content_type"] == "text/event-stream", streamed
    # several delta frames arrived in chunks before the done frame's chunk, and the UI text grew meanwhile
    assert streamed["delta_frames"] >= 3 and streamed["delta_frames_before_done"] >= 3, streamed
    assert streamed["chunks"] >= 3, streamed
    assert streamed["shown_before_done"] >= 2 and streamed["shown_texts"] >= streamed["shown_before_done"], streamed


def tgi_parameters_sent(stack: RunningStack, prompt: str) -> list[dict[str, Any]]:
    """The bodies the emulator's TGI endpoint received for one prompt."""
    return [
        request["body"]
        for request in emulator_requests(stack, BASE["endpoint_name"])
        if isinstance(request["body"], dict) and prompt in request["body"].get("inputs", "")
    ]


def assert_edited_parameters(body: dict[str, Any]) -> None:
    parameters = body["parameters"]
    for name in ("max_new_tokens", "temperature", "top_k"):
        assert parameters[name] == KWARGS[name], (name, parameters)
    assert parameters["seed"] == TEMPLATE_ADDITIONS["seed"], parameters


def test_admin_edits_beside_the_test_panel_previews_invokes_and_saves(admin_run: ScenarioRun) -> None:
    # Given the stack with the UI, and an admin in a fresh browser
    # When the admin scenario runs (keyboard sign-in, models table, create flows, edit beside test, save, compare,
    # versions, audit, deep-link reload)
    # Then every step passed with no console error and no page error
    assert_clean_run(admin_run)
    # And the test panel was beside the editor (right of it, on screen) after scrolling to the edited field
    beside = admin_run.data["beside"]
    assert beside["tester"]["x"] >= beside["editor"]["x"] + beside["editor"]["width"] - 1, beside
    # And the buffered and streamed answers were shown with usage, the stream arriving in several deltas
    buffered, streamed = admin_run.data["buffered"], admin_run.data["streamed"]
    assert buffered["delivery"] == "Buffered" and buffered["output"].strip()
    assert 0 < buffered["usage"]["output"] <= KWARGS["max_new_tokens"]
    # And the stop reason and the output token count came from the model's answer (TGI details), not an estimate
    assert buffered["stop_reason"] not in ("", "-") and buffered["usage"]["outputEstimated"] is False
    assert streamed["delivery"] == "Streamed" and streamed["output"] == buffered["output"]
    assert_streamed_over_the_network(streamed)
    # And the buffered invoke went to /invoke, the streamed one to /invoke/stream, neither body asking to stream
    assert [invoke["path"] for invoke in admin_run.data["invokes"]] == [INVOKE_PATH, STREAM_PATH]
    assert [set(invoke["body"]) for invoke in admin_run.data["invokes"]] == [{"model_id", "override", "prompt"}] * 2
    # And the main screens were saved as screenshots
    assert_screenshots_written(admin_run, ADMIN_SCREENSHOTS)


def test_the_model_received_the_body_the_admin_edited(admin_run: ScenarioRun, ui_stack: RunningStack) -> None:
    # Given the admin scenario invoked the edited config once buffered and once streamed
    assert admin_run.returncode == 0, admin_run.report()
    # When the emulator's request log is read for the base model's endpoint
    bodies = tgi_parameters_sent(ui_stack, PROMPTS["admin"])
    # Then it received two calls (preview makes none), each with the changed kwargs and the added template keys
    assert len(bodies) == 2, bodies
    for body in bodies:
        assert_edited_parameters(body)
        assert body["inputs"].startswith("<s>[INST] "), body
    assert [body.get("stream") for body in bodies] == [None, True]


def test_the_saved_model_is_stored_with_its_base_and_edits(admin_run: ScenarioRun, ui_stack: RunningStack) -> None:
    # Given the admin saved the edited model (version 1), updated it from compare mode (version 2) and restored
    # version 1 from the Versions tab (version 3)
    assert admin_run.returncode == 0, admin_run.report()
    # When the admin API reads it back
    stored = admin_get(ui_stack, f"/models/{SAVED['id']}")
    # Then it is a saved model, version 3, derived from the base, holding version 1's edits
    assert stored["source"] == "saved" and stored["version"] == 3
    assert stored["base_model_id"] == BASE["id"]
    assert stored["updated_by"] == "admin"
    config = stored["config"]
    assert config["id"] == SAVED["id"] and config["name"] == SAVED["name"]
    assert config["model_kwargs"] == KWARGS
    assert config["provider"]["endpoint_name"] == BASE["endpoint_name"]
    for key, value in TEMPLATE_ADDITIONS.items():
        assert config["content_handler"]["request_template"]["parameters"][key] == value
    # And its history has the three versions, the newest restoring version 1
    versions = admin_get(ui_stack, f"/models/{SAVED['id']}/versions")["versions"]
    assert [(v["version"], v["restored_from"]) for v in versions] == [(3, 1), (2, None), (1, None)]
    # And the diff the UI showed between versions 1 and 2 was the merge patch of the compare-mode edit
    assert admin_run.data["version_diff"] == {"model_kwargs": {"temperature": 0.9}}


def test_compare_mode_sent_one_prompt_to_the_saved_version_and_the_draft(admin_run: ScenarioRun) -> None:
    # Given the admin ran compare mode on the saved model with an edited temperature
    assert admin_run.returncode == 0, admin_run.report()
    # Then both sides answered and showed latency and tokens
    for side in ("a", "b"):
        shown = admin_run.data["compare"][side]
        assert shown["output"].strip() and shown["latency"].endswith(" ms") and shown["usage"]["output"] > 0, shown


def test_the_create_flow_fits_each_provider_and_api(admin_run: ScenarioRun, ui_stack: RunningStack) -> None:
    # Given the create flow walked for SageMaker, Bedrock Converse, Bedrock InvokeModel (catalogue and blank)
    assert admin_run.returncode == 0, admin_run.report()
    # Then each showed only its sections, with its defaults (Bedrock InvokeModel streams with bedrock-chunk framing)
    assert admin_run.data["create_cases"] == [{"format": case["format"], **case["expect"]} for case in CREATE_CASES]
    # And the model created with the keyboard only is stored, on Converse, version 1
    keyboard_id = CREATE_CASES[1]["keyboard_id"]
    stored = admin_get(ui_stack, f"/models/{keyboard_id}")
    assert stored["version"] == 1 and stored["config"]["provider"]["api"] == "converse"
    assert admin_run.data["keyboard_create"]["answer"]["output"].strip()


def test_the_audit_log_and_the_guard(admin_run: ScenarioRun, ui_stack: RunningStack) -> None:
    # Given the admin filtered the audit log by the saved model and the restore action, and reloaded a model with
    # unsaved edits
    assert admin_run.returncode == 0, admin_run.report()
    # Then the filtered log listed exactly the restores the API holds for that model
    records = admin_get(ui_stack, f"/audit?model_id={SAVED['id']}&action=restore")["records"]
    assert len(records) == admin_run.data["audit"]["filtered"] == 1, records
    assert records[0]["restored_from"] == 1 and records[0]["outcome"] == "success"
    # And the model's activity tab showed its saves and the restore
    assert {"save", "restore"} <= set(admin_run.data["activity_actions"])
    # And the reload with unsaved edits raised the browser's beforeunload prompt
    assert "beforeunload" in admin_run.data["dialogs"]


def test_every_page_visited_passes_axe(admin_run: ScenarioRun, user_run: ScenarioRun) -> None:
    # Given both scenarios ran axe-core on each page they visited
    # Then no page had a serious or critical violation, and each had exactly one h1
    assert_axe_clean(admin_run, ADMIN_AXE_PAGES)
    assert_axe_clean(user_run, USER_AXE_PAGES)


def test_plain_user_uses_the_saved_model_without_privileged_settings(user_run: ScenarioRun) -> None:
    # Given the admin saved a model
    # When the plain user's scenario runs (test page, models table, an admin URL, keyboard select, streamed invoke)
    # Then every step passed with no console error and no page error
    assert_clean_run(user_run)
    # And the list held the saved model
    options = user_run.data["user_model_options"]
    assert any(option.startswith(SAVED["name"]) for option in options), options
    # And the user's only invoke went to /invoke/stream, naming the saved model, with no override and no debug flag
    assert user_run.data["user_invokes"] == [
        {"path": STREAM_PATH, "body": {"model_id": SAVED["id"], "prompt": PROMPTS["user"]}}
    ]
    assert_streamed_over_the_network(user_run.data["user_invoke"])
    assert_screenshots_written(user_run, USER_SCREENSHOTS)


def test_the_user_invoke_used_the_saved_adapter(user_run: ScenarioRun, ui_stack: RunningStack) -> None:
    # Given the plain user invoked the saved model from the UI
    assert user_run.returncode == 0, user_run.report()
    # When the emulator's request log is read
    bodies = tgi_parameters_sent(ui_stack, PROMPTS["user"])
    # Then the call carried the admin's saved edits, streamed
    assert len(bodies) == 1, bodies
    assert_edited_parameters(bodies[0])
    assert bodies[0]["stream"] is True


def test_the_api_refuses_an_override_from_the_plain_user(ui_stack: RunningStack) -> None:
    # Given the plain user's Cognito token (what the user's browser session holds)
    token = ui_stack.login("user")
    calls_before = len(emulator_requests(ui_stack, BASE["endpoint_name"]))
    # When a request with an override is sent anyway (the UI never builds one for a user)
    status, body, _ = http(
        "POST",
        f"{ui_stack.api}/invoke",
        {"model_id": BASE["id"], "override": {"model_kwargs": {"temperature": 0.9}}, "prompt": "hello"},
        headers={"Authorization": token},
    )
    # Then it is forbidden by the admin-only rule, and the model is not called
    assert status == 403, body
    assert json.loads(body)["rule"] == "admin_only"
    assert len(emulator_requests(ui_stack, BASE["endpoint_name"])) == calls_before


def served_formats() -> dict[str, str]:
    """What each emulator endpoint (and inference component) really answers, by the name the UI lists it under."""
    formats: dict[str, str] = {}
    for name, entry in load_registry().sagemaker.items():
        if entry.inference_components is None:
            formats[name] = entry.format
        for component, spec in (entry.inference_components or {}).items():
            formats[f"{name} / {component}"] = spec.format or entry.format
    return formats


def test_an_admin_finds_each_endpoint_with_the_format_it_really_speaks(discovery_run: ScenarioRun) -> None:
    # Given the admin's discovery scenario (Create, "Find a deployed model", list, probe, configure, invoke)
    # Then every step passed with no console error and no page error
    assert_clean_run(discovery_run)
    # And every endpoint and component of the region was listed with the format its container really answers
    rows = discovery_run.data["endpoint_rows"]
    assert {row["name"]: row["format"] for row in rows} == served_formats()
    assert {row["confidence"] for row in rows} == {"high"} and {row["status"] for row in rows} == {"InService"}
    assert_screenshots_written(discovery_run, {"16-create-discovery.png"})
    # And the create flow's discovery page passed axe-core
    assert_axe_clean(discovery_run, 1)


def test_the_probed_config_invoked_the_endpoint_without_typing(
    discovery_run: ScenarioRun, ui_stack: RunningStack
) -> None:
    assert discovery_run.returncode == 0, discovery_run.report()
    sent = discovery_run.data["sent"]
    # Given the probe the UI sent: the chosen endpoint, in the order its image suggests (DJL LMI first)
    [probe] = sent["probes"]
    assert probe["target"] == {
        "type": "sagemaker",
        "endpoint_name": DISCOVERY["endpoint"],
        "region": DISCOVERY["region"],
    }
    assert probe["formats"][0] == "djl-lmi"
    assert discovery_run.data["probe_summary"] == "djl-lmi answered and streamed in 2 of at most 4 calls."
    # When the emulator's log for that endpoint is read
    requests = emulator_requests(ui_stack, DISCOVERY["endpoint"])
    # Then it received the two one-token probe calls, then the admin's streamed invoke with the prompt
    probes, invokes = requests[:2], requests[2:]
    assert [r["body"]["parameters"]["max_new_tokens"] for r in probes] == [1, 1]
    assert [r["operation"] for r in invokes] == ["InvokeEndpointWithResponseStream"]
    assert DISCOVERY["prompt"] in invokes[0]["body"]["inputs"]
    # And the UI streamed the whole discovered config (from scratch), with the id and output path it was given
    [sent_invoke] = sent["invokes"]
    assert sent_invoke["path"] == STREAM_PATH
    invoke = sent_invoke["body"]
    assert "model_id" not in invoke
    assert invoke["override"]["provider"]["endpoint_name"] == DISCOVERY["endpoint"]
    assert (discovery_run.data["model_id"], discovery_run.data["output_path"]) == (
        DISCOVERY["endpoint"],
        "generated_text",
    )
    assert discovery_run.data["output"].startswith(f"Echo: {DISCOVERY['prompt']}")


def test_discovery_and_the_probe_are_in_the_audit_trail(discovery_run: ScenarioRun, ui_stack: RunningStack) -> None:
    assert discovery_run.returncode == 0, discovery_run.report()
    token = ui_stack.login("admin")
    status, body, _ = http("GET", f"{ui_stack.api}/audit?limit=100", headers={"Authorization": token})
    assert status == 200, body
    records = [r for r in json.loads(body)["records"] if r["action"] in ("discover", "probe")]
    summary = sorted((r["action"], r["patch"].get("source") or r["patch"]["target"]["endpoint_name"]) for r in records)
    assert summary == [
        ("discover", "bedrock-models"),
        ("discover", "sagemaker-endpoints"),
        ("probe", DISCOVERY["endpoint"]),
    ]
    assert {(r["actor"], r["outcome"]) for r in records} == {("admin", "success")}


def test_bedrock_models_are_listed_with_their_kind_and_adapter(discovery_run: ScenarioRun) -> None:
    assert discovery_run.returncode == 0, discovery_run.report()
    rows = {row["name"]: row for row in discovery_run.data["bedrock_rows"]}
    assert {row["kind"] for row in rows.values()} == {
        "Foundation model",
        "Inference profile",
        "Application profile",
        "Imported model",
        "Marketplace endpoint",
    }
    assert rows[DISCOVERY["bedrock_profile"]]["format"] == "bedrock-converse"
    assert rows[DISCOVERY["bedrock_not_text"]]["format"] == "-"
