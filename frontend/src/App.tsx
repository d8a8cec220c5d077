/**
 * The app: the route table (every view has a URL) behind the auth gate. Signed out, any URL shows the sign-in page and
 * keeps the URL, so a deep link opens once signed in. Signed in, the console shell (loaded on demand) renders the
 * route's page.
 */
import Box from "@cloudscape-design/components/box";
import Spinner from "@cloudscape-design/components/spinner";
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { useLocation, type RouteObject } from "react-router";
import type { ApiClient } from "./api/client";
import type { AuthService } from "./auth/authService";
import { SignInPage } from "./pages/SignInPage";
import { consoleRoutes, preloadPage } from "./shell/routeTable";

const loadConsole = () => import("./shell/Console");
const Console = lazy(loadConsole);

export interface AppProps {
  auth: AuthService;
  api: ApiClient;
  region: string;
}

function Loading() {
  return (
    <Box padding="l" textAlign="center">
      <Spinner size="large" />
      <span className="ms-visually-hidden">Loading…</span>
    </Box>
  );
}

export function App({ auth, api, region }: AppProps) {
  const [status, setStatus] = useState<"checking" | "signedOut" | "signedIn">("checking");
  const { pathname } = useLocation();

  useEffect(() => {
    let current = true;
    void auth.currentUser().then((user) => {
      if (current) setStatus(user ? "signedIn" : "signedOut");
    });
    return () => {
      current = false;
    };
  }, [auth]);

  // Signed in: the shell's chunk and the page's chunk load together, not one after the other (the shell renders the
  // page only once the identity and the models are in). The URL at sign-in only: later pages load as they open.
  useEffect(() => {
    if (status !== "signedIn") return;
    void loadConsole();
    preloadPage(pathname);
  }, [status]);

  const signOut = useCallback(() => {
    void auth.signOut().finally(() => setStatus("signedOut"));
  }, [auth]);

  return (
    <div data-testid={`app-${status}`}>
      {status === "checking" && (
        <main>
          <Loading />
        </main>
      )}
      {status === "signedOut" && (
        <main className="ms-main">
          <SignInPage auth={auth} onSignedIn={() => setStatus("signedIn")} />
        </main>
      )}
      {status === "signedIn" && (
        <Suspense fallback={<Loading />}>
          <Console api={api} region={region} onSignOut={signOut} />
        </Suspense>
      )}
    </div>
  );
}

/** The route table: the auth gate at the root, the console's pages below it. */
export function appRoutes(props: AppProps): RouteObject[] {
  return [{ path: "/", element: <App {...props} />, children: consoleRoutes }];
}
