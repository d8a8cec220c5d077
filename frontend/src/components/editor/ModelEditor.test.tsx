import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { eventStream, json, type RecordedRequest } from "../../test/fakeApi";
import { ADMIN_ME, ADMIN_MODELS, DETAILS, SAVED_CONFIG, TGI_CONFIG } from "../../test/fixtures/models";
import { fieldError, formField, openEditor, replaceText } from "../../test/renderPage";

const admin = { me: ADMIN_ME, models: ADMIN_MODELS, details: DETAILS };
const textbox = (name: string) => screen.getByRole("textbox", { name });
const button = (name: string) => screen.getByRole("button", { name });
const bodyOf = (requests: RecordedRequest[], method: string, path: string) =>
  requests.filter((r) => r.method === method && r.path === path).at(-1)?.body;

describe("the model's configuration", () => {
  it("opening a model fills every field from it", async () => {
    // Given the TGI model, When its Configuration tab is opened
    await openEditor(admin, "tgi-llama");
    // Then its SageMaker fields, handler, prompt and kwargs are filled
    expect(textbox("Endpoint name")).toHaveValue("llama3-tgi");
    expect(screen.getByTestId("field-provider.endpoint_name")).toContainElement(textbox("Endpoint name"));
    expect(textbox("Region")).toHaveValue("us-east-1");
    expect(textbox("Content type")).toHaveValue("application/json");
    expect(textbox("Max input tokens")).toHaveValue("4096");
    expect(textbox("Output path (JMESPath)")).toHaveValue("[0].generated_text");
    expect(textbox("Chat template (Jinja)")).toHaveValue((TGI_CONFIG.prompt as { template: string }).template);
    expect(JSON.parse((textbox("Model kwargs (JSON)") as HTMLTextAreaElement).value)).toEqual({ max_new_tokens: 256, temperature: 0.2 });
    expect(JSON.parse((textbox("Stop sequences (JSON)") as HTMLTextAreaElement).value)).toEqual(["<|eot_id|>"]);
    expect(screen.getByTestId("override-preview")).toHaveTextContent("(no changes: the base model is used as is)");
    // And the live preview renders the chat template on the sample messages
    await waitFor(() => expect(screen.getByTestId("chat-template-preview")).toHaveTextContent("<|user|>And of Italy?"));
    // And the test panel sits beside the editor
    expect(screen.getByTestId("workbench-test")).toContainElement(screen.getByTestId("test-panel"));
  });
});

describe("merge-patch diff", () => {
  it("marks changed fields with the base value and invokes with the base id and the patch", async () => {
    const answer = { output: "ok", usage: { input_tokens: 1, output_tokens: 1, estimated: false }, latency_ms: 5, model_id: "tgi-llama", request_id: "r" };
    const page = await openEditor({ ...admin, routes: { "POST /invoke": () => json(200, answer) } }, "tgi-llama");
    // When the endpoint name and a kwarg are edited
    await replaceText(page, "Endpoint name", "llama3-tgi-v2");
    await replaceText(page, "Model kwargs (JSON)", '{"max_new_tokens": 256, "temperature": 0.9}');
    // Then the endpoint field says it changed and shows the base value
    const endpoint = formField(page, "Endpoint name");
    expect(endpoint.getElement()).toHaveTextContent("Changed");
    expect(endpoint.findConstraint()?.getElement()).toHaveTextContent("Base: llama3-tgi");
    expect(formField(page, "Region").getElement()).not.toHaveTextContent("Changed");
    // And the override is the merge patch
    expect(JSON.parse(screen.getByTestId("override-preview").textContent ?? "")).toEqual({
      provider: { endpoint_name: "llama3-tgi-v2" },
      model_kwargs: { temperature: 0.9 },
    });
    // When invoked
    await page.user.type(textbox("Prompt"), "Hi");
    await page.user.click(button("Invoke"));
    await screen.findByTestId("invoke-result");
    expect(bodyOf(page.requests, "POST", "/invoke")).toEqual({
      model_id: "tgi-llama",
      override: { provider: { endpoint_name: "llama3-tgi-v2" }, model_kwargs: { temperature: 0.9 } },
      prompt: "Hi",
    });
  });

  it("switching to Bedrock shows the Bedrock fields and patches the provider", async () => {
    const page = await openEditor(admin, "tgi-llama");
    const provider = page.wrapper.findSegmentedControl('[data-testid="section-provider"] *')
      ?? page.wrapper.findSegmentedControl();
    provider!.findSegments()[1]!.click();
    expect(await screen.findByRole("textbox", { name: "Bedrock model id" })).toHaveValue("");
    expect(screen.queryByRole("textbox", { name: "Endpoint name" })).not.toBeInTheDocument();
    await replaceText(page, "Bedrock model id", "amazon.nova-lite-v1:0");
    expect(JSON.parse(screen.getByTestId("override-preview").textContent ?? "")).toMatchObject({
      provider: { type: "bedrock", model_id: "amazon.nova-lite-v1:0", endpoint_name: null },
    });
  });
});

