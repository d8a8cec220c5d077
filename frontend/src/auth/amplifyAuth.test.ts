import { describe, expect, it } from "vitest";
import { amplifyResourcesConfig } from "./amplifyAuth";

const base = {
  region: "us-east-1",
  userPoolId: "us-east-1_Pool",
  userPoolClientId: "client-1",
  apiUrl: "https://api.example.com",
  stage: "dev",
  authFlowType: "USER_SRP_AUTH" as const,
};

describe("amplifyResourcesConfig", () => {
  it("targets the deployed user pool", () => {
    expect(amplifyResourcesConfig(base)).toEqual({ Auth: { Cognito: { userPoolId: "us-east-1_Pool", userPoolClientId: "client-1" } } });
  });

  it("points Amplify at a Cognito-compatible endpoint when config.json names one (local moto)", () => {
    const local = { ...base, cognitoEndpoint: "http://127.0.0.1:8000/cognito", authFlowType: "USER_PASSWORD_AUTH" as const };
    expect(amplifyResourcesConfig(local)).toEqual({
      Auth: { Cognito: { userPoolId: "us-east-1_Pool", userPoolClientId: "client-1", userPoolEndpoint: "http://127.0.0.1:8000/cognito" } },
    });
  });
});
