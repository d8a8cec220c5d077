/** The signed-in session every page reads: the API client, who the user is, the model list (reloadable). */
import { createContext, useContext } from "react";
import type { ApiClient } from "../api/client";
import type { Me, ModelSummary } from "../api/types";

export interface Session {
  api: ApiClient;
  me: Me;
  region: string;
  models: ModelSummary[];
  reloadModels: () => Promise<ModelSummary[]>;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession must be used inside <SessionContext.Provider>");
  return value;
}