describe("validation as you type", () => {
  it("shows the schema error at the field and blocks sending until fixed", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await page.user.type(textbox("Prompt"), "Hi");
    expect(button("Invoke")).toBeEnabled();
    // When the endpoint name becomes invalid
    await replaceText(page, "Endpoint name", "bad_name!");
    // Then the error is at the field, and nothing can be sent
    expect(fieldError(page, "Endpoint name")).toContain("SageMaker endpoint name");
    expect(button("Invoke")).toBeDisabled();
    expect(button("Preview request")).toBeDisabled();
    expect(button("Save model")).toBeDisabled();
    expect(screen.getByTestId("validation-summary")).toHaveTextContent("Endpoint name");
    // When fixed, sending is possible again
    await replaceText(page, "Endpoint name", "good-name");
    expect(fieldError(page, "Endpoint name")).toBeNull();
    expect(button("Invoke")).toBeEnabled();
  });

  it("a JSON editor with invalid JSON shows the parse error and blocks sending", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await page.user.type(textbox("Prompt"), "Hi");
    await replaceText(page, "Model kwargs (JSON)", '{"temperature": ');
    expect(fieldError(page, "Model kwargs (JSON)")).toContain("Invalid JSON");
    expect(button("Invoke")).toBeDisabled();
    await replaceText(page, "Model kwargs (JSON)", '["not", "an object"]');
    expect(fieldError(page, "Model kwargs (JSON)")).toContain("Must be a JSON object");
    await replaceText(page, "Model kwargs (JSON)", '{"temperature": 1}');
    expect(fieldError(page, "Model kwargs (JSON)")).toBeNull();
    expect(button("Invoke")).toBeEnabled();
  });

  it("rejects endpoint kwargs outside the allow-list at that editor", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await replaceText(page, "Endpoint kwargs (JSON)", '{"EndpointName": "other"}');
    expect(fieldError(page, "Endpoint kwargs (JSON)")).toContain("'EndpointName' cannot be set through endpoint_kwargs");
  });

  it("checks JMESPath while typing: a broken output path is shown at its field and blocks Save and Invoke", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await page.user.type(textbox("Prompt"), "Hi");
    await replaceText(page, "Output path (JMESPath)", "[0.generated");
    expect(fieldError(page, "Output path (JMESPath)")).toMatch(/^not a valid JMESPath expression: /);
    expect(button("Invoke")).toBeDisabled();
    expect(button("Save model")).toBeDisabled();
    await replaceText(page, "Output path (JMESPath)", "[0].generated_text");
    expect(fieldError(page, "Output path (JMESPath)")).toBeNull();
    expect(button("Invoke")).toBeEnabled();
  });

  it("a Jinja syntax error in the chat template blocks Save", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await replaceText(page, "Chat template (Jinja)", "{% for m in messages %}{{ m.content }");
    expect(fieldError(page, "Chat template (Jinja)")).toMatch(/^Jinja syntax error: /);
    expect(button("Save model")).toBeDisabled();
    expect(screen.getByTestId("validation-summary")).toHaveTextContent("Chat template: Jinja syntax error");
  });

  it("hints at a request-template placeholder that names no variable, without blocking", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await replaceText(page, "Request template (JSON)", '{"inputs": "{{prompt}}", "parameters": {"seed": "{{seed}}"}}');
    const field = formField(page, "Request template (JSON)");
    expect(field.findWarning()?.getElement()).toHaveTextContent("{{seed}} is neither a built-in variable");
    expect(field.findError()).toBeNull();
    await page.user.type(textbox("Prompt"), "Hi");
    expect(button("Invoke")).toBeEnabled();
  });

  it("puts the API's 400 details at the matching field", async () => {
    const invalid = {
      error: "validation_error",
      message: "Invalid model config at model_kwargs.temperature: must be <= 1",
      details: [{ path: "model_kwargs.temperature", message: "must be <= 1", type: "less_than_equal" }],
    };
    const page = await openEditor({ ...admin, routes: { "POST /models/validate": () => json(400, invalid) } }, "tgi-llama");
    await replaceText(page, "Model kwargs (JSON)", '{"temperature": 3}');
    await page.user.type(textbox("Prompt"), "Hi");
    await page.user.click(button("Preview request"));
    await waitFor(() => expect(fieldError(page, "Model kwargs (JSON)")).toContain("must be <= 1"));
    expect(screen.getByTestId("error-alert")).toHaveTextContent("model_kwargs.temperature");
  });
});

