import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AuthService } from "../auth/authService";
import { fakeAuth } from "../test/fakeAuth";
import { SignInPage } from "./SignInPage";

describe("SignInPage", () => {
  it("starts what comes next as the credentials go out, and stays busy until the console is ready", async () => {
    // Given a sign-in that the test answers, and a console that the test lets open
    const { auth } = fakeAuth();
    let answer: () => void = () => undefined;
    const slowAuth: AuthService = {
      ...auth,
      signIn: (username, password) =>
        new Promise((resolve) => (answer = () => void auth.signIn(username, password).then(resolve))),
    };
    const events: string[] = [];
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const user = userEvent.setup();
    render(
      <SignInPage
        auth={slowAuth}
        onSubmit={() => events.push("submit")}
        onSignedIn={() => {
          events.push("signedIn");
          return opened;
        }}
      />,
    );
    // When the user submits
    await user.type(screen.getByRole("textbox", { name: "Username" }), "alice");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    // Then what comes next starts before Cognito has answered
    expect(events).toEqual(["submit"]);
    // And once signed in, the button stays busy while the console opens
    act(() => answer());
    await waitFor(() => expect(events).toEqual(["submit", "signedIn"]));
    expect(screen.getByRole("button", { name: "Sign in" })).toHaveAttribute("aria-disabled", "true");
    // And it is free again once the console has opened
    await act(async () => open());
    expect(screen.getByRole("button", { name: "Sign in" })).not.toHaveAttribute("aria-disabled");
  });
});
