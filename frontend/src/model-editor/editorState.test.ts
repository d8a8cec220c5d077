import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../api/types";
import schema from "../test/fixtures/model-config.schema.json";
import { CLAUDE_CONFIG, SAVED_CONFIG, TGI_CONFIG } from "../test/fixtures/models";
import {
  changedPaths,
  editorReducer,
  initialEditorState,
  normalizeConfig,
  overrideFor,
  saveRequestFor,
  type EditorAction,
  type EditorState,
} from "./editorState";
import { createConfigValidator } from "./schemaValidation";

const run = (state: EditorState, ...actions: EditorAction[]) => actions.reduce(editorReducer, state);
const checkConfig = createConfigValidator(schema);
/** The draft as Save gets it: once the schema accepts it. */
function validDraft(state: EditorState): ModelConfig {
  const { config, errors } = checkConfig(state.draft);
  if (config === null) throw new Error(`the draft is invalid: ${JSON.stringify(errors)}`);
  return config;
}
const fromTgi = () =>
  run(initialEditorState("eu-west-1"), { type: "loadBase", id: "tgi-llama", config: TGI_CONFIG, saved: null });

describe("base-model prefill", () => {
  it("fills every field from the base model and has nothing to override yet", () => {
    // Given the editor from scratch, When a base model is chosen
    const state = fromTgi();
    // Then the draft is the base's config (nulls of the canonical form dropped, free JSON kept as is)
    expect(state.baseId).toBe("tgi-llama");
    expect(state.draft.provider).toEqual({
      type: "sagemaker",
      endpoint_name: "llama3-tgi",
      region: "us-east-1",
      content_type: "application/json",
      accept: "application/json",
      endpoint_kwargs: {},
    });
    expect(state.draft.prompt).toEqual(normalizeConfig(TGI_CONFIG).prompt);
    expect(state.draft.model_kwargs).toEqual({ max_new_tokens: 256, temperature: 0.2 });
    expect(state.draft).not.toHaveProperty("cross_account");
    expect(overrideFor(state)).toBeUndefined();
    expect(changedPaths(state)).toEqual([]);
  });

  it("keeps null values inside free JSON (request template, model kwargs)", () => {
    const config = { ...TGI_CONFIG, model_kwargs: { seed: null }, content_handler: { request_template: { x: null } } };
    const state = run(initialEditorState("us-east-1"), { type: "loadBase", id: "m", config, saved: null });
    expect(state.draft.model_kwargs).toEqual({ seed: null });
    expect(state.draft.content_handler).toEqual({ request_template: { x: null } });
  });

  it("starts from scratch with defaults and the stage region", () => {
    const state = initialEditorState("eu-west-1");
    expect(state.base).toBeNull();
    expect(state.draft).toMatchObject({ schema_version: 1, id: "", provider: { type: "sagemaker", region: "eu-west-1" } });
    // From scratch, the whole config is the override.
    expect(overrideFor(state)).toEqual(state.draft);
  });
});

describe("merge-patch diff of the edits", () => {
  it("sends only what differs from the base", () => {
    // Given a base, When two fields are edited
    const state = run(
      fromTgi(),
      { type: "set", path: ["provider", "endpoint_name"], value: "llama3-tgi-v2" },
      { type: "set", path: ["model_kwargs"], value: { max_new_tokens: 256, temperature: 0.9 } },
    );
    // Then the override is the merge patch and the changed fields are known
    expect(overrideFor(state)).toEqual({ provider: { endpoint_name: "llama3-tgi-v2" }, model_kwargs: { temperature: 0.9 } });
    expect(changedPaths(state)).toEqual(["provider.endpoint_name", "model_kwargs.temperature"]);
  });

  it("deletes a key when a field is cleared, which the patch sends as null", () => {
    const state = run(fromTgi(), { type: "set", path: ["constraints", "max_input_tokens"], value: undefined });
    expect(state.draft.constraints).toEqual({});
    expect(overrideFor(state)).toEqual({ constraints: { max_input_tokens: null } });
  });

  it("drops an optional sub-object once its last field is cleared", () => {
    const state = run(
      initialEditorState("us-east-1"),
      { type: "loadBase", id: "c", config: CLAUDE_CONFIG, saved: null },
      { type: "set", path: ["provider", "guardrail", "identifier"], value: "gr-1" },
      { type: "set", path: ["provider", "guardrail", "identifier"], value: undefined },
    );
    expect(state.draft.provider).not.toHaveProperty("guardrail");
    expect(overrideFor(state)).toBeUndefined();
  });

  it("switching provider replaces the provider's fields and switching back restores them", () => {
    // Given a SageMaker base
    let state = fromTgi();
    // When the provider becomes Bedrock
    state = run(state, { type: "switchProvider", provider: "bedrock", region: "eu-west-1" });
    // Then the Bedrock fields start empty in the same region, and the patch removes the SageMaker ones
    expect(state.draft.provider).toEqual({ type: "bedrock", model_id: "", region: "us-east-1", api: "converse" });
    expect(overrideFor(state)).toEqual({
      provider: {
        type: "bedrock",
        model_id: "",
        api: "converse",
        endpoint_name: null,
        content_type: null,
        accept: null,
        endpoint_kwargs: null,
      },
    });
    // When switching back, the SageMaker fields come back as they were
    state = run(state, { type: "switchProvider", provider: "sagemaker", region: "eu-west-1" });
    expect(overrideFor(state)).toBeUndefined();
  });
});

