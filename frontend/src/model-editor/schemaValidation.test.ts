import { describe, expect, it } from "vitest";
import schema from "../test/fixtures/model-config.schema.json";
import { CLAUDE_CONFIG, TGI_CONFIG } from "../test/fixtures/models";
import { createConfigValidator, prepareSchema } from "./schemaValidation";
import type { JsonObject } from "./json";
import { setIn } from "./editorState";

const check = createConfigValidator(schema);
const validate = (config: unknown) => check(config).errors;

const minimal: JsonObject = {
  schema_version: 1,
  id: "my-model",
  name: "My model",
  provider: { type: "sagemaker", endpoint_name: "my-endpoint", region: "us-east-1" },
};

describe("createConfigValidator (the API's JSON Schema, draft 2020-12)", () => {
  it("accepts complete canonical configs and a minimal one", () => {
    expect(validate(TGI_CONFIG)).toEqual([]);
    expect(validate(CLAUDE_CONFIG)).toEqual([]);
    expect(validate(minimal)).toEqual([]);
  });

  it("hands back an accepted draft as the typed config, and no config for a rejected one", () => {
    // Given a draft the schema accepts, Then the check returns that very object as a ModelConfig (what Save sends)
    const accepted = check(minimal);
    expect(accepted).toEqual({ config: minimal, errors: [] });
    expect(accepted.config?.provider.type).toBe("sagemaker");
    // Given a draft it rejects, Then there is no config, only the errors
    const rejected = check(setIn(minimal, ["id"], ""));
    expect(rejected).toEqual({ config: null, errors: [{ path: "id", message: "is required" }] });
  });

  it("puts a pattern error at the field with a readable message", () => {
    const errors = validate(setIn(minimal, ["provider", "endpoint_name"], "bad_name!"));
    expect(errors).toEqual([
      { path: "provider.endpoint_name", message: expect.stringContaining("SageMaker endpoint name") },
    ]);
  });

  it("reports an emptied required string as required", () => {
    expect(validate(setIn(minimal, ["id"], ""))).toEqual([{ path: "id", message: "is required" }]);
  });

  it("reports a missing required key at the key's own path", () => {
    const errors = validate(setIn(minimal, ["provider", "region"], undefined));
    expect(errors).toEqual([{ path: "provider.region", message: "is required" }]);
  });

  it("validates the branch chosen by provider.type (discriminator) only", () => {
    const bedrock = setIn(minimal, ["provider"], { type: "bedrock", region: "us-east-1" });
    expect(validate(bedrock)).toEqual([{ path: "provider.model_id", message: "is required" }]);
  });

  it("names an unknown provider type", () => {
    const errors = validate(setIn(minimal, ["provider", "type"], "openai"));
    expect(errors).toEqual([{ path: "provider.type", message: "provider.type must be 'sagemaker' or 'bedrock'" }]);
  });

  it("rejects endpoint kwargs outside the allow-list and lists the allowed keys", () => {
    const errors = validate(setIn(minimal, ["provider", "endpoint_kwargs"], { EndpointName: "other" }));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe("provider.endpoint_kwargs.EndpointName");
    expect(errors[0]?.message).toContain("'EndpointName' cannot be set through endpoint_kwargs");
    expect(errors[0]?.message).toContain("InferenceComponentName");
  });

  it("reports errors inside an optional (X | null) object without the null-branch noise", () => {
    const config = setIn(minimal, ["cross_account"], { role_arn: "not-an-arn", session_duration_s: 60 });
    expect(validate(config)).toEqual([
      { path: "cross_account.role_arn", message: expect.stringContaining("IAM role ARN") },
      { path: "cross_account.session_duration_s", message: "must be >= 900" },
    ]);
  });

  it("reports wrong types, bounds and unknown keys", () => {
    let config = setIn(minimal, ["constraints", "max_input_tokens"], "many");
    config = setIn(config, ["prompt", "stop_sequences"], ["ok", ""]);
    config = setIn(config, ["surprise"], true);
    expect(validate(config)).toEqual(
      expect.arrayContaining([
        { path: "constraints.max_input_tokens", message: "must be integer" },
        { path: "prompt.stop_sequences[1]", message: "is required" },
        { path: "surprise", message: "unknown field (the schema rejects keys it does not define)" },
      ]),
    );
  });

  it("compiles the pydantic schema although it carries OpenAPI's discriminator mapping", () => {
    const prepared = prepareSchema(schema) as { properties: { provider: { discriminator: object } } };
    expect(prepared.properties.provider.discriminator).toEqual({ propertyName: "type" });
    expect((schema as { properties: { provider: { discriminator: { mapping?: object } } } }).properties.provider.discriminator.mapping).toBeDefined();
  });
});