describe("test panel for admins", () => {
  it("Preview request shows the rendered prompt and the exact request body", async () => {
    const preview = {
      config: TGI_CONFIG,
      rendered_prompt: "<|user|>Hi\n<|assistant|>",
      request: { operation: "sagemaker-runtime:InvokeEndpoint", params: { EndpointName: "llama3-tgi" }, body: { inputs: "<|user|>Hi\n<|assistant|>", parameters: { temperature: 0.2 } } },
      estimated_input_tokens: 7,
      streaming: false,
    };
    const page = await openEditor({ ...admin, routes: { "POST /models/validate": () => json(200, preview) } }, "tgi-llama");
    await page.user.type(textbox("Prompt"), "Hi");
    await page.user.click(button("Preview request"));
    const result = await screen.findByTestId("preview-result");
    expect(within(result).getByTestId("preview-rendered-prompt")).toHaveTextContent("<|user|>Hi <|assistant|>");
    expect(JSON.parse(within(result).getByTestId("preview-request-body").textContent ?? "")).toEqual(preview.request.body);
    expect(result).toHaveTextContent("sagemaker-runtime:InvokeEndpoint");
    expect(bodyOf(page.requests, "POST", "/models/validate")).toEqual({ model_id: "tgi-llama", prompt: "Hi" });
  });

  it("shows the raw response when debug is asked", async () => {
    const answer = {
      output: "ok",
      usage: { input_tokens: 1, output_tokens: 1, estimated: false },
      latency_ms: 5,
      model_id: "tgi-llama",
      request_id: "r",
      debug: { rendered_prompt: "<|user|>Hi", request_body: { inputs: "<|user|>Hi" }, raw_response: [{ generated_text: "ok" }] },
    };
    const page = await openEditor({ ...admin, routes: { "POST /invoke": () => json(200, answer) } }, "tgi-llama");
    await page.user.type(textbox("Prompt"), "Hi");
    await page.user.click(screen.getByRole("checkbox", { name: "Include debug details" }));
    await page.user.click(button("Invoke"));
    const debug = await screen.findByTestId("invoke-debug");
    await page.user.click(within(debug).getByRole("button", { name: /Raw response/ }));
    expect(JSON.parse(screen.getByTestId("invoke-raw-response").textContent ?? "")).toEqual([{ generated_text: "ok" }]);
    expect(bodyOf(page.requests, "POST", "/invoke")).toEqual({ model_id: "tgi-llama", prompt: "Hi", debug: true });
  });

  it("streams the text through /invoke/stream when the model streams", async () => {
    const page = await openEditor(
      {
        ...admin,
        routes: {
          "POST /invoke/stream": () =>
            eventStream([
              { event: "delta", data: { text: "Bonjour" } },
              { event: "delta", data: { text: " !" } },
              { event: "done", data: { usage: { input_tokens: 4, output_tokens: 2, estimated: false }, latency_ms: 33, model_id: "claude-haiku", request_id: "r9" } },
            ]),
        },
      },
      "claude-haiku",
    );
    await page.user.type(textbox("Prompt"), "Say hello in French");
    await page.user.click(button("Invoke"));
    await waitFor(() => expect(screen.getByTestId("invoke-output")).toHaveTextContent("Bonjour !"));
    expect(await screen.findByText("Streamed")).toBeInTheDocument();
    expect(bodyOf(page.requests, "POST", "/invoke/stream")).toEqual({ model_id: "claude-haiku", prompt: "Say hello in French" });
    expect(bodyOf(page.requests, "POST", "/invoke")).toBeUndefined();
  });

  it("puts the details of a 400 from /invoke/stream at the matching field", async () => {
    // Given a streaming base model whose edited kwargs the API refuses before the stream starts
    const invalid = {
      error: "validation_error",
      message: "Invalid model config at model_kwargs.temperature: must be <= 1",
      details: [{ path: "model_kwargs.temperature", message: "must be <= 1", type: "less_than_equal" }],
    };
    const page = await openEditor({ ...admin, routes: { "POST /invoke/stream": () => json(400, invalid) } }, "claude-haiku");
    await replaceText(page, "Model kwargs (JSON)", '{"temperature": 3}');
    await page.user.type(textbox("Prompt"), "Hi");
    // When invoked with streaming on
    await page.user.click(button("Invoke"));
    // Then the error is shown like a buffered invoke's: at the field, and in the alert with its path
    await waitFor(() => expect(fieldError(page, "Model kwargs (JSON)")).toContain("must be <= 1"));
    const alert = screen.getByTestId("error-alert");
    expect(alert).toHaveTextContent("Invalid request");
    expect(alert).toHaveTextContent("model_kwargs.temperature: must be <= 1");
    expect(screen.queryByTestId("invoke-result")).not.toBeInTheDocument();
  });
});

