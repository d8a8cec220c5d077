/**
 * The model editor's state as a pure reducer: the base model (or none = from scratch), the edited draft, the
 * saved model being updated (for optimistic locking), JSON-editor parse errors and a stash of the other
 * provider's fields so switching the provider back and forth loses nothing.
 */
import type { ModelConfig, Override, SaveRequest } from "../api/types";
import { clone, isJsonObject, pruneNulls, type JsonObject, type JsonValue } from "./json";
import { applyMergePatch, createMergePatch, createObjectMergePatch, isEmptyPatch, patchedPaths } from "./mergePatch";
import { emptyProvider, scratchConfig, type ProviderType } from "./modelConfig";
import { pathKey, type Path } from "./paths";

export interface SaveTarget {
  id: string;
  version: number;
}

export interface EditorState {
  baseId: string | null;
  base: JsonObject | null;
  draft: JsonObject;
  saveTarget: SaveTarget | null;
  /** The model the loaded saved model was derived from (sent again as ``base_model_id`` on update). */
  originBaseId: string | null;
  parseErrors: Record<string, string>;
  providerStash: Partial<Record<ProviderType, JsonObject>>;
}

export type EditorAction =
  | { type: "scratch"; region: string }
  | { type: "loadBase"; id: string; config: JsonObject; saved: SaveTarget | null; originBaseId?: string | null }
  | { type: "set"; path: Path; value: JsonValue | undefined }
  | { type: "switchProvider"; provider: ProviderType; region: string }
  | { type: "parseError"; path: Path; message: string | null }
  | { type: "import"; config: JsonObject }
  /** A draft kept from an earlier visit (drafts.ts), over the same base. */
  | { type: "restoreDraft"; draft: JsonObject }
  | { type: "saved"; id: string; version: number }
  | {
      type: "rebase";
      id: string;
      config: JsonObject;
      version: number;
      keepChanges: boolean;
      originBaseId?: string | null;
    };

export function initialEditorState(region: string): EditorState {
  return {
    baseId: null,
    base: null,
    draft: scratchConfig(region),
    saveTarget: null,
    originBaseId: null,
    parseErrors: {},
    providerStash: {},
  };
}

/** Immutable set; ``undefined`` deletes the key (the API's default then applies). */
export function setIn(object: JsonObject, path: Path, value: JsonValue | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return object;
  const out: JsonObject = { ...object };
  if (rest.length === 0) {
    if (value === undefined) delete out[head];
    else out[head] = value;
    return out;
  }
  const child = isJsonObject(object[head]) ? (object[head] as JsonObject) : {};
  out[head] = setIn(child, rest, value);
  return out;
}

