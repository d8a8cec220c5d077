/** Inference settings: the "LLM model" select, the Custom editor (admins) and the test panel. */
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Select, { type SelectProps } from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Spinner from "@cloudscape-design/components/spinner";
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import type { ApiClient } from "../api/client";
import { ApiError, toErrorBody } from "../api/errors";
import type { ErrorBody, Me, ModelSummary } from "../api/types";
import { EditorContext } from "../components/editor/EditorContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { CUSTOM_VALUE, modelOption, modelOptions } from "../components/modelOptions";
import { TestPanel } from "../components/TestPanel";
import type { InvokeTarget } from "../model-editor/invokeRequest";
import { supportsStreaming } from "../model-editor/modelConfig";
import { useModelEditor } from "./useModelEditor";

const ModelEditor = lazy(() => import("../components/editor/ModelEditor"));

export interface InferenceSettingsPageProps {
  api: ApiClient;
  region: string;
  onSignOut: () => void;
}

const CUSTOM_OPTION: SelectProps.Option = {
  value: CUSTOM_VALUE,
  label: "Custom…",
  description: "Edit a model config (starts from a base model or from scratch)",
};

export function InferenceSettingsPage({ api, region, onSignOut }: InferenceSettingsPageProps) {
  const [me, setMe] = useState<Me | null>(null);
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [selection, setSelection] = useState<string | null>(null);
  const editor = useModelEditor(api, region);

  const reloadModels = useCallback(async () => {
    const list = await api.listModels();
    setModels(list);
    return list;
  }, [api]);

  useEffect(() => {
    let current = true;
    Promise.all([api.me(), api.listModels()])
      .then(([identity, list]) => {
        if (!current) return;
        setMe(identity);
        setModels(list);
        setSelection((list.find((model) => model.default) ?? list[0])?.id ?? null);
      })
      .catch((caught: unknown) => {
        if (!current) return;
        if (caught instanceof ApiError && caught.status === 401) onSignOut();
        else setError(toErrorBody(caught));
      });
    return () => {
      current = false;
    };
  }, [api, onSignOut]);

  const isAdmin = me?.is_admin === true;
  const isCustom = isAdmin && selection === CUSTOM_VALUE;
  const selected = models.find((model) => model.id === selection) ?? null;

  const options = useMemo<SelectProps.Options>(
    () => (isAdmin ? [...modelOptions(models), CUSTOM_OPTION] : modelOptions(models)),
    [isAdmin, models],
  );
  const selectedOption = isCustom ? CUSTOM_OPTION : selected ? modelOption(selected) : null;

  const onSelect = (value: string | undefined) => {
    if (value === CUSTOM_VALUE) editor.activate(selection !== CUSTOM_VALUE ? selection : null);
    setSelection(value ?? null);
  };

  const target: InvokeTarget | null = isCustom
    ? editor.target
    : selected
      ? { kind: "model", modelId: selected.id }
      : null;
  const streamingSupported = isCustom ? supportsStreaming(editor.context.state.draft) : (selected?.streaming ?? false);

  if (error) {
    return (
      <Box padding="l">
        <ErrorAlert error={error} header="Could not load the inference settings" />
      </Box>
    );
  }
  if (!me) {
    return (
      <Box padding="l" textAlign="center">
        <Spinner size="large" /> <span className="ms-visually-hidden">Loading…</span>
      </Box>
    );
  }

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`Stage ${me.stage} · signed in as ${me.username}${isAdmin ? " (administrator)" : ""}`}
          actions={<Button onClick={onSignOut}>Sign out</Button>}
        >
          Inference settings
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container data-testid="model-select-section">
          <FormField
            label="LLM model"
            description={isAdmin ? "A predefined or saved model, or Custom to edit a config." : "The model used for inference."}
            stretch
          >
            <Select
              selectedOption={selectedOption}
              options={options}
              onChange={({ detail }) => onSelect(detail.selectedOption.value)}
              placeholder="Choose a model"
              empty="No models are configured."
              filteringType="auto"
              triggerVariant="option"
              data-testid="llm-model-select"
            />
          </FormField>
        </Container>
        {isCustom && (
          <EditorContext.Provider value={editor.context}>
            {editor.loadError && <ErrorAlert error={editor.loadError} header="Could not load the editor" />}
            <Suspense fallback={<Spinner size="large" />}>
              <ModelEditor
                api={api}
                me={me}
                models={models}
                region={region}
                baseLoading={editor.baseLoading}
                onSelectBase={(id) => void editor.selectBase(id)}
                problems={editor.problems}
                onShowAllErrors={editor.showAllErrors}
                validConfig={editor.validConfig}
                blockedReason={editor.blockedReason}
                onModelsChanged={async () => {
                  await reloadModels();
                }}
                onServerErrors={editor.setServerErrors}
              />
            </Suspense>
          </EditorContext.Provider>
        )}
        {!isAdmin && selection === null && models.length === 0 && (
          <Alert type="warning">No models are available. Ask an administrator to configure one.</Alert>
        )}
        <TestPanel
          api={api}
          me={me}
          target={target}
          blockedReason={isCustom ? editor.blockedReason : null}
          streamingSupported={streamingSupported}
          onServerErrors={isCustom ? editor.setServerErrors : undefined}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
