/**
 * What the console needs before its first screen, started together as soon as the user is known: the shell's chunk,
 * the chunk of the page at the URL, and the identity with the model list. Nothing waits on anything else, and the
 * console is shown only once its chunk is in, so React never shows a fallback for it (and never holds the finished
 * console back behind its fallback's minimum display time).
 */
import type { ApiClient } from "../api/client";
import type { Me, ModelSummary } from "../api/types";
import { preloadable } from "./preloadable";
import { preloadPage } from "./routeTable";

export interface SessionData {
  me: Me;
  models: ModelSummary[];
}

/** The console shell, rendered without suspending once `loadConsole` has brought its chunk. */
export const ConsoleScreen = preloadable(() => import("./Console"));
export const loadConsole = ConsoleScreen.preload;

/** The identity and the model list, fetched in parallel. A failure is handled by whoever awaits it (the console). */
export function fetchSessionData(api: ApiClient): Promise<SessionData> {
  const data = Promise.all([api.me(), api.listModels()]).then(([me, models]) => ({ me, models }));
  data.catch(() => undefined); // read later by the console: not an unhandled rejection in the meantime
  return data;
}

/** Starts everything the console's first screen needs; resolves once the console's chunk has arrived (a chunk that
 * fails to load is left for the console's lazy import to report), with the session data still on its way. */
export async function openConsole(api: ApiClient, pathname: string): Promise<{ data: Promise<SessionData> }> {
  const data = fetchSessionData(api);
  preloadPage(pathname);
  await loadConsole().catch(() => undefined);
  return { data };
}
