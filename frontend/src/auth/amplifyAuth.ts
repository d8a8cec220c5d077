/** ``AuthService`` on Amplify Auth (Cognito user pools): SRP or USER_PASSWORD_AUTH, custom endpoint for moto. */
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, getCurrentUser, signIn, signOut, type SignInOutput } from "aws-amplify/auth";
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
        return null;
      }
    },
    async signIn(username, password) {
      return outcome(await signIn({ username, password, options: { authFlowType: config.authFlowType } }));
    },
    async completeNewPassword(password) {
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