describe("saving", () => {
  it("creates a new model with version 0 and the base as base_model_id", () => {
    const state = run(fromTgi(), { type: "set", path: ["id"], value: "tgi-llama-hot" });
    const { id, body } = saveRequestFor(state, validDraft(state));
    expect(id).toBe("tgi-llama-hot");
    expect(body.version).toBe(0);
    expect(body.base_model_id).toBe("tgi-llama");
    expect(body.config).toEqual(state.draft);
  });

  it("updates a saved model with the version that was read, keeping its origin", () => {
    const state = run(initialEditorState("us-east-1"), {
      type: "loadBase",
      id: "tgi-llama-cold",
      config: SAVED_CONFIG,
      saved: { id: "tgi-llama-cold", version: 3 },
      originBaseId: "tgi-llama",
    });
    expect(saveRequestFor(state, validDraft(state))).toMatchObject({
      id: "tgi-llama-cold",
      body: { version: 3, base_model_id: "tgi-llama" },
    });
  });

  it("after a save, the saved config becomes the base and the next save is an update", () => {
    let state = run(fromTgi(), { type: "set", path: ["id"], value: "mine" });
    state = run(state, { type: "saved", id: "mine", version: 1 });
    expect(state.baseId).toBe("mine");
    expect(overrideFor(state)).toBeUndefined();
    expect(saveRequestFor(state, validDraft(state))).toMatchObject({ body: { version: 1, base_model_id: "tgi-llama" } });
  });

  it("on conflict, merges my changes onto the latest version", () => {
    // Given I loaded version 3 and changed the temperature
    let state = run(
      initialEditorState("us-east-1"),
      { type: "loadBase", id: "tgi-llama-cold", config: SAVED_CONFIG, saved: { id: "tgi-llama-cold", version: 3 } },
      { type: "set", path: ["model_kwargs", "temperature"], value: 0.4 },
    );
    // And someone else saved version 4 with a new name
    const latest = { ...SAVED_CONFIG, name: "Renamed by Bob" };
    // When I merge my changes onto it
    state = run(state, { type: "rebase", id: "tgi-llama-cold", config: latest, version: 4, keepChanges: true });
    // Then both edits are in the draft, and saving targets version 4
    expect(state.draft.name).toBe("Renamed by Bob");
    expect(state.draft.model_kwargs).toEqual({ max_new_tokens: 256, temperature: 0.4 });
    expect(saveRequestFor(state, validDraft(state)).body.version).toBe(4);
  });

  it("on conflict, reloading discards my changes", () => {
    let state = run(
      initialEditorState("us-east-1"),
      { type: "loadBase", id: "tgi-llama-cold", config: SAVED_CONFIG, saved: { id: "tgi-llama-cold", version: 3 } },
      { type: "set", path: ["name"], value: "Mine" },
    );
    state = run(state, { type: "rebase", id: "tgi-llama-cold", config: SAVED_CONFIG, version: 5, keepChanges: false });
    expect(state.draft.name).toBe("Llama 3 cold");
    expect(state.saveTarget).toEqual({ id: "tgi-llama-cold", version: 5 });
  });
});

describe("JSON editor parse errors and import", () => {
  it("tracks parse errors per field", () => {
    let state = run(fromTgi(), { type: "parseError", path: ["model_kwargs"], message: "Invalid JSON" });
    expect(state.parseErrors).toEqual({ model_kwargs: "Invalid JSON" });
    state = run(state, { type: "parseError", path: ["model_kwargs"], message: null });
    expect(state.parseErrors).toEqual({});
  });

  it("imports a config as from scratch", () => {
    const state = run(fromTgi(), { type: "import", config: CLAUDE_CONFIG });
    expect(state.base).toBeNull();
    expect(state.draft.id).toBe("claude-haiku");
    expect(overrideFor(state)).toEqual(normalizeConfig(CLAUDE_CONFIG));
  });
});
