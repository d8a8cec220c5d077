/** The Custom model editor (administrators only; loaded on demand). */
import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import type { ApiClient } from "../../api/client";
import type { Me, ModelConfig, ModelSummary } from "../../api/types";
import { overrideFor } from "../../model-editor/editorState";
import { FIELD_LABELS } from "../../model-editor/fieldKeys";
import { hasNullMembers, isJsonObject, stringifyJson } from "../../model-editor/json";
import type { FieldError } from "../../model-editor/paths";
import { modelOption } from "../modelOptions";
import { ContentHandlerSection } from "./ContentHandlerSection";
import { CrossAccountSection } from "./CrossAccountSection";
import { useEditor } from "./EditorContext";
import { TextField } from "./fields";
import { ConstraintsSection, ModelKwargsSection } from "./LimitsAndKwargsSections";
import { ModelActions } from "./ModelActions";
import { PromptSection } from "./PromptSection";
import { ProviderSection } from "./ProviderSection";

export interface ModelEditorProps {
  api: ApiClient;
  me: Me;
  models: ModelSummary[];
  region: string;
  baseLoading: boolean;
  onSelectBase: (id: string | null) => void;
  problems: FieldError[];
  onShowAllErrors: () => void;
  validConfig: ModelConfig | null;
  blockedReason: string | null;
  onModelsChanged: () => Promise<void>;
  onServerErrors: (errors: FieldError[]) => void;
}

const SCRATCH_OPTION = { value: "", label: "None (from scratch)" };

function labelFor(path: string): string {
  const exact = FIELD_LABELS[path];
  if (exact) return exact;
  const parent = Object.keys(FIELD_LABELS)
    .filter((key) => path.startsWith(`${key}.`) || path.startsWith(`${key}[`))
    .sort((a, b) => b.length - a.length)[0];
  return parent ? `${FIELD_LABELS[parent]} (${path})` : path;
}

export default function ModelEditor(props: ModelEditorProps) {
  const { state } = useEditor();
  const { me, models } = props;
  const baseOptions = [SCRATCH_OPTION, ...models.map(modelOption)];
  const selectedBase = baseOptions.find((option) => option.value === (state.baseId ?? "")) ?? SCRATCH_OPTION;
  const provider = state.draft.provider;
  const isConverse = isJsonObject(provider) && provider.type === "bedrock" && (provider.api ?? "converse") === "converse";
  const override = overrideFor(state);
  const lossyNulls = state.base !== null && override !== undefined && hasNullMembers(state.draft.model_kwargs ?? {});

  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header variant="h2" description="Start from a deployed or saved model, or from scratch. Fields you change are marked.">
            Custom model
          </Header>
        }
        data-testid="section-model"
      >
        <SpaceBetween size="m">
          <FormField
            label="Base model"
            description={'Choosing one fills every field from that model; "None" starts from scratch.'}
            stretch
          >
            <Select
              selectedOption={selectedBase}
              options={baseOptions}
              onChange={({ detail }) => props.onSelectBase(detail.selectedOption.value || null)}
              statusType={props.baseLoading ? "loading" : "finished"}
              disabled={props.baseLoading}
              data-testid="base-model-select"
            />
          </FormField>
          <ColumnLayout columns={2}>
            <TextField path={["id"]} label="Model id" placeholder="my-model" description="Lowercase id; the saved model's key." />
            <TextField path={["name"]} label="Display name" placeholder="My model" />
          </ColumnLayout>
        </SpaceBetween>
      </Container>
      <ProviderSection customEndpoints={me.capabilities.custom_bedrock_endpoints} region={props.region} />
      <CrossAccountSection allowed={me.capabilities.cross_account} stage={me.stage} />
      <ConstraintsSection />
      <ContentHandlerSection usedByProvider={!isConverse} />
      <PromptSection />
      <ModelKwargsSection />
      <Container header={<Header variant="h2">Review and save</Header>} data-testid="section-review">
        <SpaceBetween size="m">
          {props.problems.length > 0 && (
            <Box data-testid="validation-summary">
              <Box color="text-status-error">
                {props.problems.length === 1 ? "1 problem" : `${props.problems.length} problems`} to fix before the
                config can be sent:
              </Box>
              <ul className="ms-error-details">
                {props.problems.map((problem, index) => (
                  <li key={`${problem.path}-${index}`}>
                    {labelFor(problem.path)}: {problem.message}
                  </li>
                ))}
              </ul>
              <Link onFollow={props.onShowAllErrors} variant="secondary">
                Show the errors at their fields
              </Link>
            </Box>
          )}
          <ExpandableSection
            headerText={state.base === null ? "Config sent as the override (from scratch)" : "Changes from the base model (merge patch)"}
            data-testid="override-section"
          >
            <Box variant="code">
              <pre className="ms-pre" data-testid="override-preview">
                {override === undefined ? "(no changes: the base model is used as is)" : stringifyJson(override)}
              </pre>
            </Box>
            {lossyNulls && (
              <Box color="text-status-warning">
                Null values inside model kwargs cannot be expressed in a merge patch (null means &quot;remove&quot;).
              </Box>
            )}
          </ExpandableSection>
          <ModelActions
            api={props.api}
            models={models}
            region={props.region}
            validConfig={props.validConfig}
            blockedReason={props.blockedReason}
            onModelsChanged={props.onModelsChanged}
            onServerErrors={props.onServerErrors}
          />
        </SpaceBetween>
      </Container>
    </SpaceBetween>
  );
}
