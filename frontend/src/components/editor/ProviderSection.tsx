import Container from "@cloudscape-design/components/container";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { isJsonObject, pruneNulls, type JsonValue } from "../../model-editor/json";
import type { ProviderType } from "../../model-editor/modelConfig";
import { JsonField, SelectField, TextField, useField } from "./fields";
import { useEditor } from "./EditorContext";

const PROVIDERS: { id: ProviderType; text: string }[] = [
  { id: "sagemaker", text: "SageMaker endpoint" },
  { id: "bedrock", text: "Bedrock" },
];

const withoutNulls = (value: JsonValue | undefined) => (value === undefined ? undefined : pruneNulls(value));

function SageMakerFields() {
  return (
    <SpaceBetween size="m">
      <ColumnLayout columns={2}>
        <TextField path={["provider", "endpoint_name"]} label="Endpoint name" placeholder="my-llm-endpoint" />
        <TextField path={["provider", "region"]} label="Region" placeholder="us-east-1" />
        <TextField
          path={["provider", "endpoint_kwargs", "InferenceComponentName"]}
          label="Inference component"
          description="For endpoints that host models as inference components."
        />
        <div />
        <TextField path={["provider", "content_type"]} label="Content type" placeholder="application/json" />
        <TextField path={["provider", "accept"]} label="Accept" placeholder="application/json" />
      </ColumnLayout>
      <JsonField
        path={["provider", "endpoint_kwargs"]}
        label="Endpoint kwargs (JSON)"
        description="Extra invoke_endpoint parameters (allow-listed: CustomAttributes, TargetModel, TargetVariant, TargetContainerHostname, InferenceId, EnableExplanations, InferenceComponentName, SessionId)."
        shape="object"
        rows={4}
        view={withoutNulls}
        testId="endpoint-kwargs-editor"
      />
    </SpaceBetween>
  );
}

function BedrockFields({ customEndpoints }: { customEndpoints: boolean }) {
  return (
    <ColumnLayout columns={2}>
      <TextField
        path={["provider", "model_id"]}
        label="Bedrock model id"
        description="A model id, inference-profile id or ARN."
        placeholder="anthropic.claude-3-haiku-20240307-v1:0"
      />
      <TextField path={["provider", "region"]} label="Region" placeholder="us-east-1" />
      <SelectField
        path={["provider", "api"]}
        label="API"
        defaultValue="converse"
        options={[
          { value: "converse", label: "Converse", description: "Messages API, streams natively" },
          { value: "invoke_model", label: "InvokeModel", description: "Raw body from the content handler" },
        ]}
      />
      <TextField
        path={["provider", "endpoint_url"]}
        label="Endpoint URL"
        description={
          customEndpoints
            ? "Optional https endpoint (custom endpoints are allowed on this stage)."
            : "Optional https endpoint on an AWS domain or a VPC endpoint (custom endpoints are not allowed on this stage)."
        }
        placeholder="https://bedrock-runtime.us-east-1.amazonaws.com"
      />
      <TextField path={["provider", "guardrail", "identifier"]} label="Guardrail identifier" />
      <TextField path={["provider", "guardrail", "version"]} label="Guardrail version" placeholder="DRAFT or 1" />
    </ColumnLayout>
  );
}

export function ProviderSection({ customEndpoints, region }: { customEndpoints: boolean; region: string }) {
  const { state, dispatch } = useEditor();
  const typeField = useField(["provider", "type"]);
  const provider = state.draft.provider;
  const type = isJsonObject(provider) && provider.type === "bedrock" ? "bedrock" : "sagemaker";
  return (
    <Container header={<Header variant="h2">Provider</Header>} data-testid="section-provider">
      <SpaceBetween size="l">
        <FormField
          label="Provider"
          errorText={typeField.errorText}
          info={typeField.isChanged ? "Changed" : undefined}
        >
          <SegmentedControl
            label="Provider"
            selectedId={type}
            options={PROVIDERS}
            onChange={({ detail }) =>
              dispatch({ type: "switchProvider", provider: detail.selectedId as ProviderType, region })
            }
          />
        </FormField>
        {type === "sagemaker" ? <SageMakerFields /> : <BedrockFields customEndpoints={customEndpoints} />}
      </SpaceBetween>
    </Container>
  );
}
