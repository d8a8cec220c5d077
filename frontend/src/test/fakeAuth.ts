/** A fake of the Cognito sign-in (``AuthService``) that records its calls. */
import type { AuthService, SignInOutcome } from "../auth/authService";

export function fakeAuth(options: { user?: string | null; outcomes?: SignInOutcome[]; failWith?: string } = {}) {
  const calls: string[] = [];
  let user = options.user ?? null;
  const outcomes = [...(options.outcomes ?? [{ kind: "signedIn" }])];
  const auth: AuthService = {
    currentUser: async () => user,
    signIn: async (username, password) => {
      calls.push(`signIn ${username} ${password}`);
      if (options.failWith) throw new Error(options.failWith);
      const outcome = outcomes.shift() ?? { kind: "signedIn" };
      if (outcome.kind === "signedIn") user = username;
      return outcome;
    },
    completeNewPassword: async (password) => {
      calls.push(`newPassword ${password}`);
      user = "someone";
      return { kind: "signedIn" };
    },
    signOut: async () => {
      calls.push("signOut");
      user = null;
    },
    idToken: async () => (user ? "token" : null),
  };
  return { auth, calls };
}
