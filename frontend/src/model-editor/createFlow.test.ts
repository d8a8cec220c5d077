import { describe, expect, it } from "vitest";
import { CATALOGUE } from "./catalogue";
import {
  blankConfig,
  converseMapping,
  copyConfig,
  defaultApi,
  defaultFraming,
  formatsFor,
  idProblem,
  sectionsFor,
  startingConfig,
} from "./createFlow";

describe("the catalogue bundled at build time", () => {
  it("given the engine's catalogue folder, when bundled, then every format is a starting point", () => {
    expect(CATALOGUE.map((entry) => entry.format)).toEqual([
      "bedrock-anthropic-messages",
      "bedrock-converse",
      "bedrock-deepseek-r1",
      "bedrock-meta-llama",
      "bedrock-titan-text",
      "djl-lmi",
      "jumpstart-llama2-chat",
      "openai-chat",
      "tgi",
    ]);
  });

  it("given a provider and API, when formats are listed, then only the adapters that fit are offered", () => {
    expect(formatsFor(CATALOGUE, "sagemaker", "invoke_endpoint").map((e) => e.format)).toEqual(["djl-lmi", "jumpstart-llama2-chat", "openai-chat", "tgi"]);
    expect(formatsFor(CATALOGUE, "bedrock", "converse").map((e) => e.format)).toEqual(["bedrock-converse"]);
    expect(formatsFor(CATALOGUE, "bedrock", "invoke_model").map((e) => e.format)).toEqual([
      "bedrock-anthropic-messages",
      "bedrock-deepseek-r1",
      "bedrock-meta-llama",
      "bedrock-titan-text",
    ]);
  });
});

describe("defaults per provider and API", () => {
  it("given SageMaker, when blank, then a TGI-shaped handler with the stage region and no id", () => {
    const config = blankConfig("sagemaker", "invoke_endpoint", "eu-west-1");
    expect(config.id).toBe("");
    expect(config.provider).toEqual({ type: "sagemaker", endpoint_name: "", region: "eu-west-1", content_type: "application/json", accept: "application/json" });
    expect(config.content_handler).toEqual({ request_template: { inputs: "{{prompt}}", parameters: "{{model_kwargs}}" }, output_path: "[0].generated_text" });
  });

  it("given Bedrock Converse, when blank, then no content handler and no chat template", () => {
    const config = blankConfig("bedrock", "converse", "us-east-1");
    expect(config.provider).toEqual({ type: "bedrock", model_id: "", region: "us-east-1", api: "converse" });
    expect(config.content_handler).toBeUndefined();
    expect(config.prompt).toEqual({ stop_sequences: [] });
    expect(sectionsFor(config)).toEqual({ contentHandler: false, chatTemplate: false, converseMapping: true });
  });

  it("given Bedrock InvokeModel, when blank, then its stream uses Bedrock chunk framing and its paths are left to fill", () => {
    const config = blankConfig("bedrock", "invoke_model", "us-east-1");
    expect(config.content_handler).toMatchObject({ output_path: "", stream: { framing: "bedrock-chunk", output_path: "" } });
    expect(defaultFraming("bedrock", "invoke_model")).toBe("bedrock-chunk");
    expect(defaultFraming("sagemaker", "invoke_endpoint")).toBe("jsonlines");
    expect(sectionsFor(config)).toEqual({ contentHandler: true, chatTemplate: true, converseMapping: false });
  });

  it("given a provider, when its API is defaulted, then SageMaker uses InvokeEndpoint and Bedrock Converse", () => {
    expect(defaultApi("sagemaker")).toBe("invoke_endpoint");
    expect(defaultApi("bedrock")).toBe("converse");
  });

  it("given a catalogue format, when started from, then its adapter is kept without its id, name or endpoint", () => {
    const config = startingConfig({ kind: "format", provider: "sagemaker", api: "invoke_endpoint", format: "tgi" }, CATALOGUE, "eu-west-1");
    expect(config).toMatchObject({ id: "", name: "", provider: { type: "sagemaker", endpoint_name: "", region: "eu-west-1" } });
    expect(config.content_handler).toMatchObject({ stream: { framing: "sse" }, stop_reason_path: "[0].details.finish_reason || details.finish_reason" });
    const anthropic = startingConfig({ kind: "format", provider: "bedrock", api: "invoke_model", format: "bedrock-anthropic-messages" }, CATALOGUE, "us-west-2");
    expect(anthropic.provider).toEqual({ type: "bedrock", model_id: "anthropic.claude-3-haiku-20240307-v1:0", region: "us-west-2", api: "invoke_model" });
    expect(anthropic.content_handler).toMatchObject({ stream: { framing: "bedrock-chunk" } });
  });

  it("given a model to copy, when copied, then the id is cleared (a new one is required) and the name says copy", () => {
    expect(copyConfig({ id: "tgi", name: "Mistral", model_kwargs: { t: 1 } })).toEqual({ id: "", name: "Copy of Mistral", model_kwargs: { t: 1 } });
  });
});

describe("the new model id", () => {
  it("given an id, when checked before Save, then a taken id or a bad pattern is explained", () => {
    expect(idProblem("", ["tgi"])).toBe("Enter an id for the new model.");
    expect(idProblem("Bad Id", [])).toContain("lowercase letters");
    expect(idProblem("tgi", ["tgi", "other"])).toBe('"tgi" is already taken by another model: choose another id.');
    expect(idProblem("tgi-2", ["tgi"])).toBeNull();
  });
});

describe("Converse kwargs mapping", () => {
  it("given model kwargs, when mapped, then known keys go to inferenceConfig and the rest to additionalModelRequestFields", () => {
    expect(converseMapping({ max_tokens: 512, temperature: 0.5, top_p: 0.9, top_k: 50, stop: ["x"] })).toEqual([
      { kwarg: "max_tokens", value: 512, target: "inferenceConfig.maxTokens" },
      { kwarg: "temperature", value: 0.5, target: "inferenceConfig.temperature" },
      { kwarg: "top_p", value: 0.9, target: "inferenceConfig.topP" },
      { kwarg: "top_k", value: 50, target: "additionalModelRequestFields.top_k" },
      { kwarg: "stop", value: ["x"], target: "inferenceConfig.stopSequences" },
    ]);
    expect(converseMapping(undefined)).toEqual([]);
  });
});
