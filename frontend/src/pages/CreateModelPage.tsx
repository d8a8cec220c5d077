/**
 * Create a model: a wizard (start from -> name and endpoint), then the editor beside the test panel to configure and
 * test the new model before "Create model". Every catalogue adapter is a starting point, plus blank, plus a copy of an
 * existing model (``/models/new?from=<id>``, the Models page's Duplicate), plus a deployed model found by discovery
 * ("Find a deployed model": the region's endpoints or Bedrock models with the format each speaks, probed). The edits
 * survive a reload (the "new" draft).
 */
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import RadioGroup from "@cloudscape-design/components/radio-group";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Tiles from "@cloudscape-design/components/tiles";
import Wizard from "@cloudscape-design/components/wizard";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { toErrorBody } from "../api/errors";
import { DiscoveryPanel } from "../components/discovery/DiscoveryPanel";
import { Workbench } from "../components/editor/Workbench";
import { formatTime } from "../components/format";
import { CATALOGUE } from "../model-editor/catalogue";
import {
  APIS,
  BLANK,
  copyConfig,
  defaultApi,
  formatsFor,
  idProblem,
  START_OPTIONS,
  startingConfig,
  type ApiChoice,
  type ProviderChoice,
  type StartKind,
} from "../model-editor/createFlow";
import { clearDraft, readDraft, writeDraft, type StoredDraft } from "../model-editor/drafts";
import { isJsonObject, type JsonObject } from "../model-editor/json";
import { useFlash } from "../shell/flash";
import { paths } from "../shell/routes";
import { useSession } from "../shell/session";
import { UnsavedChangesGuard } from "../shell/unsavedGuard";
import { useModelEditor } from "./useModelEditor";

const DRAFT = "new";

interface Identity {
  id: string;
  name: string;
  endpoint: string;
  region: string;
}

function providerOf(config: JsonObject): ProviderChoice {
  return isJsonObject(config.provider) && config.provider.type === "bedrock" ? "bedrock" : "sagemaker";
}

/** Where a config's model runs: the SageMaker endpoint name or the Bedrock model id. */
const ENDPOINT_FIELD: Record<ProviderChoice, string> = { sagemaker: "endpoint_name", bedrock: "model_id" };

/** A config discovery found (and usually probed), and how it was found. */
interface Discovered {
  config: JsonObject;
  summary: string;
}

/** The next step's fields, filled from a discovered config. */
function identityOf(config: JsonObject, region: string): Identity {
  const provider = isJsonObject(config.provider) ? config.provider : {};
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    id: text(config.id),
    name: text(config.name),
    endpoint: text(provider[ENDPOINT_FIELD[providerOf(config)]]),
    region: text(provider.region) || region,
  };
}

