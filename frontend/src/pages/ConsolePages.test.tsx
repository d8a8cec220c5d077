import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json, type RecordedRequest } from "../test/fakeApi";
import { ADMIN_ME, ADMIN_MODELS, DETAILS, SAVED_CONFIG } from "../test/fixtures/models";
import { fieldError, formField, openEditor, renderApp, replaceText } from "../test/renderPage";
import { readDraft } from "../model-editor/drafts";

const admin = { me: ADMIN_ME, models: ADMIN_MODELS, details: DETAILS };
const bodyOf = (requests: RecordedRequest[], method: string, path: string) =>
  requests.filter((r) => r.method === method && r.path === path).at(-1)?.body;

const VERSIONS = {
  id: "tgi-llama-cold",
  versions: [
    { version: 3, saved_at: "2026-12-03T10:00:00Z", saved_by: "bob", base_model_id: "tgi-llama", restored_from: null },
    { version: 2, saved_at: "2026-12-02T10:00:00Z", saved_by: "alice", base_model_id: "tgi-llama", restored_from: null },
    { version: 1, saved_at: "2026-12-01T10:00:00Z", saved_by: "alice", base_model_id: "tgi-llama", restored_from: null },
  ],
};
const configOf = (version: number) => ({ ...SAVED_CONFIG, model_kwargs: { max_new_tokens: 256, temperature: version / 10 } });
const versionRoutes = {
  "GET /models/tgi-llama-cold/versions": () => json(200, VERSIONS),
  ...Object.fromEntries(
    [1, 2, 3].map((n) => [
      `GET /models/tgi-llama-cold/versions/${n}`,
      () => json(200, { ...VERSIONS.versions[3 - n], id: "tgi-llama-cold", config: configOf(n) }),
    ]),
  ),
};

describe("Models page", () => {
  it("given an admin, when the table opens, then it has the admin columns and a 409 on delete is explained", async () => {
    // Given a saved model someone else updated since the list was read
    const page = await renderApp(
      { ...admin, routes: { "DELETE /models/tgi-llama-cold": () => json(409, { error: "conflict", message: "stale", current_version: 4 }) } },
      "/models",
    );
    const table = page.wrapper.findTable()!;
    const headers = table.findColumnHeaders().map((header) => header.getElement().textContent);
    expect(headers).toEqual(expect.arrayContaining(["Name", "API / format", "Version", "Updated by", "Updated at", "Cross-account"]));
    // And each row says the format its adapter speaks ("custom" when the API matched none)
    const apiCells = table.findRows().map((row) => row.findAll("td")[3]?.getElement().textContent);
    expect(apiCells).toEqual(["Conversebedrock-converseanthropic.claude-3-haiku-20240307-v1:0", "InvokeEndpointtgillama3-tgi", "InvokeEndpointcustomllama3-tgi"]);
    // When it is selected and deleted
    await page.user.click(screen.getByRole("radio", { name: "Select Llama 3 cold" }));
    await page.user.click(screen.getByRole("button", { name: "Actions" }));
    await page.user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    await page.user.click(within(await screen.findByTestId("delete-modal")).getByRole("button", { name: "Delete" }));
    // Then the conflict is shown at the top, with the versions, and the list is read again
    expect(await screen.findByText(/you had version 3, it is now version 4/)).toBeInTheDocument();
    expect(page.requests.filter((r) => r.path === "/models")).toHaveLength(2);
    expect(page.requests.find((r) => r.method === "DELETE")?.path).toBe("/models/tgi-llama-cold?version=3");
  });
});

describe("Versions tab", () => {
  it("given two versions in the URL, when the tab opens, then their difference is shown as a merge patch", async () => {
    await renderApp({ ...admin, routes: versionRoutes }, "/models/tgi-llama-cold/versions?a=1&b=3");
    const diff = await screen.findByTestId("version-diff");
    expect(JSON.parse(diff.textContent ?? "")).toEqual({ model_kwargs: { temperature: 0.3 } });
    expect(screen.getByTestId("version-diff-summary")).toHaveTextContent("1 changed field: model_kwargs.temperature");
  });

  it("given an old version, when restored after the confirmation, then it is saved on top of the latest with restored_from", async () => {
    const saved = { id: "tgi-llama-cold", version: 4, updated_at: "t", updated_by: "alice" };
    const page = await renderApp({ ...admin, routes: { ...versionRoutes, "PUT /models/tgi-llama-cold": () => json(200, saved) } }, "/models/tgi-llama-cold/versions");
    await page.user.click(await screen.findByRole("button", { name: "Restore version 1" }));
    const modal = await screen.findByTestId("restore-modal");
    await waitFor(() => expect(within(modal).getByTestId("restore-diff")).toHaveTextContent('"temperature": 0.1'));
    expect(page.requests.some((r) => r.method === "PUT")).toBe(false);
    await page.user.click(within(modal).getByRole("button", { name: "Restore as version 4" }));
    expect(await screen.findByText('Restored version 1 of "tgi-llama-cold" as version 4.')).toBeInTheDocument();
    expect(bodyOf(page.requests, "PUT", "/models/tgi-llama-cold")).toEqual({
      config: configOf(1),
      version: 3,
      restored_from: 1,
      base_model_id: "tgi-llama",
    });
  });

  it("given a predefined model, when its Versions tab opens, then it says there is no history", async () => {
    await renderApp({ ...admin, routes: { "GET /models/tgi-llama/versions": () => json(404, { error: "not_found", message: "no versions" }) } }, "/models/tgi-llama/versions");
    expect(await screen.findByTestId("versions-none")).toHaveTextContent("no saved versions");
  });
});

