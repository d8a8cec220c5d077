import { describe, expect, it } from "vitest";
import { clearDraft, draftKey, readDraft, writeDraft } from "./drafts";

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
    removeItem: (key: string) => void data.delete(key),
  };
}

describe("drafts that survive a reload", () => {
  it("given an edited draft, when written and read back, then the draft, its time and its base version return", () => {
    const store = memoryStorage();
    writeDraft("tgi", { draft: { id: "tgi", model_kwargs: { t: 1 } }, baseVersion: 3 }, store, () => new Date("2026-12-04T10:00:00Z"));
    expect(store.data.has(draftKey("tgi"))).toBe(true);
    expect(readDraft("tgi", store)).toEqual({ draft: { id: "tgi", model_kwargs: { t: 1 } }, savedAt: "2026-12-04T10:00:00.000Z", baseVersion: 3 });
  });

  it("given drafts of two models, when one is cleared, then the other stays", () => {
    const store = memoryStorage();
    writeDraft("a", { draft: { id: "a" }, baseVersion: null }, store);
    writeDraft("b", { draft: { id: "b" }, baseVersion: null, extra: { stage: "configure" } }, store);
    clearDraft("a", store);
    expect(readDraft("a", store)).toBeNull();
    expect(readDraft("b", store)?.extra).toEqual({ stage: "configure" });
  });

  it("given a corrupt or foreign value, when read, then there is no draft (the editor starts clean)", () => {
    const store = memoryStorage();
    store.setItem(draftKey("x"), "{not json");
    store.setItem(draftKey("y"), JSON.stringify({ draft: [1], savedAt: 1 }));
    expect(readDraft("x", store)).toBeNull();
    expect(readDraft("y", store)).toBeNull();
  });

  it("given storage that refuses writes, when a draft is written, then the editor keeps working", () => {
    const full = { getItem: () => null, setItem: () => { throw new Error("QuotaExceededError"); }, removeItem: () => undefined };
    expect(() => writeDraft("x", { draft: {}, baseVersion: null }, full)).not.toThrow();
  });
});
