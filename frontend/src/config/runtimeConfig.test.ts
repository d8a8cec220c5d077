import { describe, expect, it } from "vitest";
import { ConfigError, loadRuntimeConfig, parseRuntimeConfig } from "./runtimeConfig";

const deployed = {
  region: "us-east-1",
  userPoolId: "us-east-1_AbC",
  userPoolClientId: "client",
  apiUrl: "https://abc.execute-api.us-east-1.amazonaws.com/prod/",
  stage: "prod",
};

describe("parseRuntimeConfig", () => {
  it("keeps an absolute API URL and defaults the flow to SRP", () => {
    expect(parseRuntimeConfig(deployed, "https://ui.example.com/")).toEqual({
      ...deployed,
      apiUrl: "https://abc.execute-api.us-east-1.amazonaws.com/prod",
      authFlowType: "USER_SRP_AUTH",
    });
  });

  it("resolves a relative API URL and Cognito endpoint against the page (local stack)", () => {
    const local = { ...deployed, apiUrl: "/api", cognitoEndpoint: "/cognito", authFlowType: "USER_PASSWORD_AUTH", stage: "local" };
    expect(parseRuntimeConfig(local, "http://127.0.0.1:8000/")).toMatchObject({
      apiUrl: "http://127.0.0.1:8000/api",
      cognitoEndpoint: "http://127.0.0.1:8000/cognito",
      authFlowType: "USER_PASSWORD_AUTH",
    });
  });

  it("names what is missing or wrong", () => {
    expect(() => parseRuntimeConfig({ region: "x" }, "http://x/")).toThrow(
      "config.json is missing userPoolId, userPoolClientId, apiUrl, stage.",
    );
    expect(() => parseRuntimeConfig({ ...deployed, authFlowType: "CUSTOM" }, "http://x/")).toThrow(ConfigError);
    expect(() => parseRuntimeConfig([], "http://x/")).toThrow("must hold a JSON object");
  });
});

describe("loadRuntimeConfig", () => {
  it("fetches config.json next to the page, uncached", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push([String(input), init]);
      return new Response(JSON.stringify(deployed), { status: 200 });
    };
    const config = await loadRuntimeConfig("https://ui.example.com/app/index.html", fetchImpl);
    expect(calls).toEqual([["https://ui.example.com/app/config.json", { cache: "no-store" }]]);
    expect(config.stage).toBe("prod");
  });

  it("reports an HTTP failure", async () => {
    const fetchImpl = async () => new Response("nope", { status: 404 });
    await expect(loadRuntimeConfig("https://ui.example.com/", fetchImpl)).rejects.toThrow(
      "Could not load https://ui.example.com/config.json: HTTP 404.",
    );
  });
});
