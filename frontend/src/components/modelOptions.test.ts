import { describe, expect, it } from "vitest";
import { ADMIN_MODELS, USER_MODELS } from "../test/fixtures/models";
import { modelOptions, modelTags } from "./modelOptions";

describe("model options", () => {
  it("tags provider, model id or endpoint name, and Default", () => {
    expect(ADMIN_MODELS.map(modelTags)).toEqual([
      ["Bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "Default"],
      ["SageMaker", "llama3-tgi"],
      ["SageMaker", "llama3-tgi"],
    ]);
  });

  it("a plain user's list carries no endpoint names, so no such tag appears", () => {
    expect(USER_MODELS.map(modelTags)).toEqual([
      ["Bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "Default"],
      ["SageMaker"],
      ["SageMaker"],
    ]);
  });

  it("groups predefined and saved models", () => {
    expect(modelOptions(ADMIN_MODELS).map((group) => ("options" in group ? [group.label, group.options.length] : null))).toEqual([
      ["Predefined models", 2],
      ["Saved models", 1],
    ]);
  });
});
