import { describe, expect, it } from "vitest";
import { assignErrors, pointerToKey } from "./paths";
import { FIELD_KEYS } from "./fieldKeys";

describe("paths", () => {
  it("converts JSON Pointers to the API's path form", () => {
    expect(pointerToKey("")).toBe("$");
    expect(pointerToKey("/provider/endpoint_name")).toBe("provider.endpoint_name");
    expect(pointerToKey("/prompt/stop_sequences/0")).toBe("prompt.stop_sequences[0]");
    expect(pointerToKey("/provider", "model_id")).toBe("provider.model_id");
    expect(pointerToKey("/model_kwargs/a~1b")).toBe("model_kwargs.a/b");
  });

  it("places each error at the most specific field that holds it", () => {
    const { byField, unassigned } = assignErrors(
      [
        { path: "provider.endpoint_kwargs.InferenceComponentName", message: "too long" },
        { path: "provider.endpoint_kwargs.EndpointName", message: "not allowed" },
        { path: "model_kwargs.temperature", message: "must be a number" },
        { path: "prompt.stop_sequences[1]", message: "is required" },
        { path: "schema_version", message: "must be 1" },
      ],
      FIELD_KEYS,
    );
    expect(byField).toEqual({
      "provider.endpoint_kwargs.InferenceComponentName": ["too long"],
      "provider.endpoint_kwargs": ["EndpointName: not allowed"],
      model_kwargs: ["temperature: must be a number"],
      "prompt.stop_sequences": ["[1]: is required"],
    });
    expect(unassigned).toEqual([{ path: "schema_version", message: "must be 1" }]);
  });
});
