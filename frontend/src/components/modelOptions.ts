/** Select options for models: tags show provider, model id (bedrock) or endpoint name (admins), and "Default". */
import type { SelectProps } from "@cloudscape-design/components/select";
import type { ModelSummary } from "../api/types";

export const CUSTOM_VALUE = "__custom__";

const PROVIDER_LABELS: Record<ModelSummary["provider"], string> = { sagemaker: "SageMaker", bedrock: "Bedrock" };

export function modelTags(model: ModelSummary): string[] {
  const tags = [PROVIDER_LABELS[model.provider] ?? model.provider];
  if (model.provider === "bedrock" && model.model_id) tags.push(model.model_id);
  if (model.provider === "sagemaker" && model.endpoint_name) tags.push(model.endpoint_name);
  if (model.default) tags.push("Default");
  return tags;
}

export function modelOption(model: ModelSummary): SelectProps.Option {
  return {
    value: model.id,
    label: model.name,
    description: model.source === "saved" ? `Saved${model.updated_by ? ` by ${model.updated_by}` : ""}` : undefined,
    tags: modelTags(model),
  };
}

export function modelOptions(models: readonly ModelSummary[]): SelectProps.Options {
  const groups: SelectProps.OptionGroup[] = [];
  const predefined = models.filter((model) => model.source === "predefined").map(modelOption);
  const saved = models.filter((model) => model.source === "saved").map(modelOption);
  if (predefined.length) groups.push({ label: "Predefined models", options: predefined });
  if (saved.length) groups.push({ label: "Saved models", options: saved });
  return groups;
}
