import { describe, expect, it } from "vitest";
import { pruneNulls, type JsonObject } from "./json";
import { applyMergePatch } from "./mergePatch";
import { defaultComparison, restoreRequest, versionDiff } from "./versionDiff";

const V1: JsonObject = { id: "m", name: "M", model_kwargs: { temperature: 0.2, top_k: 5 }, prompt: { template: null, stop_sequences: [] } };
const V2: JsonObject = { id: "m", name: "M v2", model_kwargs: { temperature: 0.7 }, prompt: { template: null, stop_sequences: ["</s>"] } };

describe("the diff between two versions as a merge patch", () => {
  it("given two versions, when diffed, then the patch turns A into B (null removes, arrays replace)", () => {
    const diff = versionDiff(V1, V2);
    expect(diff.patch).toEqual({ name: "M v2", model_kwargs: { temperature: 0.7, top_k: null }, prompt: { stop_sequences: ["</s>"] } });
    expect([...diff.paths].sort()).toEqual(["model_kwargs.temperature", "model_kwargs.top_k", "name", "prompt.stop_sequences"]);
    expect(applyMergePatch(pruneNulls(V1), diff.patch)).toEqual(pruneNulls(V2));
    expect(diff.same).toBe(false);
  });

  it("given the same version twice, when diffed, then nothing changed", () => {
    expect(versionDiff(V1, structuredClone(V1))).toEqual({ patch: {}, paths: [], same: true });
  });

  it("given a version list, when compared by default, then it is the one before the latest against the latest", () => {
    expect(defaultComparison([{ version: 3 }, { version: 2 }, { version: 1 }])).toEqual({ a: 2, b: 3 });
    expect(defaultComparison([{ version: 1 }])).toEqual({ a: 1, b: 1 });
    expect(defaultComparison([])).toEqual({ a: null, b: null });
  });
});

describe("restore", () => {
  it("given an old version, when restored, then its config is saved on top of the current version with restored_from", () => {
    const old = { id: "m", version: 1, saved_at: "t", saved_by: "alice", base_model_id: "tgi", restored_from: null, config: V1 };
    const body = restoreRequest(old, 4);
    expect(body).toEqual({ config: V1, version: 4, restored_from: 1, base_model_id: "tgi" });
    expect(body.config).not.toBe(V1);
  });
});