export default function CreateModelPage() {
  const { api, me, models, region } = useSession();
  const navigate = useNavigate();
  const flash = useFlash();
  const [params] = useSearchParams();
  const copyFrom = params.get("from");
  const takenIds = useMemo(() => models.map((model) => model.id), [models]);

  const [step, setStep] = useState(copyFrom ? 1 : 0);
  const [stage, setStage] = useState<"wizard" | "configure">("wizard");
  const [start, setStart] = useState<StartKind>(copyFrom ? "copy" : "format");
  const [provider, setProvider] = useState<ProviderChoice>("sagemaker");
  const [apiChoice, setApiChoice] = useState<ApiChoice>("invoke_endpoint");
  const [format, setFormat] = useState<string>(BLANK);
  const [copyOf, setCopyOf] = useState<string | null>(copyFrom);
  const [discovered, setDiscovered] = useState<Discovered | null>(null);
  const [identity, setIdentity] = useState<Identity>({ id: "", name: "", endpoint: "", region });
  const [showErrors, setShowErrors] = useState(false);
  const [restored, setRestored] = useState<StoredDraft | null>(null);
  const [building, setBuilding] = useState(false);
  const bypass = useRef(false);

  const editorIdProblem = (draft: JsonObject) => idProblem(typeof draft.id === "string" ? draft.id : "", takenIds);
  const [liveIdProblem, setLiveIdProblem] = useState<string | null>(null);
  const editor = useModelEditor(api, region, stage === "configure" ? liveIdProblem : null);
  const { state, dispatch } = editor.context;

  useEffect(() => setLiveIdProblem(editorIdProblem(state.draft)), [state.draft, takenIds]); // eslint-disable-line react-hooks/exhaustive-deps

  // A draft kept from an earlier visit: back to the configure stage with it.
  useEffect(() => {
    const stored = readDraft(DRAFT);
    if (!stored || stored.extra?.stage !== "configure") return;
    editor.activate(null);
    const base = typeof stored.extra.copyOf === "string" ? stored.extra.copyOf : null;
    if (base) void editor.selectBase(base).then(() => dispatch({ type: "restoreDraft", draft: stored.draft }));
    else editor.startFrom(stored.draft);
    setCopyOf(base);
    setRestored(stored);
    setStage("configure");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    if (stage === "configure") writeDraft(DRAFT, { draft: state.draft, baseVersion: null, extra: { stage, ...(copyOf ? { copyOf } : {}) } });
  }, [stage, state.draft, copyOf]);

  const formats = formatsFor(CATALOGUE, provider, apiChoice);
  const copySource = models.find((model) => model.id === copyOf) ?? null;
  const effectiveProvider: ProviderChoice =
    start === "copy" ? (copySource?.provider ?? "sagemaker") : start === "discover" && discovered ? providerOf(discovered.config) : provider;
  const idError = idProblem(identity.id, takenIds);
  const endpointError = identity.endpoint.trim() ? null : effectiveProvider === "sagemaker" ? "Enter the endpoint name." : "Enter the Bedrock model id.";
  const nameError = identity.name.trim() ? null : "Enter a display name.";

  const stepProblem = (index: number): string | null => {
    if (index === 0 && start === "copy") return copyOf ? null : "Choose the model to copy.";
    if (index === 0 && start === "discover") return discovered ? null : 'Choose a model, then "Probe and use" or "Use detected format".';
    if (index === 0) return null;
    return idError ?? nameError ?? (start === "copy" ? null : endpointError);
  };

  const configure = async () => {
    setBuilding(true);
    try {
      editor.activate(null);
      const set = (path: string[], value: string) => dispatch({ type: "set", path, value });
      if (start === "copy" && copyOf) {
        await editor.selectBase(copyOf);
        const detail = await api.getModel(copyOf);
        const copied = copyConfig(detail.config as unknown as JsonObject);
        set(["id"], identity.id);
        set(["name"], identity.name || String(copied.name));
        if (identity.endpoint.trim()) set(["provider", ENDPOINT_FIELD[providerOf(copied)]], identity.endpoint.trim());
      } else if (start === "discover" && discovered) {
        const config = discovered.config;
        const providerFields: JsonObject = { ...(config.provider as JsonObject), region: identity.region || region };
        providerFields[ENDPOINT_FIELD[providerOf(config)]] = identity.endpoint.trim();
        editor.startFrom({ ...config, id: identity.id, name: identity.name, provider: providerFields });
      } else {
        const config = startingConfig({ kind: "format", provider, api: apiChoice, format }, CATALOGUE, identity.region || region);
        const providerFields: JsonObject = { ...(config.provider as JsonObject), region: identity.region || region };
        providerFields[ENDPOINT_FIELD[provider]] = identity.endpoint.trim();
        editor.startFrom({ ...config, id: identity.id, name: identity.name, provider: providerFields });
      }
      setStage("configure");
    } catch (error) {
      flash.pushError(toErrorBody(error), "Could not start from that model");
    } finally {
      setBuilding(false);
    }
  };

  const discard = () => {
    clearDraft(DRAFT);
    setRestored(null);
    setStage("wizard");
    setStep(0);
  };

  if (stage === "configure") {
    return (
      <ContentLayout
        header={
          <Header
            variant="h1"
            description="Edit the config beside the test panel; test it, then create the model."
            actions={<Button onClick={discard}>Start over</Button>}
          >
            Create model: configure and test
          </Header>
        }
      >
        <UnsavedChangesGuard dirty scope={paths.create()} onDiscard={() => clearDraft(DRAFT)} bypass={bypass} />
        <Workbench
          editor={editor}
          mode="create"
          reference={copyOf ? { modelId: copyOf, label: `Copied model (${copyOf})` } : null}
          idProblem={liveIdProblem}
          banner={
            restored ? (
              <Alert
                type="info"
                header="Unsaved new model restored"
                data-testid="draft-restored"
                action={<Button onClick={discard}>Discard changes</Button>}
              >
                The model you were creating on {formatTime(restored.savedAt)} was kept in this browser.
              </Alert>
            ) : undefined
          }
          onSaved={(id) => {
            clearDraft(DRAFT);
            bypass.current = true;
            navigate(paths.model(id));
          }}
        />
      </ContentLayout>
    );
  }

  const formatOptions = [
    ...formats.map((entry) => ({ value: entry.format, label: entry.config.name, description: `Catalogue format "${entry.format}"` })),
    { value: BLANK, label: "Blank", description: "Only the defaults that fit this provider and API; fill in the rest." },
  ];

  return (
    <>
      <Wizard
        data-testid="create-wizard"
        activeStepIndex={step}
        isLoadingNextStep={building}
        submitButtonText="Configure and test"
        onCancel={() => navigate(paths.models())}
        onNavigate={({ detail }) => {
          if (detail.requestedStepIndex > step && stepProblem(step)) {
            setShowErrors(true);
            return;
          }
          setShowErrors(false);
          if (detail.requestedStepIndex === 1 && start === "format" && provider === "bedrock" && !identity.endpoint) {
            // Bedrock formats name a real model id: a sensible default the admin can change.
            const modelId = formats.find((entry) => entry.format === format)?.config.provider;
            if (modelId?.type === "bedrock") setIdentity((c) => ({ ...c, endpoint: modelId.model_id }));
          }
          setStep(detail.requestedStepIndex);
        }}
        onSubmit={() => {
          if (stepProblem(1)) {
            setShowErrors(true);
            return;
          }
          void configure();
        }}
        steps={[
          {
            title: "Start from",
            description: "Every model starts from a format the engine knows (or blank), or from a copy of a model.",
            content: (
              <SpaceBetween size="l">
                <Container header={<Header variant="h2">How do you want to start?</Header>}>
                  <Tiles
                    ariaLabel="Start from"
                    value={start}
                    onChange={({ detail }) => setStart(detail.value as StartKind)}
                    items={START_OPTIONS.map((option) => ({ value: option.value, label: option.label, description: option.description }))}
                  />
                </Container>
                {start === "discover" ? (
                  <>
                    <DiscoveryPanel
                      api={api}
                      region={region}
                      crossAccount={me.capabilities.cross_account}
                      onUse={(config, summary) => {
                        setDiscovered({ config, summary });
                        setIdentity(identityOf(config, region));
                        setShowErrors(false);
                      }}
                    />
                    {showErrors && !discovered && (
                      <Alert type="error" data-testid="discovery-required">
                        {stepProblem(0)}
                      </Alert>
                    )}
                  </>
                ) : start === "format" ? (
                  <>
                    <Container header={<Header variant="h2">Provider</Header>}>
                      <Tiles
                        ariaLabel="Provider"
                        value={provider}
                        onChange={({ detail }) => {
                          const next = detail.value as ProviderChoice;
                          setProvider(next);
                          setApiChoice(defaultApi(next));
                          setFormat(BLANK);
                        }}
                        items={[
                          { value: "sagemaker", label: "SageMaker endpoint", description: "A model hosted on an Amazon SageMaker real-time endpoint." },
                          { value: "bedrock", label: "Bedrock", description: "A foundation model, inference profile or imported model on Amazon Bedrock." },
                        ]}
                      />
                    </Container>
                    <Container header={<Header variant="h2">API</Header>}>
                      <Tiles
                        ariaLabel="API"
                        value={apiChoice}
                        onChange={({ detail }) => {
                          setApiChoice(detail.value as ApiChoice);
                          setFormat(BLANK);
                        }}
                        items={APIS[provider].map((option) => ({ value: option.value, label: option.label, description: option.description }))}
                      />
                    </Container>
                    <Container
                      header={
                        <Header variant="h2" description="A catalogue adapter fills the request template, output paths, chat template and kwargs of that format.">
                          Container or model format
                        </Header>
                      }
                    >
                      <RadioGroup ariaLabel="Container or model format" value={format} onChange={({ detail }) => setFormat(detail.value)} items={formatOptions} />
                    </Container>
                  </>
                ) : (
                  <Container header={<Header variant="h2">Model to copy</Header>}>
                    <FormField label="Model to copy" errorText={showErrors && !copyOf ? "Choose the model to copy." : undefined}>
                      <Select
                        selectedOption={copySource ? { value: copySource.id, label: copySource.name, description: copySource.id } : null}
                        options={models.map((model) => ({ value: model.id, label: model.name, description: model.id }))}
                        onChange={({ detail }) => setCopyOf(detail.selectedOption.value ?? null)}
                        placeholder="Choose a model"
                        filteringType="auto"
                      />
                    </FormField>
                  </Container>
                )}
              </SpaceBetween>
            ),
          },
          {
            title: "Name and endpoint",
            description: "A new id (checked against every model now, not only on save) and where the model runs.",
            content: (
              <Container header={<Header variant="h2">Model</Header>}>
                <SpaceBetween size="m">
                  <ColumnLayout columns={2}>
                    <FormField
                      label="New model id"
                      description="Lowercase letters, digits, '.', '_' or '-'. It must not be taken by another model."
                      errorText={identity.id || showErrors ? (idError ?? undefined) : undefined}
                    >
                      <Input
                        value={identity.id}
                        onChange={({ detail }) => setIdentity((c) => ({ ...c, id: detail.value.trim() }))}
                        placeholder="my-model"
                        autoComplete={false}
                        spellcheck={false}
                      />
                    </FormField>
                    <FormField label="Display name" errorText={showErrors ? (nameError ?? undefined) : undefined}>
                      <Input value={identity.name} onChange={({ detail }) => setIdentity((c) => ({ ...c, name: detail.value }))} placeholder="My model" />
                    </FormField>
                    <FormField
                      label={effectiveProvider === "sagemaker" ? "Endpoint name" : "Bedrock model id"}
                      description={
                        start === "copy"
                          ? "Optional: leave empty to keep the copied model's."
                          : effectiveProvider === "sagemaker"
                            ? "The SageMaker endpoint that hosts the model."
                            : "A model id, inference-profile id or ARN."
                      }
                      errorText={showErrors && start !== "copy" ? (endpointError ?? undefined) : undefined}
                    >
                      <Input
                        value={identity.endpoint}
                        onChange={({ detail }) => setIdentity((c) => ({ ...c, endpoint: detail.value }))}
                        placeholder={effectiveProvider === "sagemaker" ? "my-llm-endpoint" : "anthropic.claude-3-haiku-20240307-v1:0"}
                        autoComplete={false}
                        spellcheck={false}
                      />
                    </FormField>
                    {start !== "copy" && (
                      <FormField label="Region">
                        <Input value={identity.region} onChange={({ detail }) => setIdentity((c) => ({ ...c, region: detail.value.trim() }))} />
                      </FormField>
                    )}
                  </ColumnLayout>
                  {start === "discover" && discovered && (
                    <Box variant="small" data-testid="create-summary">
                      Starts from: {discovered.summary}
                    </Box>
                  )}
                  {start === "format" && (
                    <Box variant="small" data-testid="create-summary">
                      Starts from: {provider === "sagemaker" ? "SageMaker" : "Bedrock"} · {APIS[provider].find((a) => a.value === apiChoice)?.label} ·{" "}
                      {formatOptions.find((f) => f.value === format)?.label}
                    </Box>
                  )}
                </SpaceBetween>
              </Container>
            ),
          },
        ]}
      />
    </>
  );
}
