/**
 * "Find a deployed model" (administrators; the Create flow's third start): pick a region, list its SageMaker endpoints
 * or Bedrock models with the format each one speaks, pick one, and the flow starts from a ready config (checked by a
 * short probe first). Self-contained: it needs the API client, a default region, and what to do with the config.
 */
import Alert from "@cloudscape-design/components/alert";
import Autosuggest from "@cloudscape-design/components/autosuggest";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import { useState } from "react";
import type { ApiClient } from "../../api/client";
import { toErrorBody } from "../../api/errors";
import type { JsonObject } from "../../model-editor/json";
import { ErrorAlert } from "../ErrorAlert";
import { bedrockRows, endpointRows, probeRequestFor, type DiscoveryRow } from "./discoveryRows";
import type { CrossAccountRole, ErrorBody, ProbeResult } from "../../api/types";

export interface DiscoveryPanelProps {
  api: ApiClient;
  region: string;
  /** Whether this stage lets admins read through a cross-account role. */
  crossAccount: boolean;
  /** Start from this full config (a new model, from scratch). */
  onUse: (config: JsonObject, summary: string) => void;
}

type Source = "sagemaker" | "bedrock";

const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-3",
  "eu-central-1",
  "ap-northeast-1",
  "ap-south-1",
  "ap-southeast-2",
];
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

const CONFIDENCE: Record<string, StatusIndicatorProps.Type> = {
  high: "success",
  medium: "info",
  low: "warning",
  none: "stopped",
};

function Confidence({ value }: { value: DiscoveryRow["confidence"] }) {
  if (!value) return <>-</>;
  return <StatusIndicator type={CONFIDENCE[value] ?? "info"}>{value}</StatusIndicator>;
}

function ProbeReport({ result }: { result: ProbeResult }) {
  const found = result.format;
  return (
    <SpaceBetween size="xs">
      <Box data-testid="probe-summary">
        {found
          ? `${found} answered${result.streaming === true ? " and streamed" : result.streaming === false ? " (no streaming)" : ""}`
          : "No format answered with text"}{" "}
        in {result.calls} of at most {result.max_calls} calls{result.stopped ? ` (stopped: ${result.stopped})` : ""}.
      </Box>
      <ExpandableSection headerText="Probe attempts" data-testid="probe-attempts">
        <ul className="ms-error-details">
          {result.attempts.map((attempt, index) => (
            <li key={`${attempt.format}-${attempt.mode}-${index}`}>
              <code>{attempt.format}</code> {attempt.mode}: {attempt.outcome}
              {attempt.error ? ` (${attempt.error})` : ""}
              {attempt.text ? ` - "${attempt.text}"` : ""}
            </li>
          ))}
        </ul>
      </ExpandableSection>
    </SpaceBetween>
  );
}

