import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import { JsonField, TextField } from "./fields";

export function ConstraintsSection() {
  return (
    <Container
      header={<Header variant="h2" description="Checked before any model call (a clear 400 instead of a model error).">Constraints</Header>}
      data-testid="section-constraints"
    >
      <ColumnLayout columns={2}>
        <TextField path={["constraints", "max_input_tokens"]} label="Max input tokens" numeric />
        <TextField path={["constraints", "max_total_tokens"]} label="Max total tokens" numeric />
      </ColumnLayout>
    </Container>
  );
}

export function ModelKwargsSection() {
  return (
    <Container header={<Header variant="h2">Model kwargs</Header>} data-testid="section-model-kwargs">
      <JsonField
        path={["model_kwargs"]}
        label="Model kwargs (JSON)"
        description='Sampling parameters sent with every request, e.g. {"temperature": 0.2, "max_new_tokens": 256}.'
        shape="object"
        rows={6}
        testId="model-kwargs-editor"
      />
    </Container>
  );
}
