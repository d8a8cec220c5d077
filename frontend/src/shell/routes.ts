/**
 * Every view of the console has a URL (deep links, reload and the back button work). These builders are the only
 * place paths are spelled; the route table in ``Console.tsx`` uses the patterns below.
 */

export const MODEL_TABS = ["configuration", "versions", "activity"] as const;
export type ModelTab = (typeof MODEL_TABS)[number];

export const PATTERNS = {
  models: "/models",
  create: "/models/new",
  model: "/models/:modelId",
  modelTab: "/models/:modelId/:tab",
  audit: "/audit",
  test: "/test",
} as const;

export function isModelTab(value: string | undefined): value is ModelTab {
  return (MODEL_TABS as readonly string[]).includes(value ?? "");
}

function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const paths = {
  home: () => "/",
  models: () => PATTERNS.models,
  /** The create flow; ``from`` duplicates an existing model (its config is the starting point). */
  create: (options: { from?: string | null } = {}) => withQuery(PATTERNS.create, { from: options.from }),
  model: (id: string, tab: ModelTab = "configuration") => `/models/${encodeURIComponent(id)}/${tab}`,
  /** The Versions tab comparing two versions (``a`` -> ``b``, shown as the merge patch from a to b). */
  versions: (id: string, compare: { a?: number | null; b?: number | null } = {}) =>
    withQuery(`/models/${encodeURIComponent(id)}/versions`, { a: compare.a, b: compare.b }),
  audit: (query = "") => (query ? `${PATTERNS.audit}?${query.replace(/^\?/, "")}` : PATTERNS.audit),
  test: (modelId?: string | null) => withQuery(PATTERNS.test, { model: modelId }),
};

/** Where a signed-in user lands: administrators manage models, plain users test them. */
export function homeFor(isAdmin: boolean): string {
  return isAdmin ? paths.models() : paths.test();
}

export interface Crumb {
  text: string;
  href: string;
}

const TAB_LABELS: Record<ModelTab, string> = { configuration: "Configuration", versions: "Versions", activity: "Activity" };

/** The breadcrumbs of a path (``names`` gives display names of model ids). */
export function breadcrumbsFor(pathname: string, names: Record<string, string> = {}): Crumb[] {
  const root: Crumb = { text: "Model Studio", href: paths.home() };
  const segments = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = segments;
  if (first === "models") {
    const crumbs = [root, { text: "Models", href: paths.models() }];
    if (second === "new") return [...crumbs, { text: "Create model", href: paths.create() }];
    if (second) {
      crumbs.push({ text: names[second] ?? second, href: paths.model(second) });
      if (isModelTab(third)) crumbs.push({ text: TAB_LABELS[third], href: paths.model(second, third) });
    }
    return crumbs;
  }
  if (first === "audit") return [root, { text: "Audit log", href: paths.audit() }];
  if (first === "test") return [root, { text: "Test a model", href: paths.test() }];
  return [root];
}
