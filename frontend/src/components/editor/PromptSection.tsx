import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { useEffect, useState } from "react";
import { renderChatTemplate, SAMPLE_MESSAGES } from "../../model-editor/chatTemplatePreview";
import { getIn } from "../../model-editor/editorState";
import { JsonField, TemplateField, TextField } from "./fields";
import { useEditor } from "./EditorContext";

type Preview = { state: "empty" } | { state: "ok"; text: string } | { state: "error"; error: string };

function ChatTemplatePreview({ template, bos, eos }: { template: string; bos: string; eos: string }) {
  const [preview, setPreview] = useState<Preview>({ state: "empty" });
  useEffect(() => {
    if (!template.trim()) {
      setPreview({ state: "empty" });
      return;
    }
    let current = true;
    void renderChatTemplate(template, {
      messages: SAMPLE_MESSAGES,
      bos_token: bos,
      eos_token: eos,
      add_generation_prompt: true,
    }).then((result) => {
      if (current) setPreview("text" in result ? { state: "ok", text: result.text } : { state: "error", error: result.error });
    });
    return () => {
      current = false;
    };
  }, [template, bos, eos]);

  return (
    <FormField
      label="Preview on sample messages"
      description="Rendered in the browser; the API's Jinja2 sandbox (Preview request) is the reference."
      stretch
    >
      <div data-testid="chat-template-preview" aria-live="polite">
        {preview.state === "empty" && <Box color="text-status-inactive">No template: the prompt is the last user message.</Box>}
        {preview.state === "error" && <StatusIndicator type="error">Template error: {preview.error}</StatusIndicator>}
        {preview.state === "ok" && (
          <Box variant="code">
            <pre className="ms-pre">{preview.text}</pre>
          </Box>
        )}
      </div>
    </FormField>
  );
}

/** The prompt: the chat template (not for Converse, which sends the messages as they are) and the stop sequences. */
export function PromptSection({ chatTemplate }: { chatTemplate: boolean }) {
  const { state } = useEditor();
  const text = (path: string[]) => {
    const value = getIn(state.draft, path);
    return typeof value === "string" ? value : "";
  };
  return (
    <Container header={<Header variant="h2">Prompt</Header>} data-testid="section-prompt">
      <SpaceBetween size="m">
        {chatTemplate && (
          <>
            <TemplateField
              path={["prompt", "template"]}
              label="Chat template (Jinja)"
              description="A Hugging Face chat_template works as is. Variables: messages, add_generation_prompt, bos_token, eos_token, system. A syntax error blocks Save."
              rows={10}
              testId="chat-template-editor"
            />
            <ColumnLayout columns={2}>
              <TextField path={["prompt", "bos_token"]} label="BOS token" placeholder="<s>" />
              <TextField path={["prompt", "eos_token"]} label="EOS token" placeholder="</s>" />
            </ColumnLayout>
            <ChatTemplatePreview
              template={text(["prompt", "template"])}
              bos={text(["prompt", "bos_token"])}
              eos={text(["prompt", "eos_token"])}
            />
          </>
        )}
        <JsonField
          path={["prompt", "stop_sequences"]}
          label="Stop sequences (JSON)"
          description='A JSON array of strings, e.g. ["</s>", "\n\nUser:"] (at most 16).'
          shape="array"
          rows={3}
          testId="stop-sequences-editor"
        />
      </SpaceBetween>
    </Container>
  );
}
