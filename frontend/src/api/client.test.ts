import { describe, expect, it } from "vitest";
import { createFakeApi, eventStream, json } from "../test/fakeApi";
import { ADMIN_ME, ADMIN_MODELS, TGI_CONFIG } from "../test/fixtures/models";
import { ApiError } from "./errors";

describe("ApiClient", () => {
  it("sends the Cognito ID token as Authorization and parses the body", async () => {
    const { api, requests } = createFakeApi({ me: ADMIN_ME, models: ADMIN_MODELS });
    await expect(api.me()).resolves.toEqual(ADMIN_ME);
    await expect(api.listModels()).resolves.toEqual(ADMIN_MODELS);
    expect(requests[0]).toMatchObject({ method: "GET", path: "/me", headers: { Authorization: "id-token-123" } });
  });

  it("raises the API's error body, with details and rule", async () => {
    const body = {
      error: "forbidden",
      message: "Only administrators may send an override.",
      rule: "admin_only",
    };
    const { api } = createFakeApi({ me: ADMIN_ME, models: [], routes: { "POST /invoke": () => json(403, body) } });
    const failure = await api.invoke({ model_id: "m", prompt: "x" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(403);
    expect((failure as ApiError).body).toEqual(body);
  });

  it("turns API Gateway's own {message} answers into an error body", async () => {
    const { api } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: { "GET /me": () => json(401, { message: "Unauthorized" }) },
    });
    const failure = (await api.me().catch((error: unknown) => error)) as ApiError;
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({ error: "http_401", message: "Unauthorized" });
  });

  it("sends deletes with the version read and saves with the body given", async () => {
    const { api, requests } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: {
        "DELETE /models/m1": () => json(200, { id: "m1", deleted: true }),
        "PUT /models/m1": () => json(200, { id: "m1", version: 1, updated_at: "t", updated_by: "alice" }),
      },
    });
    await api.deleteModel("m1", 4);
    const config = { ...TGI_CONFIG, id: "m1" };
    await api.saveModel("m1", { config, version: 0 });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /models/m1?version=4", "PUT /models/m1"]);
    expect(requests[1]?.body).toEqual({ config, version: 0 });
  });

  it("posts a streamed invoke to /invoke/stream and a buffered one to /invoke, with the same body", async () => {
    // Given an API with both routes
    const done = { usage: { input_tokens: 3, output_tokens: 2, estimated: false }, latency_ms: 42, model_id: "m", request_id: "r1" };
    const answer = { ...done, output: "Hello" };
    const { api, requests } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: {
        "POST /invoke/stream": () =>
          eventStream([
            { event: "delta", data: { text: "Hel" } },
            { event: "delta", data: { text: "lo" } },
            { event: "done", data: done },
          ]),
        "POST /invoke": () => json(200, answer),
      },
    });
    const deltas: string[] = [];
    // When the same body is invoked streamed, then buffered
    const streamed = await api.invokeStream({ model_id: "m", prompt: "Hi" }, (text) => deltas.push(text));
    const buffered = await api.invoke({ model_id: "m", prompt: "Hi" });
    // Then the stream went to /invoke/stream, asking for an event stream, and the body says nothing about streaming
    expect(requests.map(({ method, path, body, headers }) => ({ method, path, body, accept: headers.Accept }))).toEqual([
      { method: "POST", path: "/invoke/stream", body: { model_id: "m", prompt: "Hi" }, accept: "text/event-stream, application/json" },
      { method: "POST", path: "/invoke", body: { model_id: "m", prompt: "Hi" }, accept: "application/json" },
    ]);
    // And the text arrived in pieces, and both calls give the same answer
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(streamed).toEqual(answer);
    expect(buffered).toEqual(answer);
  });

  it.each([
    {
      status: 400,
      body: {
        error: "validation_error",
        message: "The request body is invalid.",
        details: [{ path: "override.model_kwargs.temperature", message: "must be <= 2", type: "less_than_equal" }],
      },
    },
    { status: 403, body: { error: "forbidden", message: "Only administrators may send an override.", rule: "admin_only" } },
  ])("a $status JSON refusal of /invoke/stream is the same error as /invoke's", async ({ status, body }) => {
    // Given an API that refuses the body on both routes before any stream starts
    const { api } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: { "POST /invoke/stream": () => json(status, body), "POST /invoke": () => json(status, body) },
    });
    const deltas: string[] = [];
    // When the body is sent streamed and buffered
    const streamed = await api.invokeStream({ prompt: "x" }, (text) => deltas.push(text)).catch((error: unknown) => error);
    const buffered = await api.invoke({ prompt: "x" }).catch((error: unknown) => error);
    // Then both fail with the API's status and whole body (code, message, details, rule), and no text was shown
    expect(streamed).toBeInstanceOf(ApiError);
    expect(buffered).toBeInstanceOf(ApiError);
    expect({ status: (streamed as ApiError).status, body: (streamed as ApiError).body }).toEqual({ status, body });
    expect({ status: (buffered as ApiError).status, body: (buffered as ApiError).body }).toEqual({ status, body });
    expect(deltas).toEqual([]);
  });

  it("does not send debug to /models/validate", async () => {
    const { api, requests } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: { "POST /models/validate": () => json(200, {}) },
    });
    await api.validate({ model_id: "m", prompt: "x", debug: true });
    expect(requests[0]?.body).toEqual({ model_id: "m", prompt: "x" });
  });
});
