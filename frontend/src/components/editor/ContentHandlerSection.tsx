import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Toggle from "@cloudscape-design/components/toggle";
import { getIn } from "../../model-editor/editorState";
import { isJsonObject } from "../../model-editor/json";
import { DEFAULT_OUTPUT_PATH } from "../../model-editor/modelConfig";
import { JsonField, SelectField, TextField } from "./fields";
import { useEditor } from "./EditorContext";

export function ContentHandlerSection({ usedByProvider }: { usedByProvider: boolean }) {
  const { state, dispatch, touch } = useEditor();
  const streaming = isJsonObject(getIn(state.draft, ["content_handler", "stream"]));
  const setStreaming = (on: boolean) => {
    touch("content_handler.stream.output_path");
    dispatch({
      type: "set",
      path: ["content_handler", "stream"],
      value: on ? { framing: "jsonlines", output_path: "" } : undefined,
    });
  };
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={
            usedByProvider
              ? "How the request body is built and where the text is in the answer."
              : "Not used by the Bedrock Converse API (kept for InvokeModel)."
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
          rows={8}
          testId="request-template-editor"
        />
        <TextField
          path={["content_handler", "output_path"]}
          label="Output path (JMESPath)"
          placeholder={DEFAULT_OUTPUT_PATH}
          description="Where the generated text is in the model's answer."
        />
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
              placeholder="token.text"
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
