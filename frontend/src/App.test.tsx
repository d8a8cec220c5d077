import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import type { AuthService, SignInOutcome } from "./auth/authService";
import { createFakeApi } from "./test/fakeApi";
import { USER_ME, USER_MODELS } from "./test/fixtures/models";

function fakeAuth(options: { user?: string | null; outcomes?: SignInOutcome[]; failWith?: string } = {}) {
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

describe("App auth gate", () => {
  it("signs in with username and password, then shows the inference settings", async () => {
    // Given no session
    const { auth, calls } = fakeAuth();
    const { api } = createFakeApi({ me: USER_ME, models: USER_MODELS });
    const user = userEvent.setup();
    render(<App auth={auth} api={api} region="us-east-1" />);
    // When the user signs in
    await user.type(await screen.findByRole("textbox", { name: "Username" }), "bob");
    await user.type(screen.getByLabelText("Password"), "S3cret!pass");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    // Then the settings page loads for them
    expect(await screen.findByRole("heading", { name: "Inference settings" })).toBeInTheDocument();
    expect(calls).toEqual(["signIn bob S3cret!pass"]);
    // And signing out returns to the sign-in form
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(calls).toContain("signOut");
  });

  it("asks for a new password when Cognito requires one", async () => {
    const { auth, calls } = fakeAuth({ outcomes: [{ kind: "newPasswordRequired" }] });
    const { api } = createFakeApi({ me: USER_ME, models: USER_MODELS });
    const user = userEvent.setup();
    render(<App auth={auth} api={api} region="us-east-1" />);
    await user.type(await screen.findByRole("textbox", { name: "Username" }), "new");
    await user.type(screen.getByLabelText("Password"), "Temp1234!");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await user.type(await screen.findByLabelText("New password"), "Better1234!");
    await user.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByRole("heading", { name: "Inference settings" })).toBeInTheDocument();
    expect(calls).toEqual(["signIn new Temp1234!", "newPassword Better1234!"]);
  });

  it("shows the sign-in error", async () => {
    const { auth } = fakeAuth({ failWith: "Incorrect username or password." });
    const { api } = createFakeApi({ me: USER_ME, models: USER_MODELS });
    const user = userEvent.setup();
    render(<App auth={auth} api={api} region="us-east-1" />);
    await user.type(await screen.findByRole("textbox", { name: "Username" }), "bob");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Incorrect username or password.")).toBeInTheDocument();
  });

  it("goes straight to the settings with an existing session", async () => {
    const { auth } = fakeAuth({ user: "bob" });
    const { api, requests } = createFakeApi({ me: USER_ME, models: USER_MODELS });
    render(<App auth={auth} api={api} region="us-east-1" />);
    expect(await screen.findByRole("heading", { name: "Inference settings" })).toBeInTheDocument();
    await waitFor(() => expect(requests.map((r) => r.path)).toEqual(["/me", "/models"]));
  });
});