describe("Audit page", () => {
  it("given filters in the URL, when the page opens, then the API gets them; applying new ones updates the URL", async () => {
    const records = {
      records: [
        { id: "a1", timestamp: "2026-12-04T10:00:00Z", actor: "alice", actor_sub: "s", action: "save", model_id: "tgi-llama-cold", base_model_id: null, patch: null, role_arn: null, outcome: "success", request_id: "r1", version: 3 },
      ],
      next_token: "page-2",
    };
    const page = await renderApp({ ...admin, routes: { "GET /audit": () => json(200, records) } }, "/audit?model_id=tgi-llama-cold&action=save");
    await waitFor(() => expect(page.requests.map((r) => r.path)).toContain("/audit?model_id=tgi-llama-cold&action=save&limit=25"));
    expect(await screen.findByText("version 3")).toBeInTheDocument();
    // When the user filter is set and applied
    await replaceText(page, "User", "bob");
    await page.user.click(screen.getByRole("button", { name: "Apply filters" }));
    // Then the URL holds it, and the next page continues with the same filters
    await waitFor(() => expect(page.router.state.location.search).toBe("?model_id=tgi-llama-cold&actor=bob&action=save"));
    await waitFor(() => expect(page.requests.map((r) => r.path)).toContain("/audit?model_id=tgi-llama-cold&actor=bob&action=save&limit=25"));
    page.wrapper.findPagination()!.findNextPageButton().click();
    await waitFor(() =>
      expect(page.requests.map((r) => r.path)).toContain("/audit?model_id=tgi-llama-cold&actor=bob&action=save&limit=25&next_token=page-2"),
    );
  });
});

describe("Create flow", () => {
  it("given Bedrock InvokeModel blank, when configured, then no id is pre-filled, a taken id is refused while typing, and streams use bedrock-chunk", async () => {
    const page = await renderApp(admin, "/models/new");
    await page.user.click(await screen.findByText("Bedrock", { exact: true }));
    await page.user.click(screen.getByText("InvokeModel", { exact: true }));
    await page.user.click(screen.getByRole("button", { name: "Next" }));
    const id = await screen.findByRole("textbox", { name: "New model id" });
    expect(id).toHaveValue("");
    await page.user.type(id, "tgi-llama");
    expect(fieldError(page, "New model id")).toBe('"tgi-llama" is already taken by another model: choose another id.');
    await replaceText(page, "New model id", "my-titan");
    await page.user.type(screen.getByRole("textbox", { name: "Display name" }), "My Titan");
    await page.user.type(screen.getByRole("textbox", { name: "Bedrock model id" }), "amazon.titan-text-express-v1");
    await page.user.click(screen.getByRole("button", { name: "Configure and test" }));
    await screen.findByRole("heading", { name: "Create model: configure and test" });
    expect(formField(page, "Stream framing").getElement()).toHaveTextContent("Bedrock chunks");
    expect(screen.getByTestId("section-content-handler")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Model id" })).toHaveValue("my-titan");
    // And the new model is kept as a draft until it is created
    await waitFor(() => expect(readDraft("new")?.draft.id).toBe("my-titan"));
  });

  it("given Bedrock Converse, when configured, then no content handler or chat template, and the kwargs mapping is shown", async () => {
    const page = await renderApp(admin, "/models/new");
    await page.user.click(await screen.findByText("Bedrock", { exact: true }));
    await page.user.click(screen.getByText("Bedrock Converse (any model): Claude 3 Haiku"));
    await page.user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("textbox", { name: "Bedrock model id" })).toHaveValue("anthropic.claude-3-haiku-20240307-v1:0");
    await page.user.type(screen.getByRole("textbox", { name: "New model id" }), "my-converse");
    await page.user.type(screen.getByRole("textbox", { name: "Display name" }), "Mine");
    await page.user.click(screen.getByRole("button", { name: "Configure and test" }));
    await screen.findByTestId("section-converse-mapping");
    expect(screen.queryByTestId("section-content-handler")).not.toBeInTheDocument();
    expect(screen.queryByRole("textbox", { name: "Chat template (Jinja)" })).not.toBeInTheDocument();
    expect(screen.getByTestId("converse-target-max_tokens")).toHaveTextContent("inferenceConfig.maxTokens");
  });
});