describe("save, conflict, delete, export and import", () => {
  it("saves a new model from a predefined base with version 0 and refreshes the list", async () => {
    const saved = { id: "tgi-llama-hot", version: 1, updated_at: "t", updated_by: "alice" };
    const stored = { source: "saved", version: 1, config: { ...TGI_CONFIG, id: "tgi-llama-hot" }, base_model_id: "tgi-llama" };
    const page = await openEditor(
      { ...admin, routes: { "PUT /models/tgi-llama-hot": () => json(200, saved), "GET /models/tgi-llama-hot": () => json(200, stored) } },
      "tgi-llama",
    );
    await replaceText(page, "Model id", "tgi-llama-hot");
    await page.user.click(button("Save model"));
    expect(await screen.findByText('Saved model "tgi-llama-hot" (version 1).')).toBeInTheDocument();
    const body = bodyOf(page.requests, "PUT", "/models/tgi-llama-hot") as { config: { id: string }; version: number; base_model_id: string };
    expect(body.version).toBe(0);
    expect(body.base_model_id).toBe("tgi-llama");
    expect(body.config.id).toBe("tgi-llama-hot");
    expect(page.requests.filter((r) => r.path === "/models")).toHaveLength(2);
    // And the new model's page opens, where the next save is an update of version 1
    await waitFor(() => expect(page.router.state.location.pathname).toBe("/models/tgi-llama-hot/configuration"));
    expect(await screen.findByRole("button", { name: "Update model" })).toBeInTheDocument();
  });

  it("refuses to save over a predefined model id", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await page.user.click(button("Save model"));
    await waitFor(() => expect(fieldError(page, "Model id")).toContain("predefined model"));
    expect(page.requests.some((r) => r.method === "PUT")).toBe(false);
  });

  it("on 409, merging applies my edits onto the latest version", async () => {
    let version = 3;
    const latest = { ...SAVED_CONFIG, name: "Renamed by Bob" };
    const page = await openEditor(
      {
        ...admin,
        routes: {
          "PUT /models/tgi-llama-cold": (request) =>
            (request.body as { version: number }).version === 4
              ? json(200, { id: "tgi-llama-cold", version: 5, updated_at: "t", updated_by: "alice" })
              : json(409, { error: "conflict", message: "stale version", current_version: 4 }),
          "GET /models/tgi-llama-cold": () =>
            json(200, { source: "saved", version: version, config: version === 3 ? SAVED_CONFIG : latest, base_model_id: "tgi-llama" }),
        },
      },
      "tgi-llama-cold",
    );
    version = 4;
    // Given my edit of the endpoint name on version 3
    await replaceText(page, "Endpoint name", "llama3-tgi-b");
    await page.user.click(button("Update model"));
    // When the API answers 409 and I merge
    const modal = await screen.findByTestId("conflict-modal");
    expect(modal).toHaveTextContent("now version 4");
    await page.user.click(within(modal).getByRole("button", { name: "Merge my changes" }));
    // Then the draft has their name and my endpoint, and saving targets version 4
    await waitFor(() => expect(textbox("Display name")).toHaveValue("Renamed by Bob"));
    expect(textbox("Endpoint name")).toHaveValue("llama3-tgi-b");
    await page.user.click(button("Update model"));
    expect(await screen.findByText('Saved model "tgi-llama-cold" (version 5).')).toBeInTheDocument();
    const body = bodyOf(page.requests, "PUT", "/models/tgi-llama-cold") as { version: number; config: { name: string } };
    expect(body.version).toBe(4);
    expect(body.config.name).toBe("Renamed by Bob");
  });

  it("deletes a saved model after confirmation, with the version read", async () => {
    const page = await openEditor(
      { ...admin, routes: { "DELETE /models/tgi-llama-cold": () => json(200, { id: "tgi-llama-cold", deleted: true }) } },
      "tgi-llama-cold",
    );
    await page.user.click(button("Delete model"));
    const modal = await screen.findByTestId("delete-modal");
    expect(modal).toHaveTextContent('Delete "tgi-llama-cold"?');
    expect(page.requests.some((r) => r.method === "DELETE")).toBe(false);
    await page.user.click(within(modal).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText('Deleted model "tgi-llama-cold".')).toBeInTheDocument();
    expect(page.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/models/tgi-llama-cold?version=3"]);
    await waitFor(() => expect(page.router.state.location.pathname).toBe("/models"));
  });

  it("exports the edited config as a JSON file and imports one", async () => {
    const page = await openEditor(admin, "tgi-llama");
    const created: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return "blob:x";
    });
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
    await page.user.click(button("Export JSON"));
    expect(click).toHaveBeenCalledTimes(1);
    expect(JSON.parse(await created[0]!.text())).toMatchObject({ id: "tgi-llama", provider: { endpoint_name: "llama3-tgi" } });

    const file = new File([JSON.stringify({ ...SAVED_CONFIG, id: "imported-one" })], "imported.json", { type: "application/json" });
    await page.user.upload(screen.getByLabelText("Import model config file"), file);
    await waitFor(() => expect(textbox("Model id")).toHaveValue("imported-one"));
    // And the imported file is an edit of this model: the patch from the model holds its differences
    expect(JSON.parse(screen.getByTestId("override-preview").textContent ?? "")).toMatchObject({ id: "imported-one", name: "Llama 3 cold" });
  });
});

describe("cross-account", () => {
  it("is shown disabled with the reason when the stage does not allow it", async () => {
    const me = { ...ADMIN_ME, stage: "prod", capabilities: { ...ADMIN_ME.capabilities, cross_account: false } };
    await openEditor({ ...admin, me }, "tgi-llama");
    expect(screen.getByTestId("cross-account-disabled-reason")).toHaveTextContent("not allowed on the prod stage");
    expect(screen.getByRole("textbox", { name: "Role ARN" })).toBeDisabled();
    expect(screen.getByRole("checkbox", { name: "Use a cross-account role" })).toBeDisabled();
  });

  it("when allowed, adds a role that the patch carries", async () => {
    const page = await openEditor(admin, "tgi-llama");
    await page.user.click(screen.getByRole("checkbox", { name: "Use a cross-account role" }));
    await replaceText(page, "Role ARN", "arn:aws:iam::123456789012:role/Invoker");
    expect(JSON.parse(screen.getByTestId("override-preview").textContent ?? "")).toEqual({
      cross_account: { role_arn: "arn:aws:iam::123456789012:role/Invoker", session_duration_s: 3600 },
    });
  });
});
