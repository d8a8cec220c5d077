/** Small display helpers shared by the tables. */
import type { ModelSummary } from "../api/types";

export const PROVIDER_LABELS: Record<ModelSummary["provider"], string> = { sagemaker: "SageMaker", bedrock: "Bedrock" };

/** The API a model is called through: Converse / InvokeModel for Bedrock, InvokeEndpoint for SageMaker. */
export function apiLabel(model: Pick<ModelSummary, "provider" | "api">): string {
  if (model.provider === "sagemaker") return "InvokeEndpoint";
  return model.api === "invoke_model" ? "InvokeModel" : "Converse";
}

/** ISO timestamp -> "2026-12-04 16:20:05 UTC" (the API's times are UTC). */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "-";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
