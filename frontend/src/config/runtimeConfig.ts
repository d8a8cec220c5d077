/**
 * The runtime configuration, fetched at start from ``config.json`` next to the UI, so one build serves every
 * environment (deployed user pool + API Gateway, or the local moto pool + local API under ``/api``).
 */

export type AuthFlowType = "USER_SRP_AUTH" | "USER_PASSWORD_AUTH";

export interface RuntimeConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** Absolute URL of the API, without a trailing slash (a relative ``apiUrl`` is resolved against the page). */
  apiUrl: string;
  stage: string;
  /** Absolute URL of a Cognito-IDP-compatible endpoint (local: moto behind the local API server). */
  cognitoEndpoint?: string;
  authFlowType: AuthFlowType;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const REQUIRED = ["region", "userPoolId", "userPoolClientId", "apiUrl", "stage"] as const;
const FLOWS: readonly AuthFlowType[] = ["USER_SRP_AUTH", "USER_PASSWORD_AUTH"];

function absolute(url: string, base: string): string {
  return new URL(url, base).toString().replace(/\/+$/, "");
}

export function parseRuntimeConfig(value: unknown, pageUrl: string): RuntimeConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError("config.json must hold a JSON object.");
  }
  const raw = value as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof raw[key] !== "string" || raw[key] === "");
  if (missing.length) throw new ConfigError(`config.json is missing ${missing.join(", ")}.`);
  const flow = raw.authFlowType ?? "USER_SRP_AUTH";
  if (!FLOWS.includes(flow as AuthFlowType)) {
    throw new ConfigError(`config.json authFlowType must be one of ${FLOWS.join(", ")}.`);
  }
  const config: RuntimeConfig = {
    region: raw.region as string,
    userPoolId: raw.userPoolId as string,
    userPoolClientId: raw.userPoolClientId as string,
    apiUrl: absolute(raw.apiUrl as string, pageUrl),
    stage: raw.stage as string,
    authFlowType: flow as AuthFlowType,
  };
  if (typeof raw.cognitoEndpoint === "string" && raw.cognitoEndpoint) {
    config.cognitoEndpoint = absolute(raw.cognitoEndpoint, pageUrl);
  }
  return config;
}

export async function loadRuntimeConfig(
  pageUrl: string = document.baseURI,
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): Promise<RuntimeConfig> {
  const url = new URL("config.json", pageUrl).toString();
  const response = await fetchImpl(url, { cache: "no-store" });
  if (!response.ok) throw new ConfigError(`Could not load ${url}: HTTP ${response.status}.`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ConfigError(`${url} is not valid JSON.`);
  }
  return parseRuntimeConfig(body, pageUrl);
}
