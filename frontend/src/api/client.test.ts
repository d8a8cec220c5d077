import { describe, expect, it } from "vitest";
import { createFakeApi, eventStream, json } from "../test/fakeApi";
import { ADMIN_ME, ADMIN_MODELS } from "../test/fixtures/models";
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
    await api.saveModel("m1", { config: { id: "m1" }, version: 0 });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /models/m1?version=4", "PUT /models/m1"]);
    expect(requests[1]?.body).toEqual({ config: { id: "m1" }, version: 0 });
  });

  it("reads a streamed invoke frame by frame", async () => {
    // Given an API that answers text/event-stream
    const { api, requests } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: {
        "POST /invoke": () =>
          eventStream([
            { event: "delta", data: { text: "Hel" } },
            { event: "delta", data: { text: "lo" } },
            {
              event: "done",
              data: { usage: { input_tokens: 3, output_tokens: 2, estimated: false }, latency_ms: 42, model_id: "m", request_id: "r1" },
            },
          ]),
      },
    });
    const deltas: string[] = [];
    // When invoking with streaming
    const result = await api.invokeStream({ model_id: "m", prompt: "Hi" }, (text) => deltas.push(text));
    // Then the text arrives in pieces and the done frame completes the result
    expect(requests[0]?.body).toEqual({ model_id: "m", prompt: "Hi", stream: true });
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(result).toEqual({
      output: "Hello",
      usage: { input_tokens: 3, output_tokens: 2, estimated: false },
      latency_ms: 42,
      model_id: "m",
      request_id: "r1",
      streamed: true,
    });
  });

  it("falls back to buffered JSON when the deployment cannot stream", async () => {
    const answer = { output: "Whole", usage: { input_tokens: 1, output_tokens: 1, estimated: true }, latency_ms: 9, model_id: "m", request_id: "r" };
    const { api } = createFakeApi({ me: ADMIN_ME, models: [], routes: { "POST /invoke": () => json(200, answer) } });
    const deltas: string[] = [];
    const result = await api.invokeStream({ model_id: "m", prompt: "Hi" }, (text) => deltas.push(text));
    expect(result).toEqual({ ...answer, streamed: false });
    expect(deltas).toEqual(["Whole"]);
  });

  it("raises the error frame of a stream", async () => {
    const { api } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: {
        "POST /invoke": () =>
          eventStream([
            { event: "delta", data: { text: "partial" } },
            { event: "error", data: { error: "model_error", message: "The model failed." } },
          ]),
      },
    });
    const failure = (await api.invokeStream({ prompt: "x" }, () => undefined).catch((e: unknown) => e)) as ApiError;
    expect(failure.body).toEqual({ error: "model_error", message: "The model failed." });
  });

  it("does not send stream or debug to /models/validate", async () => {
    const { api, requests } = createFakeApi({
      me: ADMIN_ME,
      models: [],
      routes: { "POST /models/validate": () => json(200, {}) },
    });
    await api.validate({ model_id: "m", prompt: "x", stream: true, debug: true });
    expect(requests[0]?.body).toEqual({ model_id: "m", prompt: "x" });
  });
});
