/** "Test a model": pick a model you may use and talk to it (every user; the admins' editor has its own test panel). */
import Alert from "@cloudscape-design/components/alert";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useSearchParams } from "react-router";
import { modelOption, modelOptions } from "../components/modelOptions";
import { TestPanel } from "../components/TestPanel";
import { useSession } from "../shell/session";

export default function TestPage() {
  const { api, me, models } = useSession();
  const [params, setParams] = useSearchParams();
  const requested = params.get("model");
  const selected = models.find((model) => model.id === requested) ?? models.find((model) => model.default) ?? models[0] ?? null;

  return (
    <ContentLayout
      header={
        <Header variant="h1" description={`Stage ${me.stage} · signed in as ${me.username}${me.is_admin ? " (administrator)" : ""}`}>
          Test a model
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container data-testid="model-select-section">
          <FormField label="LLM model" description="The model used for inference." stretch>
            <Select
              selectedOption={selected ? modelOption(selected) : null}
              options={modelOptions(models)}
              onChange={({ detail }) => setParams({ model: detail.selectedOption.value ?? "" }, { replace: true })}
              placeholder="Choose a model"
              empty="No models are configured."
              filteringType="auto"
              triggerVariant="option"
              data-testid="llm-model-select"
            />
          </FormField>
        </Container>
        {models.length === 0 && <Alert type="warning">No models are available. Ask an administrator to configure one.</Alert>}
        <TestPanel
          api={api}
          me={me}
          target={selected ? { kind: "model", modelId: selected.id } : null}
          blockedReason={null}
          streamingSupported={selected?.streaming ?? false}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
