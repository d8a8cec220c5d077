import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { describe, expect, it } from "vitest";
import { appRoutes, type AppProps } from "./App";
import { createFakeApi } from "./test/fakeApi";
import { fakeAuth } from "./test/fakeAuth";
import { ADMIN_ME, ADMIN_MODELS, USER_ME, USER_MODELS } from "./test/fixtures/models";

function App(props: AppProps & { path?: string }) {
  const router = createMemoryRouter(appRoutes(props), { initialEntries: [props.path ?? "/"] });
  return <RouterProvider router={router} />;
}

describe("App auth gate", () => {
  it("signs in with username and password, then a plain user lands on the test page", async () => {
    // Given no session
    const { auth, calls } = fakeAuth();
    const { api } = createFakeApi({ me: USER_ME, models: USER_MODELS });
    const user = userEvent.setup();
    render(<App auth={auth} api={api} region="us-east-1" />);
    // When the user signs in
    await user.type(await screen.findByRole("textbox", { name: "Username" }), "bob");
    await user.type(screen.getByLabelText("Password"), "S3cret!pass");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    // Then the test page loads for them
    expect(await screen.findByRole("heading", { name: "Test a model", level: 1 })).toBeInTheDocument();
    expect(calls).toEqual(["signIn bob S3cret!pass"]);
    // And signing out (the user menu) returns to the sign-in form
    await user.click(screen.getByRole("button", { name: /Signed in as bob/ }));
    await user.click(await screen.findByRole("menuitem", { name: "Sign out" }));
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
    expect(await screen.findByRole("heading", { name: "Test a model" })).toBeInTheDocument();
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

  it("goes straight to the page with an existing session; an administrator lands on Models", async () => {
    const { auth } = fakeAuth({ user: "alice" });
    const { api, requests } = createFakeApi({ me: ADMIN_ME, models: ADMIN_MODELS });
    render(<App auth={auth} api={api} region="us-east-1" />);
    expect(await screen.findByRole("heading", { name: /Models/, level: 1 })).toBeInTheDocument();
    await waitFor(() => expect(requests.map((r) => r.path)).toEqual(["/me", "/models"]));
  });

  it("signed out on a deep link, signing in opens that link", async () => {
    // Given no session and a link to the audit log filtered by model
    const { auth } = fakeAuth();
    const { api, requests } = createFakeApi({ me: ADMIN_ME, models: ADMIN_MODELS, routes: {} });
    const user = userEvent.setup();
    render(<App auth={auth} api={api} region="us-east-1" path="/audit?model_id=tgi-llama" />);
    // When the admin signs in
    await user.type(await screen.findByRole("textbox", { name: "Username" }), "alice");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    // Then the filtered audit log opens
    expect(await screen.findByRole("heading", { name: /Audit log/, level: 1 })).toBeInTheDocument();
    await waitFor(() => expect(requests.map((r) => r.path)).toContain("/audit?model_id=tgi-llama&limit=25"));
  });
});
