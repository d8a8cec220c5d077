/**
 * The app: the route table (every view has a URL) behind the auth gate. Signed out, any URL shows the sign-in page and
 * keeps the URL, so a deep link opens once signed in. Signed in, the console shell (loaded on demand) renders the
 * route's page.
 */
import Box from "@cloudscape-design/components/box";
import Spinner from "@cloudscape-design/components/spinner";
import { Suspense, useCallback, useEffect, useRef, useState } from "react";
import { useLocation, type RouteObject } from "react-router";
import type { ApiClient } from "./api/client";
import type { AuthService } from "./auth/authService";
import { SignInPage } from "./pages/SignInPage";
import { ConsoleScreen, loadConsole, openConsole, type SessionData } from "./shell/opening";
import { consoleRoutes } from "./shell/routeTable";

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

type Gate = { status: "checking" | "signedOut" } | { status: "signedIn"; data: Promise<SessionData> };

export function App({ auth, api, region }: AppProps) {
  const [gate, setGate] = useState<Gate>({ status: "checking" });
  const { pathname } = useLocation();
  const location = useRef(pathname); // the URL when the user becomes known: its page loads with the console
  useEffect(() => {
    location.current = pathname;
  }, [pathname]);

  // Signed in: the console's chunk, the page's chunk and the session data load together; the console shows once its
  // chunk is in (the data and the page may still be on their way: the console waits for them).
  const signedIn = useCallback(
    async (): Promise<Gate> => ({ status: "signedIn", ...(await openConsole(api, location.current)) }),
    [api],
  );
  const enter = useCallback(async () => setGate(await signedIn()), [signedIn]);

  useEffect(() => {
    let current = true;
    void auth.currentUser().then(async (user) => {
      const next: Gate = user ? await signedIn() : { status: "signedOut" };
      if (current) setGate(next);
    });
    return () => {
      current = false;
    };
  }, [auth, signedIn]);

  const signOut = useCallback(() => {
    void auth.signOut().finally(() => setGate({ status: "signedOut" }));
  }, [auth]);

  return (
    <div data-testid={`app-${gate.status}`}>
      {gate.status === "checking" && (
        <main>
          <Loading />
        </main>
      )}
      {gate.status === "signedOut" && (
        <main className="ms-main">
          <SignInPage auth={auth} onSubmit={() => void loadConsole()} onSignedIn={enter} />
        </main>
      )}
      {gate.status === "signedIn" && (
        <Suspense fallback={<Loading />}>
          <ConsoleScreen api={api} region={region} data={gate.data} onSignOut={signOut} />
        </Suspense>
      )}
    </div>
  );
}

/** The route table: the auth gate at the root, the console's pages below it. */
export function appRoutes(props: AppProps): RouteObject[] {
  return [{ path: "/", element: <App {...props} />, children: consoleRoutes }];
}