export function DiscoveryPanel({ api, region, crossAccount, onUse }: DiscoveryPanelProps) {
  const [source, setSource] = useState<Source>("sagemaker");
  const [chosenRegion, setChosenRegion] = useState(region);
  const [roleArn, setRoleArn] = useState("");
  const [externalId, setExternalId] = useState("");
  const [rows, setRows] = useState<DiscoveryRow[] | null>(null);
  const [selected, setSelected] = useState<DiscoveryRow | null>(null);
  const [busy, setBusy] = useState<"list" | "probe" | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [probed, setProbed] = useState<ProbeResult | null>(null);
  const [used, setUsed] = useState<string | null>(null);

  const regionValid = REGION_PATTERN.test(chosenRegion);
  const role: CrossAccountRole | null = roleArn.trim()
    ? { role_arn: roleArn.trim(), ...(externalId.trim() ? { external_id: externalId.trim() } : {}) }
    : null;

  const list = async () => {
    setBusy("list");
    setError(null);
    setSelected(null);
    setProbed(null);
    setUsed(null);
    try {
      const scope = { region: chosenRegion, role };
      setRows(source === "sagemaker" ? endpointRows(await api.discoverEndpoints(scope)) : bedrockRows(await api.discoverBedrockModels(scope)));
    } catch (caught) {
      setRows(null);
      setError(toErrorBody(caught));
    } finally {
      setBusy(null);
    }
  };

  const use = (row: DiscoveryRow, config: JsonObject, how: string) => {
    const summary = `${row.name} (${how})`;
    onUse(config, summary);
    setUsed(summary);
  };

  const probeAndUse = async () => {
    if (!selected) return;
    setBusy("probe");
    setError(null);
    setProbed(null);
    try {
      const result = await api.probe(probeRequestFor(selected, role));
      setProbed(result);
      if (result.config) use(selected, result.config, `${result.format}, probed`);
    } catch (caught) {
      setError(toErrorBody(caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div data-testid="section-discovery">
      <Container
        header={
          <Header
            variant="h2"
            description="List a region's SageMaker endpoints or Bedrock models with the format each one speaks, and start from one."
          >
            Find a deployed model
          </Header>
        }
      >
        <SpaceBetween size="l">
          <ColumnLayout columns={2}>
            <FormField
              label="Region to search"
              errorText={regionValid ? undefined : "Enter an AWS region name such as us-east-1."}
            >
              <Autosuggest
                value={chosenRegion}
                onChange={({ detail }) => setChosenRegion(detail.value.trim())}
                options={REGIONS.map((value) => ({ value }))}
                enteredTextLabel={(value) => `Use "${value}"`}
                clearAriaLabel="Clear the region"
                placeholder="us-east-1"
              />
            </FormField>
            <FormField label="Source">
              <SegmentedControl
                label="Source"
                selectedId={source}
                options={[
                  { id: "sagemaker", text: "SageMaker endpoints" },
                  { id: "bedrock", text: "Bedrock models" },
                ]}
                onChange={({ detail }) => {
                  setSource(detail.selectedId as Source);
                  setRows(null);
                  setSelected(null);
                  setProbed(null);
                }}
              />
            </FormField>
          </ColumnLayout>
          {crossAccount && (
            <ExpandableSection headerText="Through a cross-account role (optional)">
              <ColumnLayout columns={2}>
                <FormField label="Discovery role ARN">
                  <Input value={roleArn} onChange={({ detail }) => setRoleArn(detail.value)} placeholder="arn:aws:iam::111122223333:role/..." />
                </FormField>
                <FormField label="Discovery external id">
                  <Input value={externalId} onChange={({ detail }) => setExternalId(detail.value)} />
                </FormField>
              </ColumnLayout>
            </ExpandableSection>
          )}
          <Button onClick={() => void list()} loading={busy === "list"} disabled={!regionValid || busy !== null}>
            {source === "sagemaker" ? "List endpoints" : "List models"}
          </Button>
          {error && <ErrorAlert error={error} />}
          {rows !== null && (
            <Table<DiscoveryRow>
              data-testid="discovery-table"
              variant="embedded"
              items={rows}
              trackBy="key"
              wrapLines
              stickyColumns={{ first: 1 }}
              selectionType="single"
              selectedItems={selected ? [selected] : []}
              onSelectionChange={({ detail }) => {
                setSelected(detail.selectedItems[0] ?? null);
                setProbed(null);
              }}
              isItemDisabled={(row) => !row.usable}
              ariaLabels={{
                selectionGroupLabel: "Discovered models",
                itemSelectionLabel: (_, row) => `Select ${row.name}`,
                allItemsSelectionLabel: () => "Select all",
              }}
              header={
                <Header counter={`(${rows.length})`} description={`In ${chosenRegion}. Choose one to start from.`}>
                  {source === "sagemaker" ? "Endpoints" : "Models"}
                </Header>
              }
              columnDefinitions={[
                { id: "name", header: "Name", cell: (row) => row.name, isRowHeader: true, minWidth: 200 },
                {
                  id: "status",
                  header: source === "sagemaker" ? "Status" : "Kind",
                  cell: (row) => row.status,
                  minWidth: 110,
                },
                { id: "detail", header: source === "sagemaker" ? "Instance" : "Provider", cell: (row) => row.detail || "-", minWidth: 150 },
                { id: "format", header: "Format", cell: (row) => (row.format ? <code>{row.format}</code> : "-"), minWidth: 130 },
                {
                  id: "confidence",
                  header: "Confidence",
                  cell: (row) => <Confidence value={row.confidence} />,
                  minWidth: 120,
                },
                { id: "reason", header: "Why", cell: (row) => row.reason || "-", minWidth: 200 },
              ]}
              empty={<Box textAlign="center">Nothing deployed here.</Box>}
            />
          )}
          {selected && (
            <SpaceBetween size="s">
              <SpaceBetween size="xs" direction="horizontal">
                <Button variant="primary" onClick={() => void probeAndUse()} loading={busy === "probe"} disabled={busy !== null}>
                  Probe and use
                </Button>
                <Button
                  onClick={() => selected.config && use(selected, selected.config, `${selected.format}, detected`)}
                  disabled={busy !== null || !selected.config}
                >
                  Use detected format
                </Button>
              </SpaceBetween>
              <Box color="text-body-secondary" fontSize="body-s">
                The probe sends a few one-token requests ({selected.formats.slice(0, 4).join(", ") || "every format"}), and
                checks streaming; each probe is audited.
              </Box>
            </SpaceBetween>
          )}
          {probed && <ProbeReport result={probed} />}
          {probed && !probed.config && (
            <Alert type="warning" header="The probe found no format">
              You can still load the detected format and adjust the request template by hand.
            </Alert>
          )}
          {used && (
            <Alert type="success" dismissible onDismiss={() => setUsed(null)} data-testid="discovery-used">
              Ready to start from {used}. Next: name the model, then configure and test it.
            </Alert>
          )}
        </SpaceBetween>
      </Container>
    </div>
  );
}
