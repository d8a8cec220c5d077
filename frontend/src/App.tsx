/** Auth gate: the sign-in page until Cognito has a session, then the inference settings. */
import Box from "@cloudscape-design/components/box";
import Spinner from "@cloudscape-design/components/spinner";
import { useCallback, useEffect, useState } from "react";
import type { ApiClient } from "./api/client";
import type { AuthService } from "./auth/authService";
import { InferenceSettingsPage } from "./pages/InferenceSettingsPage";
import { SignInPage } from "./pages/SignInPage";

export interface AppProps {
  auth: AuthService;
  api: ApiClient;
  region: string;
}

export function App({ auth, api, region }: AppProps) {
  const [status, setStatus] = useState<"checking" | "signedOut" | "signedIn">("checking");

  useEffect(() => {
    let current = true;
    void auth.currentUser().then((user) => {
      if (current) setStatus(user ? "signedIn" : "signedOut");
    });
    return () => {
      current = false;
    };
  }, [auth]);

  const signOut = useCallback(() => {
    void auth.signOut().finally(() => setStatus("signedOut"));
  }, [auth]);

  return (
    <main className="ms-main" data-testid={`app-${status}`}>
      {status === "checking" && (
        <Box padding="l" textAlign="center">
          <Spinner size="large" />
        </Box>
      )}
      {status === "signedOut" && <SignInPage auth={auth} onSignedIn={() => setStatus("signedIn")} />}
      {status === "signedIn" && <InferenceSettingsPage api={api} region={region} onSignOut={signOut} />}
    </main>
  );
}
