/**
 * Bodies of the HTTP API (docs/design.md §3), as the API declares them: aliases of the types openapi-typescript
 * generates from lambdas/openapi.json into ./schema.gen.ts (`npm run generate:api`; `npm run check:api` catches drift).
 * Never write a body's shape here by hand: when the API changes, regenerate, and the type checker shows what to fix.
 */
import type { components, paths } from "./schema.gen";

type Schemas = components["schemas"];

/** ``GET /me``. */
export type Me = Schemas["MeResponse"];
export type Capabilities = Schemas["Capabilities"];

/** ``GET /models`` (``{models: [...]}``): a summary each; endpoint names, regions and roles for admins only. */
export type ModelList = Schemas["ModelListResponse"];
export type ModelSummary = Schemas["ModelSummary"];

/** ``GET /models/{id}``. */
export type ModelDetail = Schemas["ModelDetailResponse"];

/** A complete, valid model adapter (schema_version 1; docs/design.md §2), as ``GET /models/{id}`` answers it. */
export type ModelConfig = Schemas["ModelConfig"];
export type Provider = ModelConfig["provider"];
export type ProviderType = Provider["type"];
export type SageMakerProvider = Schemas["SageMakerProvider"];
export type BedrockProvider = Schemas["BedrockProvider"];

/** A chat message as the API accepts it: ``content`` is text or a list of text blocks. */
export type ApiChatMessage = Schemas["ChatMessage"];
/** The messages the UI writes and sends: text content only (a valid ``ApiChatMessage``). */
export type ChatMessage = Omit<ApiChatMessage, "content"> & { content: string };

/** The body of ``POST /invoke``, ``POST /invoke/stream`` and ``POST /models/validate``. */
export type InvokeRequest = Schemas["InvokeRequest"];
/** ``InvokeRequest.override``: an RFC 7396 merge patch (or, from scratch, a whole config), always a JSON object. */
export type Override = NonNullable<InvokeRequest["override"]>;
export type InvokeResponse = Schemas["InvokeResponse"];
export type Usage = Schemas["UsageBody"];
export type InvokeDebug = Schemas["DebugBody"];

/** ``POST /models/validate``. */
export type ValidateResponse = Schemas["ValidateResponse"];

/** ``PUT /models/{id}`` and ``DELETE /models/{id}``. */
export type SaveRequest = Schemas["SaveModelRequest"];
export type SaveResponse = Schemas["SaveModelResponse"];
export type DeleteResponse = Schemas["DeleteModelResponse"];

/** Every error the function answers (4xx/5xx): ``{error, message, details?, rule?, current_version?}``. */
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorDetailBody = Schemas["ErrorDetailBody"];
/** 401 and 413 may come from API Gateway itself, as ``{message}`` without an error code. */
export type GatewayErrorBody = Schemas["GatewayErrorBody"];

/** ``GET /models/{id}/versions`` (newest first) and ``GET /models/{id}/versions/{n}`` (with the config as saved). */
export type ModelVersionList = Schemas["ModelVersionListResponse"];
export type ModelVersionSummary = Schemas["ModelVersionSummary"];
export type ModelVersion = Schemas["ModelVersionResponse"];

/** ``GET /audit`` (newest first, ``next_token`` continues with the same filters). */
export type AuditList = Schemas["AuditListResponse"];
export type AuditRecord = Schemas["AuditRecordBody"];
export type AuditAction = AuditRecord["action"];
export type AuditOutcome = AuditRecord["outcome"];
/** The query of ``GET /audit``, as the API declares it. */
export type AuditQuery = NonNullable<paths["/audit"]["get"]["parameters"]["query"]>;
/** Discovery (admins; docs/design.md §8.6): ``GET /discovery/sagemaker/endpoints[/{name}]``. */
export type EndpointPage = Schemas["EndpointPage"];
export type SageMakerEndpoint = Schemas["SageMakerEndpoint"];
export type EndpointVariant = Schemas["Variant"];
export type InferenceComponent = Schemas["InferenceComponent"];
export type Detection = Schemas["Detection"];
/** ``GET /discovery/bedrock/models``. */
export type BedrockModelList = Schemas["BedrockModelList"];
export type BedrockModel = Schemas["BedrockModel"];
export type BedrockKind = BedrockModel["kind"];
/** ``POST /discovery/probe``. */
export type ProbeRequest = Schemas["ProbeRequest"];
export type ProbeTarget = ProbeRequest["target"];
export type ProbeResult = Schemas["ProbeResult"];
export type ProbeAttempt = Schemas["ProbeAttempt"];
/** The role discovery reads through (its ``session_duration_s`` is the API's default when left out). */
export type CrossAccountRole = Schemas["CrossAccount"];
