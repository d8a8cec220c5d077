import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ADMIN_ME, ADMIN_MODELS, DETAILS, USER_ME, USER_MODELS } from "../test/fixtures/models";
import { eventStream, handFedEventStream, json, sseFrame } from "../test/fakeApi";
import { chooseOption, optionLabels, renderApp, renderPage, selectByLabel } from "../test/renderPage";

/** A plain user's streamed invoke of the default model, answered by a stream the test writes as it goes. */
async function invokeHandFed() {
  const feed = handFedEventStream();
  const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes: { "POST /invoke/stream": () => feed.response } });
  await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital of France?");
  await page.user.click(screen.getByRole("button", { name: "Invoke" }));
  await waitFor(() => expect(page.requests.map((r) => r.path)).toContain("/invoke/stream"));
  return { feed, page };
}

describe("non-admin view", () => {
  it("shows the model select and the test panel only, without privileged tags", async () => {
    // Given a plain user
    const page = await renderPage({ me: USER_ME, models: USER_MODELS });
    // Then the model list has the models
    expect(optionLabels(page, "LLM model")).toEqual(["Claude 3 Haiku", "Llama 3 (TGI)", "Llama 3 cold"]);
    // And the default model is selected, with its tags
    const trigger = selectByLabel(page, "LLM model").findTrigger().getElement();
    expect(trigger).toHaveTextContent("Claude 3 Haiku");
    // And no editor, preview or debug control is rendered
    expect(screen.queryByTestId("section-model")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Preview request" })).not.toBeInTheDocument();
    expect(screen.queryByText("Include debug details")).not.toBeInTheDocument();
    expect(screen.getByTestId("test-panel")).toBeInTheDocument();
    // And the schema (admin editor) was never fetched
    expect(page.requests.map((r) => r.path)).toEqual(["/me", "/models"]);
  });

  it("streams the default model's answer through /invoke/stream, sending the model id only", async () => {
    // Given a plain user on the default (streaming) model
    const done = { usage: { input_tokens: 5, output_tokens: 2, estimated: true, input_estimated: true, output_estimated: false }, latency_ms: 120, model_id: "claude-haiku", request_id: "req-1" };
    const stream = eventStream([
      { event: "delta", data: { text: "Par" } },
      { event: "delta", data: { text: "is." } },
      { event: "done", data: done },
    ]);
    const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes: { "POST /invoke/stream": () => stream } });
    // When a prompt is invoked
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital of France?");
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    // Then the streamed text and the done frame's figures are shown
    expect(await screen.findByTestId("invoke-latency")).toHaveTextContent("120 ms");
    expect(screen.getByTestId("invoke-output")).toHaveTextContent("Paris.");
    // (the model reported its output tokens, not its input tokens: "estimated" is said of the input count only)
    expect(screen.getByTestId("invoke-usage")).toHaveTextContent(/^5 \(estimated\) in \/ 2 out$/);
    expect(screen.getByTestId("invoke-result")).toHaveTextContent("Streamed");
    // And the only invoke went to /invoke/stream, its body carrying no privileged field and no stream flag
    const invokes = page.requests.filter((r) => r.path.startsWith("/invoke"));
    expect(invokes.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: "POST", path: "/invoke/stream", body: { model_id: "claude-haiku", prompt: "Capital of France?" } },
    ]);
  });

  it("shows each delta while the stream is open, and Cancel stops it", async () => {
    // Given a stream the test feeds by hand
    const { feed, page } = await invokeHandFed();
    // When two deltas arrive, one after the other
    feed.send("delta", { text: "Paris" });
    // Then each is shown as it arrives, while the answer is still being generated
    await waitFor(() => expect(screen.getByTestId("invoke-output")).toHaveTextContent(/^Paris$/));
    feed.write(`: keep-alive\n\n${sseFrame("delta", { text: " is" })}`);
    await waitFor(() => expect(screen.getByTestId("invoke-output")).toHaveTextContent(/^Paris is$/));
    expect(screen.getByTestId("invoke-result")).toHaveTextContent("Generating…");
    // When the user cancels
    await page.user.click(screen.getByRole("button", { name: "Cancel" }));
    // Then the stream stops, the text so far stays, marked incomplete
    expect(await screen.findByTestId("error-alert")).toHaveTextContent("Cancelled.");
    expect(screen.getByTestId("invoke-output")).toHaveTextContent(/^Paris is$/);
    expect(screen.getByTestId("invoke-incomplete")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Invoke" })).toBeEnabled();
  });

  it.each([
    {
      broken: "an error frame",
      tail: [{ event: "error", data: { error: "model_error", message: "The model failed mid-answer." } }],
      message: "The model failed mid-answer.",
    },
    { broken: "no done frame", tail: [], message: "The stream ended before the model finished." },
  ])("keeps the partial text and shows the error when the stream ends with $broken", async ({ tail, message }) => {
    // Given a stream that breaks after one delta
    const stream = eventStream([{ event: "delta", data: { text: "Paris is" } }, ...tail]);
    const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes: { "POST /invoke/stream": () => stream } });
    // When a prompt is invoked
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital of France?");
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    // Then the error is shown, the text received so far stays, marked incomplete, and no result figures are shown
    expect(await screen.findByTestId("error-alert")).toHaveTextContent(message);
    expect(screen.getByTestId("invoke-output")).toHaveTextContent("Paris is");
    expect(screen.getByTestId("invoke-incomplete")).toHaveTextContent("Incomplete");
    expect(screen.queryByTestId("invoke-latency")).not.toBeInTheDocument();
  });

  it("sends chat messages and the system prompt", async () => {
    const answer = { output: "Rome.", usage: { input_tokens: 9, output_tokens: 1, estimated: false }, latency_ms: 80, model_id: "tgi-llama", request_id: "r2" };
    const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes: { "POST /invoke": () => json(200, answer) } });
    // Given the non-streaming TGI model and the chat mode
    await chooseOption(page, "LLM model", "tgi-llama");
    page.wrapper.findSegmentedControl()!.findSegments()[1]!.click();
    await page.user.type(screen.getByRole("textbox", { name: "System prompt" }), "Be brief.");
    await page.user.type(screen.getByRole("textbox", { name: "Content of message 1" }), "Capital of France?");
    await page.user.click(screen.getByRole("button", { name: "Add message" }));
    await page.user.type(screen.getByRole("textbox", { name: "Content of message 2" }), "Paris.");
    await page.user.click(screen.getByRole("button", { name: "Add message" }));
    await page.user.type(screen.getByRole("textbox", { name: "Content of message 3" }), "And of Italy?");
    // When invoked
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    // Then the body carries the conversation, without streaming (the model does not stream)
    expect(await screen.findByTestId("invoke-output")).toHaveTextContent("Rome.");
    expect(page.requests.find((r) => r.path === "/invoke")?.body).toEqual({
      model_id: "tgi-llama",
      messages: [
        { role: "user", content: "Capital of France?" },
        { role: "assistant", content: "Paris." },
        { role: "user", content: "And of Italy?" },
      ],
      system: "Be brief.",
    });
  });

  it.each([
    { streamed: true, path: "/invoke/stream" },
    { streamed: false, path: "/invoke" },
  ])("shows the rule of a 403 from $path readably", async ({ streamed, path }) => {
    // Given an API that refuses the invoke on both routes
    const denied = { error: "forbidden", message: "Overrides are for administrators.", rule: "admin_only" };
    const routes = { "POST /invoke/stream": () => json(403, denied), "POST /invoke": () => json(403, denied) };
    const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes });
    // When the user invokes, streamed or not
    if (!streamed) await page.user.click(screen.getByRole("checkbox", { name: /Stream response/ }));
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "x");
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    // Then the same alert names the rule, and the request went to the route of that mode
    const alert = await screen.findByTestId("error-alert");
    expect(alert).toHaveTextContent("Not allowed");
    expect(alert).toHaveTextContent("Overrides are for administrators.");
    expect(within(alert).getByTestId("error-rule")).toHaveTextContent("Rule: admin_only (only members of the admin group may do this)");
    expect(page.requests.filter((r) => r.path.startsWith("/invoke")).map((r) => r.path)).toEqual([path]);
  });

  it("signs out when the API answers 401", async () => {
    // Given an API that answers 401 (the session expired)
    const { render } = await import("@testing-library/react");
    const { createMemoryRouter, RouterProvider } = await import("react-router");
    const { appRoutes } = await import("../App");
    const { createFakeApi } = await import("../test/fakeApi");
    const { fakeAuth } = await import("../test/fakeAuth");
    const { auth, calls } = fakeAuth({ user: "bob" });
    const fake = createFakeApi({ me: USER_ME, models: USER_MODELS, routes: { "GET /me": () => json(401, { message: "Unauthorized" }) } });
    // When the console loads
    render(<RouterProvider router={createMemoryRouter(appRoutes({ auth, api: fake.api, region: "us-east-1" }), { initialEntries: ["/test"] })} />);
    // Then the user is signed out and sees the sign-in form
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(calls).toEqual(["signOut"]);
  });

  it("a plain user who opens an admin URL is told it is for administrators", async () => {
    // Given a plain user, When a shared link to a model's configuration is opened
    await renderApp({ me: USER_ME, models: USER_MODELS }, "/models/tgi-llama/configuration");
    // Then the page explains why, and no admin request was sent
    expect(await screen.findByTestId("admin-only")).toHaveTextContent("members of the Administrators group");
    expect(screen.queryByTestId("section-model")).not.toBeInTheDocument();
  });
});