export function getIn(object: JsonValue | undefined, path: Path): JsonValue | undefined {
  let node: JsonValue | undefined = object;
  for (const key of path) {
    if (!isJsonObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Optional sub-objects whose fields are all optional-looking in the form: drop them once emptied. */
const PRUNE_WHEN_EMPTY: readonly (readonly string[])[] = [
  ["provider", "guardrail"],
  ["content_handler", "usage"],
];

function pruneEmptyContainers(draft: JsonObject, changedPath: Path): JsonObject {
  let out = draft;
  for (const container of PRUNE_WHEN_EMPTY) {
    if (!container.every((segment, index) => changedPath[index] === segment)) continue;
    const value = getIn(out, container);
    if (isJsonObject(value) && Object.keys(value).length === 0) out = setIn(out, container, undefined);
  }
  return out;
}

/** The canonical config from the API spells every default and every null; the editor keeps only what is set. */
export function normalizeConfig(config: JsonObject): JsonObject {
  const out = pruneNulls(clone(config));
  const handler = config.content_handler;
  if (isJsonObject(handler) && Object.hasOwn(handler, "request_template")) {
    // request_template is free JSON: keep it exactly as stored.
    out.content_handler = { ...(out.content_handler as JsonObject), request_template: clone(handler.request_template!) };
  }
  if (isJsonObject(config.model_kwargs)) out.model_kwargs = clone(config.model_kwargs);
  return out;
}

export function editorReducer(state: EditorState, action: EditorAction): EditorState {
  switch (action.type) {
    case "scratch":
      return initialEditorState(action.region);
    case "loadBase": {
      const base = normalizeConfig(action.config);
      return {
        baseId: action.id,
        base,
        draft: clone(base),
        saveTarget: action.saved,
        originBaseId: action.originBaseId ?? null,
        parseErrors: {},
        providerStash: {},
      };
    }
    case "set":
      return { ...state, draft: pruneEmptyContainers(setIn(state.draft, action.path, action.value), action.path) };
    case "switchProvider": {
      const current = isJsonObject(state.draft.provider) ? state.draft.provider : undefined;
      const currentType = current?.type;
      if (currentType === action.provider) return state;
      const region = typeof current?.region === "string" && current.region ? current.region : action.region;
      const stash = { ...state.providerStash };
      if (current && (currentType === "sagemaker" || currentType === "bedrock")) stash[currentType] = current;
      const baseProvider = state.base?.provider;
      const restored =
        stash[action.provider] ??
        (isJsonObject(baseProvider) && baseProvider.type === action.provider ? clone(baseProvider) : undefined) ??
        emptyProvider(action.provider, region);
      return { ...state, draft: { ...state.draft, provider: restored }, providerStash: stash };
    }
    case "parseError": {
      const key = pathKey(action.path);
      const parseErrors = { ...state.parseErrors };
      if (action.message === null) delete parseErrors[key];
      else parseErrors[key] = action.message;
      return { ...state, parseErrors };
    }
    case "import":
      return {
        baseId: null,
        base: null,
        draft: normalizeConfig(action.config),
        saveTarget: null,
        originBaseId: null,
        parseErrors: {},
        providerStash: {},
      };
    case "restoreDraft":
      return { ...state, draft: clone(action.draft), parseErrors: {}, providerStash: {} };
    case "saved": {
      const base = clone(state.draft);
      const originBaseId = state.baseId !== action.id ? state.baseId : state.originBaseId;
      return { ...state, baseId: action.id, base, originBaseId, saveTarget: { id: action.id, version: action.version } };
    }
    case "rebase": {
      const latest = normalizeConfig(action.config);
      const draft = action.keepChanges
        ? (applyMergePatch(latest, createMergePatch(state.base ?? {}, state.draft)) as JsonObject)
        : clone(latest);
      return {
        baseId: action.id,
        base: latest,
        draft,
        saveTarget: { id: action.id, version: action.version },
        originBaseId: action.originBaseId ?? state.originBaseId,
        parseErrors: {},
        providerStash: {},
      };
    }
  }
}

/** The override the API gets: a merge patch over the base, or the whole config when starting from scratch. */
export function overrideFor(state: EditorState): Override | undefined {
  if (state.base === null) return clone(state.draft);
  const patch = createObjectMergePatch(state.base, state.draft);
  return isEmptyPatch(patch) ? undefined : patch;
}

export function changedPaths(state: EditorState): string[] {
  if (state.base === null) return [];
  return patchedPaths(createMergePatch(state.base, state.draft));
}

/**
 * ``PUT /models/{id}`` body: the full config (``config``: the editor's draft once the schema accepted it), the version
 * read (0 = create) and the model it came from.
 */
export function saveRequestFor(state: EditorState, config: ModelConfig): { id: string; body: SaveRequest } {
  const id = config.id;
  const version = state.saveTarget !== null && state.saveTarget.id === id ? state.saveTarget.version : 0;
  const origin = state.baseId !== null && state.baseId !== id ? state.baseId : state.originBaseId;
  return { id, body: { config: structuredClone(config), version, ...(origin ? { base_model_id: origin } : {}) } };
}
