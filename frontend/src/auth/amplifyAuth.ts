/** ``AuthService`` on Amplify Auth (Cognito user pools): SRP or USER_PASSWORD_AUTH, custom endpoint for moto. */
import { Amplify } from "aws-amplify";
import { fetchAuthSession, getCurrentUser, signOut, type SignInOutput } from "aws-amplify/auth";
import type { RuntimeConfig } from "../config/runtimeConfig";
import type { AuthService, SignInOutcome } from "./authService";

export function amplifyResourcesConfig(config: RuntimeConfig): Parameters<typeof Amplify.configure>[0] {
  return {
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.cognitoEndpoint ? { userPoolEndpoint: config.cognitoEndpoint } : {}),
      },
    },
  };
}

function outcome(result: SignInOutput): SignInOutcome {
  if (result.isSignedIn || result.nextStep.signInStep === "DONE") return { kind: "signedIn" };
  if (result.nextStep.signInStep === "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED") return { kind: "newPasswordRequired" };
  return { kind: "unsupported", step: result.nextStep.signInStep };
}

export function createAmplifyAuth(config: RuntimeConfig): AuthService {
  Amplify.configure(amplifyResourcesConfig(config));
  return {
    async currentUser() {
      try {
        return (await getCurrentUser()).username;
      } catch {
        // Signed out: the sign-in form shows next; its flows load in the background, ready for the submit.
        void import("./amplifySignIn");
        return null;
      }
    },
    async signIn(username, password) {
      const { signIn } = await import("./amplifySignIn");
      return outcome(await signIn({ username, password, options: { authFlowType: config.authFlowType } }));
    },
    async completeNewPassword(password) {
      const { confirmSignIn } = await import("./amplifySignIn");
      return outcome(await confirmSignIn({ challengeResponse: password }));
    },
    async signOut() {
      await signOut();
    },
    async idToken() {
      try {
        return (await fetchAuthSession()).tokens?.idToken?.toString() ?? null;
      } catch {
        return null;
      }
    },
  };
}
