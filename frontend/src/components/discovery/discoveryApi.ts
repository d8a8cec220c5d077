/** The discovery routes, through the app's one API client (admins only; every call is audited). */
import type { ApiClient } from "../../api/client";
import type { BedrockModelList, CrossAccountRole, EndpointPage, ProbeRequest, ProbeResult } from "./discoveryTypes";

export interface DiscoveryScope {
  region: string;
  role?: CrossAccountRole | null;
}

function query(scope: DiscoveryScope, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ region: scope.region, ...extra });
  if (scope.role?.role_arn) params.set("role_arn", scope.role.role_arn);
  if (scope.role?.role_arn && scope.role.external_id) params.set("external_id", scope.role.external_id);
  return params.toString();
}

export function discoverEndpoints(api: ApiClient, scope: DiscoveryScope, nextToken?: string): Promise<EndpointPage> {
  const extra: Record<string, string> = { limit: "50" };
  if (nextToken) extra.next_token = nextToken;
  return api.request<EndpointPage>("GET", `/discovery/sagemaker/endpoints?${query(scope, extra)}`);
}

export function discoverBedrockModels(api: ApiClient, scope: DiscoveryScope): Promise<BedrockModelList> {
  return api.request<BedrockModelList>("GET", `/discovery/bedrock/models?${query(scope)}`);
}

export function probe(api: ApiClient, body: ProbeRequest): Promise<ProbeResult> {
  return api.request<ProbeResult>("POST", "/discovery/probe", body);
}
