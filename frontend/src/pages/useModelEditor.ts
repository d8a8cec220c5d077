/** Editor state for the page: reducer, schema validator (loaded on demand), error placement, base loading. */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import { toErrorBody } from "../api/errors";
import type { ErrorBody, ModelConfig } from "../api/types";
import { createObjectMergePatch, isEmptyPatch } from "../model-editor/mergePatch";
import { deepEqual, type JsonObject } from "../model-editor/json";
import { changedPaths as changedPathsOf, editorReducer, initialEditorState, normalizeConfig, overrideFor } from "../model-editor/editorState";
import { FIELD_KEYS } from "../model-editor/fieldKeys";
import type { InvokeTarget } from "../model-editor/invokeRequest";
import { localRuleErrors } from "../model-editor/localRules";
import { assignErrors, type FieldError } from "../model-editor/paths";
import type { ConfigValidator } from "../model-editor/schemaValidation";
import type { EditorContextValue } from "../components/editor/EditorContext";

export interface ModelEditorController {
  context: EditorContextValue;
  problems: FieldError[];
  blockedReason: string | null;
  /** The draft, typed, once it can be saved (the schema accepts it and nothing else blocks it); null until then. */
  validConfig: ModelConfig | null;
  baseLoading: boolean;
  loadError: ErrorBody | null;
  target: InvokeTarget;
  activate: (initialBaseId: string | null) => void;
  selectBase: (id: string | null) => Promise<void>;
  /** Starts from a config with no base (a catalogue format, blank, an import). */
  startFrom: (config: JsonObject) => void;
  /** The draft differs from what was loaded (a base model) or started from. */
  dirty: boolean;
  setServerErrors: (errors: FieldError[]) => void;
  showAllErrors: () => void;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * ``idError`` (e.g. the id collides with another model) is shown at the id field and blocks Save, not testing: a
 * draft can be invoked whatever its id.
 */
export function useModelEditor(api: ApiClient, region: string, idError: string | null = null): ModelEditorController {
  const [state, dispatch] = useReducer(editorReducer, region, initialEditorState);
  const [startedFrom, setStartedFrom] = useState<JsonObject | null>(null);
  const [validator, setValidator] = useState<ConfigValidator | null>(null);
  const [loadError, setLoadError] = useState<ErrorBody | null>(null);
  const [baseLoading, setBaseLoading] = useState(false);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldError[]>([]);
  const activated = useRef(false);
  const baseRequest = useRef(0);

  // An answer from the API describes the draft it was sent with: forget it once the draft changes.
  useEffect(() => setServerErrors([]), [state.draft]);

  const touch = useCallback((key: string) => {
    setTouched((current) => (current.has(key) ? current : new Set(current).add(key)));
  }, []);

  const selectBase = useCallback(
    async (id: string | null) => {
      const request = ++baseRequest.current;
      setTouched(new Set());
      setShowAll(false);
      if (id === null) {
        dispatch({ type: "scratch", region });
        return;
      }
      setBaseLoading(true);
      try {
        const detail = await api.getModel(id);
        if (request !== baseRequest.current) return;
        const saved = detail.source === "saved" && detail.version !== null ? { id, version: detail.version } : null;
        dispatch({ type: "loadBase", id, config: detail.config, saved, originBaseId: detail.base_model_id ?? null });
        setLoadError(null);
      } catch (error) {
        if (request === baseRequest.current) setLoadError(toErrorBody(error));
      } finally {
        if (request === baseRequest.current) setBaseLoading(false);
      }
    },
    [api, region],
  );

  const activate = useCallback(
    (initialBaseId: string | null) => {
      if (activated.current) return;
      activated.current = true;
      void Promise.all([api.schema(), import("../model-editor/schemaValidation")])
        .then(([schema, module]) => setValidator(() => module.createConfigValidator(schema)))
        .catch((error: unknown) => setLoadError(toErrorBody(error)));
      if (initialBaseId !== null) void selectBase(initialBaseId);
    },
    [api, selectBase],
  );

  const check = useMemo(() => (validator ? validator(state.draft) : null), [state.draft, validator]);
  const clientErrors = useMemo(() => {
    const parse = Object.entries(state.parseErrors).map(([path, message]) => ({ path, message }));
    return [...parse, ...(check ? check.errors : []), ...localRuleErrors(state.draft)];
  }, [state.draft, state.parseErrors, check]);

  const problems = useMemo(() => dedupe([...clientErrors, ...serverErrors]), [clientErrors, serverErrors]);
  const shown = useMemo(() => (idError ? [...problems, { path: "id", message: idError }] : problems), [problems, idError]);
  const { byField } = useMemo(() => assignErrors(shown, FIELD_KEYS), [shown]);

  let blockedReason: string | null = null;
  if (baseLoading) blockedReason = "Loading the base model…";
  else if (!validator) blockedReason = loadError ? "The config schema could not be loaded." : "Loading the config schema…";
  else if (problems.length) blockedReason = `Fix ${problems.length === 1 ? "1 problem" : `${problems.length} problems`} in the config before sending.`;
  const validConfig = blockedReason === null ? (check?.config ?? null) : null;

  const context = useMemo<EditorContextValue>(
    () => ({ state, dispatch, fieldErrors: byField, changed: changedPathsOf(state), touched, touch, showAllErrors: showAll }),
    [state, byField, touched, touch, showAll],
  );

  const target = useMemo<InvokeTarget>(
    () => ({ kind: "custom", baseId: state.baseId, override: overrideFor(state) }),
    [state],
  );

  const startFrom = useCallback((config: JsonObject) => {
    ++baseRequest.current;
    setTouched(new Set());
    setShowAll(false);
    const normalized = normalizeConfig(config);
    dispatch({ type: "import", config: normalized });
    setStartedFrom(normalized);
  }, []);

  const dirty =
    state.base !== null
      ? !isEmptyPatch(createObjectMergePatch(state.base, state.draft))
      : startedFrom !== null && !deepEqual(startedFrom, state.draft);

  return {
    context,
    startFrom,
    dirty,
    problems,
    blockedReason,
    validConfig,
    baseLoading,
    loadError,
    target,
    activate,
    selectBase,
    setServerErrors,
    showAllErrors: () => setShowAll(true),
  };
}