describe("admin view", () => {
  it("lists predefined and saved models with tags", async () => {
    const page = await renderPage({ me: ADMIN_ME, models: ADMIN_MODELS, details: DETAILS });
    expect(optionLabels(page, "LLM model")).toEqual(["Claude 3 Haiku", "Llama 3 (TGI)", "Llama 3 cold"]);
    const select = selectByLabel(page, "LLM model");
    select.openDropdown();
    const tags = select
      .findDropdown()
      .findOptions()
      .map((option) => (option.findTags() ?? []).map((tag) => tag.getElement().textContent));
    select.closeDropdown();
    expect(tags.slice(0, 3)).toEqual([
      ["Bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "Default"],
      ["SageMaker", "llama3-tgi"],
      ["SageMaker", "llama3-tgi"],
    ]);
  });

  it("the chosen model is in the URL, so the test view can be linked", async () => {
    // Given the test page opened on a model by URL
    const page = await renderApp({ me: ADMIN_ME, models: ADMIN_MODELS, details: DETAILS }, "/test?model=tgi-llama");
    // Then that model is selected
    expect(selectByLabel(page, "LLM model").findTrigger().getElement()).toHaveTextContent("Llama 3 (TGI)");
    // When another is chosen, Then the URL follows
    await chooseOption(page, "LLM model", "tgi-llama-cold");
    expect(page.router.state.location.search).toBe("?model=tgi-llama-cold");
  });
});

describe("reasoning models", () => {
  it("show the reasoning apart from the answer, and cached input tokens", async () => {
    const answer = {
      output: "Paris.",
      reasoning: "The user asks for the capital of France.",
      usage: { input_tokens: 6, output_tokens: 9, estimated: false, cache_read_input_tokens: 1444 },
      latency_ms: 12,
      model_id: "claude-haiku",
      request_id: "r-1",
    };
    const page = await renderPage({ me: USER_ME, models: USER_MODELS, routes: { "POST /invoke": () => json(200, answer) } });
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital of France?");
    await page.user.click(screen.getByRole("checkbox", { name: /Stream response/ }));
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));

    expect(await screen.findByTestId("invoke-output")).toHaveTextContent(/^Paris\.$/);
    expect(screen.getByTestId("invoke-reasoning")).toHaveTextContent("The user asks for the capital of France.");
    expect(screen.getByTestId("invoke-usage")).toHaveTextContent("6 in / 9 out, 1444 from cache");
  });

  it("show streamed reasoning as it arrives, apart from the answer's text", async () => {
    // Given a stream the test feeds by hand
    const { feed } = await invokeHandFed();

    // When reasoning frames arrive before any text
    feed.send("reasoning", { text: "The user asks" });
    feed.send("reasoning", { text: " for a capital." });

    // Then the reasoning is shown (open) while the answer is generated, and none of it is in the answer
    await waitFor(() => expect(screen.getByTestId("invoke-reasoning-text")).toHaveTextContent(/^The user asks for a capital\.$/));
    expect(screen.getByTestId("invoke-output")).toHaveTextContent(/^$/);
    expect(screen.getByTestId("invoke-result")).toHaveTextContent("Generating…");

    // When the answer follows and the stream ends
    feed.send("delta", { text: "Paris." });
    feed.send("done", { usage: { input_tokens: 6, output_tokens: 9, estimated: false }, latency_ms: 30, model_id: "claude-haiku", request_id: "r-2" });
    feed.close();

    // Then the result keeps both, apart
    expect(await screen.findByTestId("invoke-latency")).toHaveTextContent("30 ms");
    expect(screen.getByTestId("invoke-output")).toHaveTextContent(/^Paris\.$/);
    expect(screen.getByTestId("invoke-reasoning-text")).toHaveTextContent(/^The user asks for a capital\.$/);
  });
});
