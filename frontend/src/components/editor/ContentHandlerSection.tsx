import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Toggle from "@cloudscape-design/components/toggle";
import { getIn } from "../../model-editor/editorState";
import { isJsonObject } from "../../model-editor/json";
import { defaultFraming } from "../../model-editor/createFlow";
import { requestTemplateHints } from "../../model-editor/editorValidation";
import { DEFAULT_OUTPUT_PATH } from "../../model-editor/modelConfig";
import { JsonField, SelectField, TextField } from "./fields";
import { useEditor } from "./EditorContext";

export function ContentHandlerSection() {
  const { state, dispatch, touch } = useEditor();
  const streaming = isJsonObject(getIn(state.draft, ["content_handler", "stream"]));
  const provider = state.draft.provider;
  const bedrock = isJsonObject(provider) && provider.type === "bedrock";
  const hints = requestTemplateHints(getIn(state.draft, ["content_handler", "request_template"]), state.draft.model_kwargs);
  const setStreaming = (on: boolean) => {
    touch("content_handler.stream.output_path");
    const framing = defaultFraming(bedrock ? "bedrock" : "sagemaker", bedrock ? "invoke_model" : "invoke_endpoint");
    dispatch({
      type: "set",
      path: ["content_handler", "stream"],
      value: on ? { framing, output_path: "" } : undefined,
    });
  };
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={
            bedrock
              ? "InvokeModel: how the model's native body is built and where the text is in its answer."
              : "How the request body is built and where the text is in the answer."
          }
        >
          Content handler
        </Header>
      }
      data-testid="section-content-handler"
    >
      <SpaceBetween size="m">
        <JsonField
          path={["content_handler", "request_template"]}
          label="Request template (JSON)"
          description='Placeholders: "{{prompt}}", "{{messages}}", "{{block_messages}}", "{{system}}", "{{stop}}", "{{model_kwargs}}" or any model kwarg by name.'
          shape="any"
          rows={10}
          testId="request-template-editor"
          hints={hints}
        />
        <ColumnLayout columns={2}>
          <TextField
            path={["content_handler", "output_path"]}
            label="Output path (JMESPath)"
            placeholder={DEFAULT_OUTPUT_PATH}
            description="Where the generated text is in the model's answer."
          />
          <TextField
            path={["content_handler", "stop_reason_path"]}
            label="Stop reason path (JMESPath)"
            placeholder="[0].details.finish_reason"
            description="Optional: why generation stopped, in the answer."
          />
        </ColumnLayout>
        <Toggle checked={streaming} onChange={({ detail }) => setStreaming(detail.checked)}>
          Streaming response
        </Toggle>
        {streaming && (
          <ColumnLayout columns={2}>
            <SelectField
              path={["content_handler", "stream", "framing"]}
              label="Stream framing"
              options={[
                { value: "jsonlines", label: "JSON lines" },
                { value: "sse", label: "Server-sent events" },
                { value: "bedrock-chunk", label: "Bedrock chunks" },
              ]}
            />
            <TextField
              path={["content_handler", "stream", "output_path"]}
              label="Stream output path (JMESPath)"
              placeholder={bedrock ? "delta.text" : "token.text"}
            />
            <TextField
              path={["content_handler", "stream", "stop_reason_path"]}
              label="Stream stop reason path (JMESPath)"
              placeholder={bedrock ? "delta.stop_reason" : "details.finish_reason"}
            />
          </ColumnLayout>
        )}
        <ColumnLayout columns={2}>
          <TextField
            path={["content_handler", "usage", "input_tokens_path"]}
            label="Input tokens path (JMESPath)"
            placeholder="usage.input_tokens"
          />
          <TextField
            path={["content_handler", "usage", "output_tokens_path"]}
            label="Output tokens path (JMESPath)"
            placeholder="usage.output_tokens"
          />
        </ColumnLayout>
      </SpaceBetween>
    </Container>
  );
}
