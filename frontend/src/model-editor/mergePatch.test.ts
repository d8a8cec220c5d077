import { describe, expect, it } from "vitest";
import { applyMergePatch, createMergePatch, isPathChanged, patchedPaths } from "./mergePatch";
import type { JsonObject } from "./json";

describe("createMergePatch", () => {
  it("diffs objects recursively and keeps only what changed", () => {
    // Given a base and an edit that changes one nested field
    const base: JsonObject = { provider: { type: "sagemaker", endpoint_name: "a", region: "us-east-1" }, name: "A" };
    const edited: JsonObject = { provider: { type: "sagemaker", endpoint_name: "b", region: "us-east-1" }, name: "A" };
    // When the patch is created
    const patch = createMergePatch(base, edited);
    // Then it holds only the changed leaf
    expect(patch).toEqual({ provider: { endpoint_name: "b" } });
  });

  it("turns a removed key into null", () => {
    const patch = createMergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } });
    expect(patch).toEqual({ a: null, b: { d: null } });
  });

  it("replaces arrays whole", () => {
    const patch = createMergePatch({ stop: ["a", "b"], keep: [1] }, { stop: ["a"], keep: [1] });
    expect(patch).toEqual({ stop: ["a"] });
  });

  it("treats a null member and an absent member as the same (a merge patch cannot tell them apart)", () => {
    // Given the API's canonical form (nulls spelled out) and an edit that dropped them
    const base: JsonObject = { cross_account: null, provider: { guardrail: null, endpoint_url: null, region: "x" } };
    const edited: JsonObject = { provider: { region: "x" } };
    // Then there is nothing to send
    expect(createMergePatch(base, edited)).toEqual({});
    expect(createMergePatch(edited, base)).toEqual({});
  });

  it("adds a sub-object without its null members", () => {
    const patch = createMergePatch({ cross_account: null }, { cross_account: { role_arn: "arn", external_id: null } });
    expect(patch).toEqual({ cross_account: { role_arn: "arn" } });
  });

  it("replaces a value whose type changes", () => {
    expect(createMergePatch({ t: { a: 1 } }, { t: "text" })).toEqual({ t: "text" });
    expect(createMergePatch({ t: "text" }, { t: { a: 1 } })).toEqual({ t: { a: 1 } });
    expect(createMergePatch({ t: [1] }, { t: { a: 1 } })).toEqual({ t: { a: 1 } });
  });

  it("round-trips: applying the patch to the source gives the target", () => {
    const source: JsonObject = {
      provider: { type: "sagemaker", endpoint_name: "e", region: "us-east-1", endpoint_kwargs: { TargetVariant: "v1" } },
      model_kwargs: { temperature: 0.2, top_p: 0.9 },
      prompt: { stop_sequences: ["</s>"], template: "{{ x }}" },
    };
    const target: JsonObject = {
      provider: { type: "bedrock", model_id: "m", region: "us-west-2", api: "converse" },
      model_kwargs: { temperature: 0.7 },
      prompt: { stop_sequences: [], template: "{{ x }}" },
      cross_account: { role_arn: "arn:aws:iam::123456789012:role/R" },
    };
    expect(applyMergePatch(source, createMergePatch(source, target))).toEqual(target);
  });
});

describe("applyMergePatch (RFC 7396 examples)", () => {
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("apply(%j, %j) = %j", (target, patch, expected) => {
    expect(applyMergePatch(target as never, patch as never)).toEqual(expected);
  });
});

describe("changed paths", () => {
  it("lists the leaves a patch touches and matches fields by ancestry", () => {
    const changed = patchedPaths({ provider: { endpoint_name: "b", guardrail: null }, model_kwargs: { t: 1 } });
    expect(changed).toEqual(["provider.endpoint_name", "provider.guardrail", "model_kwargs.t"]);
    expect(isPathChanged(changed, "provider.endpoint_name")).toBe(true);
    expect(isPathChanged(changed, "provider.guardrail.version")).toBe(true);
    expect(isPathChanged(changed, "model_kwargs")).toBe(true);
    expect(isPathChanged(changed, "provider.region")).toBe(false);
    expect(isPathChanged(changed, "provider.endpoint")).toBe(false);
  });
});