describe("drafts across a reload", () => {
  it("given unsaved edits, when the model is opened again, then they come back with a banner that discards them", async () => {
    // Given an edit of the saved model
    const first = await openEditor(admin, "tgi-llama-cold");
    await replaceText(first, "Endpoint name", "llama3-tgi-draft");
    await waitFor(() => expect(readDraft("tgi-llama-cold")?.draft.provider).toMatchObject({ endpoint_name: "llama3-tgi-draft" }));
    expect(readDraft("tgi-llama-cold")?.baseVersion).toBe(3);
    first.unmount();
    // When the page is opened again (a reload)
    const again = await openEditor(admin, "tgi-llama-cold");
    // Then the edit is back, under the banner
    const banner = await screen.findByTestId("draft-restored");
    await waitFor(() => expect(screen.getByRole("textbox", { name: "Endpoint name" })).toHaveValue("llama3-tgi-draft"));
    // When discarded, Then the stored model is shown and the draft is gone
    await again.user.click(within(banner).getByRole("button", { name: "Discard changes" }));
    await waitFor(() => expect(screen.getByRole("textbox", { name: "Endpoint name" })).toHaveValue("llama3-tgi"));
    expect(readDraft("tgi-llama-cold")).toBeNull();
  });

  it("given unsaved edits, when the tab is reloaded or closed, then the browser is asked to confirm", async () => {
    const page = await openEditor(admin, "tgi-llama-cold");
    const unload = () => {
      const event = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(false);
    await replaceText(page, "Endpoint name", "llama3-tgi-draft");
    expect(unload()).toBe(true);
  });
});

describe("the test panel beside the editor", () => {
  const answer = (output: string) => ({
    output,
    usage: { input_tokens: 3, output_tokens: 2, estimated: true, input_estimated: true, output_estimated: false },
    latency_ms: 12,
    model_id: "tgi-llama-cold",
    request_id: "r",
    stop_reason: "eos_token",
    debug: { rendered_prompt: "p", request_body: {}, raw_response: [{ generated_text: output, details: { finish_reason: "eos_token" } }] },
  });

  it("given an edited draft, when compare runs, then one prompt goes to the saved version and to the draft, shown side by side", async () => {
    const page = await openEditor(
      {
        ...admin,
        routes: {
          "POST /invoke": (request) => json(200, answer((request.body as { override?: unknown }).override ? "draft says hi" : "saved says hi")),
        },
      },
      "tgi-llama-cold",
    );
    await replaceText(page, "Model kwargs (JSON)", '{"max_new_tokens": 256, "temperature": 0.9}');
    await page.user.click(screen.getByRole("tab", { name: "Compare" }));
    await page.user.type(screen.getByRole("textbox", { name: "Compare prompt" }), "Hello");
    await page.user.click(screen.getByRole("button", { name: "Run both" }));
    expect(await within(screen.getByTestId("compare-a")).findByText("saved says hi")).toBeInTheDocument();
    expect(within(screen.getByTestId("compare-b")).getByText("draft says hi")).toBeInTheDocument();
    expect(within(screen.getByTestId("compare-b")).getByTestId("compare-usage")).toHaveTextContent("3 (estimated) in / 2 out");
    const bodies = page.requests.filter((r) => r.path === "/invoke").map((r) => r.body);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { model_id: "tgi-llama-cold", prompt: "Hello" },
        { model_id: "tgi-llama-cold", override: { model_kwargs: { temperature: 0.9 } }, prompt: "Hello" },
      ]),
    );
  });

  it("given a debug answer, when an output path is tried and adopted, then the draft's output path changes", async () => {
    const page = await openEditor({ ...admin, routes: { "POST /invoke": () => json(200, answer("Paris")) } }, "tgi-llama-cold");
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital?");
    await page.user.click(screen.getByRole("checkbox", { name: "Include debug details" }));
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    await page.user.click(await screen.findByRole("button", { name: /Raw response/ }));
    await replaceText(page, "Try an output path on this raw response", "[0].details.finish_reason");
    await page.user.click(screen.getByRole("button", { name: "Try path" }));
    expect(screen.getByTestId("try-path-result")).toHaveTextContent("eos_token");
    await page.user.click(screen.getByRole("button", { name: "Use as output path" }));
    expect(screen.getByRole("textbox", { name: "Output path (JMESPath)" })).toHaveValue("[0].details.finish_reason");
  });

  it("given an answer, when Reply is pressed, then the conversation continues with the answer as the assistant's turn", async () => {
    const page = await openEditor({ ...admin, routes: { "POST /invoke": () => json(200, answer("Paris.")) } }, "tgi-llama-cold");
    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Capital of France?");
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    await page.user.click(await screen.findByRole("button", { name: "Reply (continue the conversation)" }));
    expect(screen.getByRole("textbox", { name: "Content of message 1" })).toHaveValue("Capital of France?");
    expect(screen.getByRole("textbox", { name: "Content of message 2" })).toHaveValue("Paris.");
    await page.user.type(screen.getByRole("textbox", { name: "Content of message 3" }), "And of Italy?");
    await page.user.click(screen.getByRole("button", { name: "Invoke" }));
    await waitFor(() => expect(page.requests.filter((r) => r.path === "/invoke")).toHaveLength(2));
    expect(bodyOf(page.requests, "POST", "/invoke")).toMatchObject({
      messages: [
        { role: "user", content: "Capital of France?" },
        { role: "assistant", content: "Paris." },
        { role: "user", content: "And of Italy?" },
      ],
    });
  });
});
