/**
 * The model editor (administrators; loaded on demand): only the sections that apply to the provider and API, errors
 * at their fields, the merge patch from the base, and the save actions.
 */
import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import type { ReactNode } from "react";
import type { ModelConfig } from "../../api/types";
import { sectionsFor } from "../../model-editor/createFlow";
import { overrideFor } from "../../model-editor/editorState";
import { FIELD_LABELS } from "../../model-editor/fieldKeys";
import { hasNullMembers, stringifyJson } from "../../model-editor/json";
import type { FieldError } from "../../model-editor/paths";
import { useSession } from "../../shell/session";
import { ContentHandlerSection } from "./ContentHandlerSection";
import { ConverseMappingSection } from "./ConverseMappingSection";
import { CrossAccountSection } from "./CrossAccountSection";
import { useEditor } from "./EditorContext";
import { TextField } from "./fields";
import { ConstraintsSection, ModelKwargsSection } from "./LimitsAndKwargsSections";
import { ModelActions, type SaveMode } from "./ModelActions";
import { PromptSection } from "./PromptSection";
import { ProviderSection } from "./ProviderSection";

export interface ModelEditorProps {
  mode: SaveMode;
  problems: FieldError[];
  onShowAllErrors: () => void;
  validConfig: ModelConfig | null;
  blockedReason: string | null;
  onServerErrors: (errors: FieldError[]) => void;
  onSaved: (id: string, version: number) => void;
  onDeleted?: () => void;
  /** Shown above the sections (e.g. "predefined model" or "draft restored" banners). */
  banner?: ReactNode;
  /** Checks the id against the other models before Save (a new id must not collide). */
  idProblem?: string | null;
}

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
  const { me, region } = useSession();
  const override = overrideFor(state);
  const sections = sectionsFor(state.draft);
  const lossyNulls = state.base !== null && override !== undefined && hasNullMembers(state.draft.model_kwargs ?? {});

  return (
    <SpaceBetween size="l">
      {props.banner}
      <Container header={<Header variant="h2">Model</Header>} data-testid="section-model">
        <ColumnLayout columns={2}>
          <TextField
            path={["id"]}
            label="Model id"
            placeholder="my-model"
            description={props.mode === "update" ? "The saved model's key (a new id saves a copy)." : "Lowercase id; the saved model's key."}
          />
          <TextField path={["name"]} label="Display name" placeholder="My model" />
        </ColumnLayout>
      </Container>
      <ProviderSection customEndpoints={me.capabilities.custom_bedrock_endpoints} region={region} />
      <CrossAccountSection allowed={me.capabilities.cross_account} stage={me.stage} />
      <ConstraintsSection />
      {sections.converseMapping && <ConverseMappingSection />}
      {sections.contentHandler && <ContentHandlerSection />}
      <PromptSection chatTemplate={sections.chatTemplate} />
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
            mode={props.mode}
            validConfig={props.validConfig}
            blockedReason={props.blockedReason}
            idProblem={props.idProblem ?? null}
            onServerErrors={props.onServerErrors}
            onSaved={props.onSaved}
            onDeleted={props.onDeleted}
          />
        </SpaceBetween>
      </Container>
    </SpaceBetween>
  );
}
