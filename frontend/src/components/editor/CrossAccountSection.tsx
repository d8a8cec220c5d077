import Alert from "@cloudscape-design/components/alert";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Toggle from "@cloudscape-design/components/toggle";
import { isJsonObject } from "../../model-editor/json";
import { DEFAULT_SESSION_DURATION_S } from "../../model-editor/modelConfig";
import { TextField } from "./fields";
import { useEditor } from "./EditorContext";

export function CrossAccountSection({ allowed, stage }: { allowed: boolean; stage: string }) {
  const { state, dispatch, touch } = useEditor();
  const enabled = isJsonObject(state.draft.cross_account);
  const setEnabled = (on: boolean) => {
    touch("cross_account");
    dispatch({
      type: "set",
      path: ["cross_account"],
      value: on ? { role_arn: "", session_duration_s: DEFAULT_SESSION_DURATION_S } : undefined,
    });
  };
  const disabled = !allowed;
  return (
    <Container
      header={<Header variant="h2" description="Invoke the model with an IAM role assumed through STS.">Cross-account access</Header>}
      data-testid="section-cross-account"
    >
      <SpaceBetween size="m">
        {disabled && (
          <Alert type="info" data-testid="cross-account-disabled-reason">
            Cross-account roles are not allowed on the {stage} stage; the API rejects a config that sets one.
          </Alert>
        )}
        <Toggle checked={enabled} disabled={disabled && !enabled} onChange={({ detail }) => setEnabled(detail.checked)}>
          Use a cross-account role
        </Toggle>
        {(enabled || disabled) && (
          <ColumnLayout columns={2}>
            <TextField
              path={["cross_account", "role_arn"]}
              label="Role ARN"
              placeholder="arn:aws:iam::123456789012:role/ModelInvoker"
              disabled={disabled || !enabled}
            />
            <TextField path={["cross_account", "external_id"]} label="External id" disabled={disabled || !enabled} />
            <TextField
              path={["cross_account", "session_duration_s"]}
              label="Session duration (seconds)"
              constraintText="900 to 43200"
              placeholder={String(DEFAULT_SESSION_DURATION_S)}
              numeric
              disabled={disabled || !enabled}
            />
          </ColumnLayout>
        )}
      </SpaceBetween>
    </Container>
  );
}
