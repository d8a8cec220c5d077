/** Sign-in with the Cognito user pool (and the NEW_PASSWORD_REQUIRED step for admin-created users). */
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Container from "@cloudscape-design/components/container";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import SpaceBetween from "@cloudscape-design/components/space-between";
import { useState, type FormEvent } from "react";
import type { AuthService, SignInOutcome } from "../auth/authService";

export interface SignInPageProps {
  auth: AuthService;
  /** Called once signed in; the button stays busy until it settles (the console loads meanwhile). */
  onSignedIn: () => void | Promise<void>;
  /** Called as the credentials are sent: what comes after signing in can start loading. */
  onSubmit?: () => void;
}

export function SignInPage({ auth, onSignedIn, onSubmit }: SignInPageProps) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [step, setStep] = useState<"credentials" | "newPassword">("credentials");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const handle = async (outcome: SignInOutcome) => {
    if (outcome.kind === "signedIn") await onSignedIn();
    else if (outcome.kind === "newPasswordRequired") setStep("newPassword");
    else setError(`This sign-in step is not supported here: ${outcome.step}.`);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    onSubmit?.();
    try {
      await handle(step === "credentials" ? await auth.signIn(username, password) : await auth.completeNewPassword(newPassword));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box padding={{ vertical: "xxxl", horizontal: "l" }}>
      <div className="ms-sign-in">
        <form onSubmit={(event) => void submit(event)} aria-label="Sign in">
          <Form
            actions={
              <Button variant="primary" formAction="submit" loading={busy}>
                {step === "credentials" ? "Sign in" : "Set password"}
              </Button>
            }
            errorText={error ?? undefined}
          >
            <Container header={<Header variant="h1">Model Studio</Header>}>
              <SpaceBetween size="m">
                {step === "credentials" ? (
                  <>
                    <FormField label="Username">
                      <Input
                        value={username}
                        onChange={({ detail }) => setUsername(detail.value)}
                        autoComplete="username"
                        autoFocus
                        name="username"
                      />
                    </FormField>
                    <FormField label="Password">
                      <Input
                        type="password"
                        value={password}
                        onChange={({ detail }) => setPassword(detail.value)}
                        autoComplete="current-password"
                        name="password"
                      />
                    </FormField>
                  </>
                ) : (
                  <>
                    <Alert type="info">Your account needs a new password before the first sign-in.</Alert>
                    <FormField label="New password">
                      <Input
                        type="password"
                        value={newPassword}
                        onChange={({ detail }) => setNewPassword(detail.value)}
                        autoComplete="new-password"
                        autoFocus
                        name="new-password"
                      />
                    </FormField>
                  </>
                )}
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </div>
    </Box>
  );
}
