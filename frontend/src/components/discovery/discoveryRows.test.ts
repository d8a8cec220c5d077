import { describe, expect, it } from "vitest";
import recorded from "../../test/fixtures/discovery.json";
import { bedrockRows, endpointRows, probeRequestFor } from "./discoveryRows";
import type { BedrockModelList, EndpointPage } from "../../api/types";

const page = recorded.endpoints as EndpointPage;
const models = recorded.bedrock as BedrockModelList;

describe("endpoint rows", () => {
  it("a model-based endpoint is one row; an endpoint for components is one row per component", () => {
    const rows = endpointRows(page);
    expect(rows.map((row) => [row.key, row.format, row.detail, row.usable])).toEqual([
      ["tgi-mistral-7b", "tgi", "1 × ml.g5.2xlarge", true],
      ["llm-shared-g5-12xl/ic-mistral-7b-tgi", "tgi", "2 × ml.g5.12xlarge", true],
      ["llm-shared-g5-12xl/ic-qwen2-7b-vllm", "openai-chat", "2 × ml.g5.12xlarge", true],
    ]);
    expect(rows[2]!.target).toEqual({
      type: "sagemaker",
      endpoint_name: "llm-shared-g5-12xl",
      region: "us-east-1",
      inference_component_name: "ic-qwen2-7b-vllm",
    });
    expect(rows[0]!.formats).toEqual(["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"]);
    expect(rows[0]!.reason).toBe("Hugging Face TGI 2.3.1");
  });

  it("a variant of a multi-variant endpoint is routed to, and an endpoint that failed is shown but not usable", () => {
    const [endpoint] = page.endpoints;
    const twoVariants: EndpointPage = {
      region: "eu-west-1",
      next_token: null,
      endpoints: [
        { ...endpoint!, variants: [endpoint!.variants![0]!, { ...endpoint!.variants![0]!, name: "Canary" }] },
        { ...endpoint!, name: "broken", variants: [], error: { error: "credentials_error", message: "AccessDenied" } },
        { ...endpoint!, name: "warming", status: "Creating" },
      ],
    };
    const rows = endpointRows(twoVariants);
    expect(rows.map((row) => [row.name, row.usable])).toEqual([
      ["tgi-mistral-7b (AllTraffic)", true],
      ["tgi-mistral-7b (Canary)", true],
      ["broken", false],
      ["warming", false],
    ]);
    expect(rows[1]!.target).toMatchObject({ target_variant: "Canary", region: "eu-west-1" });
    expect(rows[2]!.reason).toBe("AccessDenied");
  });
});

describe("bedrock rows", () => {
  it("text models are usable with their adapters; other models are listed with why not", () => {
    const rows = bedrockRows(models);
    expect(rows.map((row) => [row.key, row.status, row.format, row.usable])).toEqual([
      ["anthropic.claude-3-haiku-20240307-v1:0", "Foundation model", "bedrock-converse", true],
      ["amazon.titan-embed-text-v2:0", "Foundation model", "", false],
    ]);
    expect(rows[1]!.reason).toBe("output modalities EMBEDDING: not a text model");
  });
});

describe("probe request", () => {
  it("carries the target, the suggested order and the role", () => {
    const [row] = endpointRows(page);
    expect(probeRequestFor(row!, null)).toEqual({
      target: { type: "sagemaker", endpoint_name: "tgi-mistral-7b", region: "us-east-1" },
      formats: ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"],
      stream: true,
    });
    const role = { role_arn: "arn:aws:iam::222222222222:role/Reader" };
    expect(probeRequestFor(row!, { ...role, external_id: "" }).cross_account).toEqual(role);
  });
});
