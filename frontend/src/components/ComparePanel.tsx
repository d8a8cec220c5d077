/**
 * Compare mode: the same prompt sent to two configs side by side (e.g. the saved version and the draft), each answer
 * with its latency, tokens and stop reason. Both calls are buffered (``POST /invoke``) and sent together.
 */
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Textarea from "@cloudscape-design/components/textarea";
import { useState } from "react";
import type { ApiClient } from "../api/client";
import { toErrorBody } from "../api/errors";
import type { ErrorBody, InvokeResponse, Me } from "../api/types";
import { buildInvokeRequest, type InvokeTarget, type TestInput } from "../model-editor/invokeRequest";
import { ErrorAlert } from "./ErrorAlert";
import { usageText } from "./TestPanel";

export interface CompareOption {
  value: string;
  label: string;
  description?: string;
  target: InvokeTarget;
  /** Why this side cannot be sent (an invalid draft), or null. */
  blockedReason?: string | null;
}

export interface ComparePanelProps {
  api: ApiClient;
  me: Me;
  options: CompareOption[];
  /** The options chosen at first for the left (A) and right (B) side. */
  initial: { a: string; b: string };
}

type Outcome = { state: "idle" } | { state: "running" } | { state: "done"; answer: InvokeResponse } | { state: "error"; error: ErrorBody };

function Side({ title, outcome, testId }: { title: string; outcome: Outcome; testId: string }) {
  return (
    <Container header={<Header variant="h3">{title}</Header>} data-testid={testId}>
      {outcome.state === "idle" && <Box color="text-status-inactive">Not run yet.</Box>}
      {outcome.state === "running" && <StatusIndicator type="loading">Generating…</StatusIndicator>}
      {outcome.state === "error" && <ErrorAlert error={outcome.error} />}
      {outcome.state === "done" && (
        <SpaceBetween size="s">
          <Box variant="code">
            <pre className="ms-pre" data-testid="compare-output">
              {outcome.answer.output}
            </pre>
          </Box>
          <KeyValuePairs
            columns={1}
            items={[
              { label: "Latency", value: <span data-testid="compare-latency">{Math.round(outcome.answer.latency_ms)} ms</span> },
              { label: "Tokens", value: <span data-testid="compare-usage">{usageText(outcome.answer.usage)}</span> },
              { label: "Stop reason", value: outcome.answer.stop_reason ?? "-" },
              { label: "Model", value: outcome.answer.model_id },
            ]}
          />
        </SpaceBetween>
      )}
    </Container>
  );
}

export function ComparePanel({ api, me, options, initial }: ComparePanelProps) {
  const [a, setA] = useState(initial.a);
  const [b, setB] = useState(initial.b);
  const [prompt, setPrompt] = useState("");
  const [outcomes, setOutcomes] = useState<[Outcome, Outcome]>([{ state: "idle" }, { state: "idle" }]);
  const optionA = options.find((option) => option.value === a) ?? options[0];
  const optionB = options.find((option) => option.value === b) ?? options[1] ?? options[0];
  const running = outcomes.some((outcome) => outcome.state === "running");
  const problem = !prompt.trim()
    ? "Enter a prompt."
    : (optionA?.blockedReason ?? optionB?.blockedReason ?? (optionA && optionB ? null : "Choose two configs."));

  const run = async () => {
    if (!optionA || !optionB || problem) return;
    const input: TestInput = { mode: "prompt", prompt, system: "", messages: [] };
    setOutcomes([{ state: "running" }, { state: "running" }]);
    const send = async (option: CompareOption): Promise<Outcome> => {
      try {
        return { state: "done", answer: await api.invoke(buildInvokeRequest(option.target, input, { isAdmin: me.is_admin, debug: false })) };
      } catch (error) {
        return { state: "error", error: toErrorBody(error) };
      }
    };
    const [left, right] = await Promise.all([send(optionA), send(optionB)]);
    setOutcomes([left, right]);
  };

  const selectOptions = options.map(({ value, label, description }) => ({ value, label, description }));
  const selected = (option: CompareOption | undefined) =>
    option ? { value: option.value, label: option.label, description: option.description } : null;

  return (
    <Container
      header={<Header variant="h2" description="Send the same prompt to two configs and compare the answers.">Compare</Header>}
      data-testid="compare-panel"
    >
      <SpaceBetween size="m">
        <ColumnLayout columns={2}>
          <FormField label="Left (A)">
            <Select selectedOption={selected(optionA)} options={selectOptions} onChange={({ detail }) => setA(detail.selectedOption.value ?? "")} />
          </FormField>
          <FormField label="Right (B)">
            <Select selectedOption={selected(optionB)} options={selectOptions} onChange={({ detail }) => setB(detail.selectedOption.value ?? "")} />
          </FormField>
        </ColumnLayout>
        <FormField label="Compare prompt" stretch>
          <Textarea value={prompt} rows={3} onChange={({ detail }) => setPrompt(detail.value)} />
        </FormField>
        <SpaceBetween size="xs" direction="horizontal">
          <Button variant="primary" onClick={() => void run()} loading={running} disabled={problem !== null || running}>
            Run both
          </Button>
        </SpaceBetween>
        {problem && <Box color="text-status-inactive">{problem}</Box>}
        <div className="ms-compare-sides">
          <Side title={`A: ${optionA?.label ?? "-"}`} outcome={outcomes[0]} testId="compare-a" />
          <Side title={`B: ${optionB?.label ?? "-"}`} outcome={outcomes[1]} testId="compare-b" />
        </div>
      </SpaceBetween>
    </Container>
  );
}
