import { describe, expect, it } from "vitest";
import { buildInvokeRequest, inputProblem, NotAllowedError, type TestInput } from "./invokeRequest";

const promptInput: TestInput = { mode: "prompt", prompt: "Hello", system: "", messages: [] };
const chatInput: TestInput = {
  mode: "chat",
  prompt: "ignored",
  system: "Be brief.",
  messages: [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "" },
  ],
};

describe("buildInvokeRequest", () => {
  it("a plain user sends the model id and the input, nothing privileged", () => {
    const body = buildInvokeRequest({ kind: "model", modelId: "claude-haiku" }, promptInput, {
      isAdmin: false,
      debug: true,
    });
    expect(body).toEqual({ model_id: "claude-haiku", prompt: "Hello" });
  });

  it("a plain user can never send an override", () => {
    expect(() =>
      buildInvokeRequest({ kind: "custom", baseId: "m", override: { name: "x" } }, promptInput, {
        isAdmin: false,
        debug: false,
      }),
    ).toThrow(NotAllowedError);
  });

  it("an admin editing a base model sends the base id and the merge patch", () => {
    const body = buildInvokeRequest({ kind: "custom", baseId: "tgi", override: { model_kwargs: { temperature: 1 } } }, chatInput, {
      isAdmin: true,
      debug: true,
    });
    expect(body).toEqual({
      model_id: "tgi",
      override: { model_kwargs: { temperature: 1 } },
      messages: [{ role: "user", content: "Hi" }],
      system: "Be brief.",
      debug: true,
    });
  });

  it("from scratch sends the full config as override and no model id", () => {
    const config = { schema_version: 1, id: "x" };
    const body = buildInvokeRequest({ kind: "custom", baseId: null, override: config }, promptInput, {
      isAdmin: true,
      debug: false,
    });
    expect(body).toEqual({ override: config, prompt: "Hello" });
    expect(body).not.toHaveProperty("model_id");
  });

  it("an unchanged base model sends no override", () => {
    const body = buildInvokeRequest({ kind: "custom", baseId: "tgi", override: undefined }, promptInput, {
      isAdmin: true,
      debug: false,
    });
    expect(body).toEqual({ model_id: "tgi", prompt: "Hello" });
  });
});

describe("inputProblem", () => {
  it("asks for a prompt or a user message", () => {
    expect(inputProblem({ ...promptInput, prompt: "  " })).toBe("Enter a prompt.");
    expect(inputProblem(promptInput)).toBeNull();
    expect(inputProblem({ ...chatInput, messages: [{ role: "assistant", content: "x" }] })).toBe(
      "Add at least one user message.",
    );
    expect(inputProblem({ ...chatInput, messages: [{ role: "user", content: "" }] })).toBe("Add at least one message.");
    expect(inputProblem(chatInput)).toBeNull();
  });
});
