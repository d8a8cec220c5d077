/** What the UI needs from sign-in, independent of the library behind it (tests use a fake). */

export type SignInOutcome =
  | { kind: "signedIn" }
  | { kind: "newPasswordRequired" }
  | { kind: "unsupported"; step: string };

export interface AuthService {
  /** The signed-in user's name, or null. */
  currentUser(): Promise<string | null>;
  signIn(username: string, password: string): Promise<SignInOutcome>;
  /** Answers Cognito's NEW_PASSWORD_REQUIRED challenge (users created by an admin). */
  completeNewPassword(password: string): Promise<SignInOutcome>;
  signOut(): Promise<void>;
  /** A valid Cognito ID token (refreshed when needed), or null when signed out. */
  idToken(): Promise<string | null>;
}
