/** Test panel: prompt or chat messages, "Preview request" (admins), "Invoke" (streamed or buffered). */
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Textarea from "@cloudscape-design/components/textarea";
import Input from "@cloudscape-design/components/input";
import Toggle from "@cloudscape-design/components/toggle";
import { useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import { toErrorBody } from "../api/errors";
import type { ChatMessage, ErrorBody, InvokeRequest, InvokeResponse, Me, Usage, ValidateResponse } from "../api/types";
import { buildInvokeRequest, inputProblem, type InvokeTarget, type TestInput } from "../model-editor/invokeRequest";
import { stringifyJson, type JsonValue } from "../model-editor/json";
import type { FieldError } from "../model-editor/paths";
import { ErrorAlert } from "./ErrorAlert";

export interface TestPanelProps {
  api: ApiClient;
  me: Me;
  target: InvokeTarget | null;
  /** Why the target cannot be sent (e.g. the edited config is invalid), or null. */
  blockedReason: string | null;
  streamingSupported: boolean;
  onServerErrors?: (errors: FieldError[]) => void;
  /** The draft's output path, to try on the last raw response (editor only). */
  outputPath?: string;
  onUseOutputPath?: (path: string) => void;
  /** Evaluates an output path on a raw response (loaded with the editor). */
  tryOutputPath?: (path: string, raw: JsonValue) => { value: JsonValue } | { error: string };
}

/** "12 in / 30 out", each count marked when the engine estimated it (the model did not report it). */
export function usageText(usage: Usage | undefined): string {
  if (!usage) return "? in / ? out";
  const inputEstimated = usage.input_estimated ?? (usage.estimated && !usage.output_estimated);
  const outputEstimated = usage.output_estimated ?? false;
  return `${usage.input_tokens}${inputEstimated ? " (estimated)" : ""} in / ${usage.output_tokens}${outputEstimated ? " (estimated)" : ""} out`;
}

/** An answer, and whether it came through ``POST /invoke/stream`` or ``POST /invoke``. */
type InvokeResult = InvokeResponse & { streamed: boolean };

const ROLE_OPTIONS = [
  { value: "user", label: "user" },
  { value: "assistant", label: "assistant" },
  { value: "system", label: "system" },
];

/** A preformatted block: text as it is, any other JSON value pretty-printed. */
function JsonBlock({ value, testId }: { value: unknown; testId?: string }) {
  return (
    <Box variant="code">
      <pre className="ms-pre" data-testid={testId}>
        {typeof value === "string" ? value : stringifyJson(value)}
      </pre>
    </Box>
  );
}

function PreviewResult({ preview }: { preview: ValidateResponse }) {
  return (
    <Container header={<Header variant="h3">Request preview</Header>} data-testid="preview-result">
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={3}
          items={[
            { label: "Operation", value: preview.request.operation },
            { label: "Estimated input tokens", value: String(preview.estimated_input_tokens) },
            { label: "Streaming", value: preview.streaming ? "Supported" : "Not supported" },
          ]}
        />
        <FormField label="Rendered prompt" stretch>
          <JsonBlock value={preview.rendered_prompt ?? "(no prompt: the API sends messages)"} testId="preview-rendered-prompt" />
        </FormField>
        <FormField label="Request parameters" stretch>
          <JsonBlock value={preview.request.params} testId="preview-request-params" />
        </FormField>
        <FormField label="Request body" stretch>
          <JsonBlock value={preview.request.body} testId="preview-request-body" />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}

interface TryPathProps {
  raw: JsonValue;
  outputPath: string;
  onUse?: (path: string) => void;
  tryPath: NonNullable<TestPanelProps["tryOutputPath"]>;
}

/** "Try this output path on the last raw response": evaluates a JMESPath on the raw answer, and can adopt it. */
function TryOutputPath({ raw, outputPath, onUse, tryPath }: TryPathProps) {
  const [path, setPath] = useState(outputPath);
  const [outcome, setOutcome] = useState<{ value: JsonValue } | { error: string } | null>(null);
  return (
    <SpaceBetween size="xs">
      <FormField
        label="Try an output path on this raw response"
        description="A JMESPath evaluated here, on the answer above, without calling the model again."
        stretch
      >
        <Input value={path} onChange={({ detail }) => setPath(detail.value)} spellcheck={false} autoComplete={false} />
      </FormField>
      <SpaceBetween size="xs" direction="horizontal">
        <Button onClick={() => setOutcome(tryPath(path, raw))} disabled={!path.trim()}>
          Try path
        </Button>
        {onUse && (
          <Button onClick={() => onUse(path)} disabled={!path.trim() || path === outputPath}>
            Use as output path
          </Button>
        )}
      </SpaceBetween>
      {outcome && (
        <div data-testid="try-path-result" aria-live="polite">
          {"error" in outcome ? (
            <StatusIndicator type="error">{outcome.error}</StatusIndicator>
          ) : (
            <JsonBlock value={outcome.value === null ? "(the path selects nothing: null)" : outcome.value} />
          )}
        </div>
      )}
    </SpaceBetween>
  );
}

/** What a stream has shown so far: the answer's text, and the model's reasoning (``reasoning`` frames). */
interface Streamed {
  text: string;
  reasoning: string;
}

const NOTHING_STREAMED: Streamed = { text: "", reasoning: "" };

function InvokeResultView({
  result,
  streamed,
  running,
  tryPath,
}: {
  result: InvokeResult | null;
  streamed: Streamed;
  running: boolean;
  tryPath?: Omit<TryPathProps, "raw"> | null;
}) {
  const output = result ? result.output : streamed.text;
  const reasoning = result ? result.reasoning : streamed.reasoning;
  const usage = result?.usage;
  return (
    <Container header={<Header variant="h3">Result</Header>} data-testid="invoke-result">
      <SpaceBetween size="m">
        <div aria-live="polite" aria-busy={running}>
          <JsonBlock value={output} testId="invoke-output" />
        </div>
        {running && <StatusIndicator type="loading">Generating…</StatusIndicator>}
        {reasoning ? (
          <ExpandableSection
            headerText="Reasoning (kept apart from the answer)"
            defaultExpanded={running}
            data-testid="invoke-reasoning"
          >
            <JsonBlock value={reasoning} testId="invoke-reasoning-text" />
          </ExpandableSection>
        ) : null}
        {!running && result === null && (
          <StatusIndicator type="stopped" data-testid="invoke-incomplete">
            Incomplete: the answer stopped before the model finished.
          </StatusIndicator>
        )}
        {result && (
          <KeyValuePairs
            columns={3}
            items={[
              { label: "Latency", value: <span data-testid="invoke-latency">{Math.round(result.latency_ms)} ms</span> },
              {
                label: "Tokens",
                value: (
                  <span data-testid="invoke-usage">
                    {usageText(usage)}
                    {usage?.cache_read_input_tokens ? `, ${usage.cache_read_input_tokens} from cache` : ""}
                  </span>
                ),
              },
              { label: "Stop reason", value: <span data-testid="invoke-stop-reason">{result.stop_reason ?? "-"}</span> },
              { label: "Model", value: result.model_id },
              { label: "Request id", value: result.request_id },
              { label: "Delivery", value: result.streamed ? "Streamed" : "Buffered" },
            ]}
          />
        )}
        {result?.debug && (
          <ExpandableSection headerText="Raw response and request (debug)" data-testid="invoke-debug">
            <SpaceBetween size="s">
              <FormField label="Raw response" stretch>
                <JsonBlock value={result.debug.raw_response} testId="invoke-raw-response" />
              </FormField>
              {tryPath && <TryOutputPath raw={result.debug.raw_response} {...tryPath} />}
              <FormField label="Request body sent" stretch>
                <JsonBlock value={result.debug.request_body} />
              </FormField>
              {result.debug.rendered_prompt !== null && (
                <FormField label="Rendered prompt" stretch>
                  <JsonBlock value={result.debug.rendered_prompt} />
                </FormField>
              )}
            </SpaceBetween>
          </ExpandableSection>
        )}
      </SpaceBetween>
    </Container>
  );
}

export function TestPanel({
  api,
  me,
  target,
  blockedReason,
  streamingSupported,
  onServerErrors,
  outputPath,
  onUseOutputPath,
  tryOutputPath,
}: TestPanelProps) {
  const [input, setInput] = useState<TestInput>({
    mode: "prompt",
    prompt: "",
    system: "",
    messages: [{ role: "user", content: "" }],
  });
  const [stream, setStream] = useState(true);
  const [debug, setDebug] = useState(false);
  const [busy, setBusy] = useState<"preview" | "invoke" | null>(null);
  const [preview, setPreview] = useState<ValidateResponse | null>(null);
  const [result, setResult] = useState<InvokeResult | null>(null);
  const [streamed, setStreamed] = useState<Streamed>(NOTHING_STREAMED);
  const [error, setError] = useState<ErrorBody | null>(null);
  const abort = useRef<AbortController | null>(null);

  const problem = target === null ? "Choose a model." : (blockedReason ?? inputProblem(input));
  const useStream = stream && streamingSupported;
  const options = { isAdmin: me.is_admin, debug };

  const setMessage = (index: number, patch: Partial<ChatMessage>) =>
    setInput((current) => ({
      ...current,
      messages: current.messages.map((message, i) => (i === index ? { ...message, ...patch } : message)),
    }));

  const report = (caught: unknown) => {
    const body = toErrorBody(caught);
    setError(body);
    if (body.details?.length && onServerErrors) onServerErrors(body.details.map(({ path, message }) => ({ path, message })));
  };

  const runPreview = async () => {
    if (!target || problem) return;
    setBusy("preview");
    setError(null);
    try {
      setPreview(await api.validate(buildInvokeRequest(target, input, options)));
    } catch (caught) {
      setPreview(null);
      report(caught);
    } finally {
      setBusy(null);
    }
  };

  /** Streamed through ``POST /invoke/stream`` (the text and the reasoning are shown as they arrive), or buffered
   * through ``POST /invoke``. */
  const send = (body: InvokeRequest, signal: AbortSignal): Promise<InvokeResponse> => {
    if (!useStream) return api.invoke(body, signal);
    const show = (delta: string) => setStreamed((current) => ({ ...current, text: current.text + delta }));
    const think = (delta: string) => setStreamed((current) => ({ ...current, reasoning: current.reasoning + delta }));
    return api.invokeStream(body, show, signal, think);
  };

  /** Multi-turn chat: the answer becomes the assistant's turn, and a new user turn opens. */
  const continueConversation = () => {
    if (!result) return;
    const answer = result.output;
    setInput((current) => ({
      ...current,
      mode: "chat",
      messages: [
        ...(current.mode === "chat" ? current.messages.filter((m) => m.content.trim() !== "") : [{ role: "user" as const, content: current.prompt }]),
        { role: "assistant", content: answer },
        { role: "user", content: "" },
      ],
    }));
    setResult(null);
    setStreamed(NOTHING_STREAMED);
    setPreview(null);
  };

  const runInvoke = async () => {
    if (!target || problem) return;
    const controller = new AbortController();
    abort.current = controller;
    setBusy("invoke");
    setError(null);
    setResult(null);
    setStreamed(NOTHING_STREAMED);
    try {
      const answer = await send(buildInvokeRequest(target, input, options), controller.signal);
      setResult({ ...answer, streamed: useStream });
    } catch (caught) {
      report(caught);
    } finally {
      abort.current = null;
      setBusy(null);
    }
  };

  return (
    <Container
      header={<Header variant="h2" description="Send a test request to the selected model.">Test</Header>}
      data-testid="test-panel"
    >
      <SpaceBetween size="l">
        <FormField label="Input">
          <SegmentedControl
            label="Input mode"
            selectedId={input.mode}
            options={[
              { id: "prompt", text: "Prompt" },
              { id: "chat", text: "Chat (multi-turn)" },
            ]}
            onChange={({ detail }) => setInput((current) => ({ ...current, mode: detail.selectedId as TestInput["mode"] }))}
          />
        </FormField>
        <FormField label="System prompt" description="Optional." stretch>
          <Textarea value={input.system} rows={2} onChange={({ detail }) => setInput((c) => ({ ...c, system: detail.value }))} />
        </FormField>
        {input.mode === "prompt" ? (
          <FormField label="Prompt" stretch>
            <Textarea value={input.prompt} rows={4} onChange={({ detail }) => setInput((c) => ({ ...c, prompt: detail.value }))} />
          </FormField>
        ) : (
          <SpaceBetween size="s">
            {input.messages.map((message, index) => (
              <ColumnLayout columns={1} key={index}>
                <SpaceBetween size="xs">
                  <SpaceBetween size="xs" direction="horizontal">
                    <Select
                      ariaLabel={`Role of message ${index + 1}`}
                      selectedOption={ROLE_OPTIONS.find((option) => option.value === message.role) ?? null}
                      options={ROLE_OPTIONS}
                      onChange={({ detail }) => setMessage(index, { role: detail.selectedOption.value as ChatMessage["role"] })}
                    />
                    <Button
                      variant="icon"
                      iconName="remove"
                      ariaLabel={`Remove message ${index + 1}`}
                      disabled={input.messages.length === 1}
                      onClick={() =>
                        setInput((c) => ({ ...c, messages: c.messages.filter((_, i) => i !== index) }))
                      }
                    />
                  </SpaceBetween>
                  <Textarea
                    ariaLabel={`Content of message ${index + 1}`}
                    value={message.content}
                    rows={2}
                    onChange={({ detail }) => setMessage(index, { content: detail.value })}
                  />
                </SpaceBetween>
              </ColumnLayout>
            ))}
            <Button
              iconName="add-plus"
              onClick={() =>
                setInput((c) => {
                  const last = c.messages[c.messages.length - 1];
                  const role: ChatMessage["role"] = last?.role === "user" ? "assistant" : "user";
                  return { ...c, messages: [...c.messages, { role, content: "" }] };
                })
              }
            >
              Add message
            </Button>
          </SpaceBetween>
        )}
        <SpaceBetween size="m" direction="horizontal">
          <Toggle checked={useStream} disabled={!streamingSupported} onChange={({ detail }) => setStream(detail.checked)}>
            Stream response{streamingSupported ? "" : " (this model does not stream)"}
          </Toggle>
          {me.is_admin && (
            <Toggle checked={debug} onChange={({ detail }) => setDebug(detail.checked)}>
              Include debug details
            </Toggle>
          )}
        </SpaceBetween>
        <SpaceBetween size="xs" direction="horizontal">
          {me.is_admin && (
            <Button onClick={() => void runPreview()} loading={busy === "preview"} disabled={problem !== null || busy !== null}>
              Preview request
            </Button>
          )}
          <Button variant="primary" onClick={() => void runInvoke()} loading={busy === "invoke"} disabled={problem !== null || busy !== null}>
            Invoke
          </Button>
          {busy === "invoke" && <Button onClick={() => abort.current?.abort()}>Cancel</Button>}
        </SpaceBetween>
        {problem && (
          <Box color="text-status-inactive" data-testid="invoke-blocked-reason">
            {problem}
          </Box>
        )}
        {error && <ErrorAlert error={error} />}
        {preview && <PreviewResult preview={preview} />}
        {(result !== null || busy === "invoke" || streamed.text !== "" || streamed.reasoning !== "") && (
          <InvokeResultView
            result={result}
            streamed={streamed}
            running={busy === "invoke"}
            tryPath={tryOutputPath ? { outputPath: outputPath ?? "", onUse: onUseOutputPath, tryPath: tryOutputPath } : null}
          />
        )}
        {result !== null && busy === null && (
          <Button iconName="contact" onClick={continueConversation}>
            Reply (continue the conversation)
          </Button>
        )}
      </SpaceBetween>
    </Container>
  );
}
