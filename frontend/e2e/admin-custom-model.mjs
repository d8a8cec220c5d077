// Administrator: signs in (keyboard), picks Custom (keyboard), chooses a base model, changes model kwargs and the
// request template, previews, invokes buffered and streamed, saves, and finds the saved model in the list.
// Checks what the user sees and what the UI sent; screenshots the main screens at 1280 px and 768 px.
import {
  NARROW,
  WIDE,
  expect,
  expectAccessibleNames,
  expectEqual,
  expectNoHorizontalScroll,
  runScenario,
  signIn,
} from "./harness.mjs";
import { INVOKE_PATH, STREAM_PATH, expectStreamedInvoke, watchInvokes } from "./invokes.mjs";
import { expectPrivilegedControls } from "./privileged.mjs";
import { BASE_MODEL, KWARGS, SAVED_MODEL, TEMPLATE_ADDITIONS, PROMPTS } from "./scenario-data.mjs";

const USAGE = /^(\d+) in \/ (\d+) out( \(estimated\))?$/;

/** A regular expression matching text that starts with `prefix` (taken literally). */
function startsWith(prefix) {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
}

/** The model answered within the edited max_new_tokens: proof that the changed kwarg reached it. */
function expectOutputTokensWithinLimit(usage) {
  expect(usage.output > 0 && usage.output <= KWARGS.max_new_tokens, `output tokens within max_new_tokens: ${usage.output}`);
}

function parseUsage(text) {
  const match = USAGE.exec(text.trim());
  expect(match, `the token usage reads "N in / M out", got "${text}"`);
  return { input: Number(match[1]), output: Number(match[2]), estimated: Boolean(match[3]) };
}

/** Waits until a finished result delivered as `delivery` ("Buffered" or "Streamed") is shown, and reads it. */
async function readResult(panel, delivery) {
  const result = panel.getByTestId("invoke-result");
  await result.getByText(delivery, { exact: true }).waitFor();
  await result.getByTestId("invoke-latency").filter({ hasText: /^\d+ ms$/ }).waitFor();
  await result.getByText("Generating…").waitFor({ state: "detached" });
  const output = (await result.getByTestId("invoke-output").textContent()) ?? "";
  const latency = Number(((await result.getByTestId("invoke-latency").textContent()) ?? "").replace(" ms", ""));
  const usage = parseUsage((await result.getByTestId("invoke-usage").textContent()) ?? "");
  const shown = (await result.getByText(/^(Streamed|Buffered)$/).textContent()) ?? "";
  return { output, latency, usage, delivery: shown };
}

await runScenario("admin-custom-model", async ({ config, data, newPage, step, screenshot }) => {
  const page = await newPage("admin", WIDE);
  const invokes = await watchInvokes(page);
  const validateBodies = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (request.method() === "POST" && url.pathname === "/api/models/validate") validateBodies.push(request.postDataJSON());
  });
  const panel = page.getByTestId("test-panel");
  let shownPatch = null;
  let baseKwargs = null;

  await step("the sign-in page is labelled and fits 1280 px", async () => {
    await page.goto("/");
    await page.getByTestId("app-signedOut").waitFor();
    await page.getByRole("form", { name: "Sign in" }).waitFor();
    await page.getByLabel("Username").waitFor();
    await page.getByLabel("Password").waitFor();
    await expectAccessibleNames(page, "sign-in page");
    await expectNoHorizontalScroll(page, "sign-in page");
    await screenshot(page, "01-sign-in.png");
  });

  await step("the admin signs in with the keyboard only", async () => {
    await signIn(page, config.admin, { keyboard: true });
    await page.getByText(`signed in as ${config.admin.username} (administrator)`).waitFor();
  });

  await step("the admin picks Custom on the LLM model select with the keyboard", async () => {
    const select = page.getByTestId("llm-model-select");
    await select.getByText(/Default/).waitFor();
    let focused = false;
    for (let presses = 0; presses < 8 && !focused; presses += 1) {
      await page.keyboard.press("Tab");
      focused = await select.evaluate((element) => element.contains(document.activeElement));
    }
    expect(focused, "Tab reaches the LLM model select");
    await page.keyboard.press("Enter");
    const options = page.getByRole("listbox").getByRole("option");
    await options.first().waitFor();
    const labels = await options.allTextContents();
    expect(labels.some((label) => label.startsWith("Custom…")), `the admin's list offers Custom…: ${labels}`);
    await page.keyboard.type("Custom");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.getByTestId("section-model").waitFor();
    await select.getByText("Custom…").waitFor();
  });

  await step("choosing a base model fills the editor from it", async () => {
    const base = page.getByTestId("base-model-select");
    await base.getByRole("button").first().click();
    await page.getByRole("option", { name: startsWith(BASE_MODEL.name) }).click();
    await base.getByText(BASE_MODEL.name).waitFor();
    const endpoint = page.getByLabel("Endpoint name", { exact: true });
    await page.waitForFunction(
      ([selector, expected]) => document.querySelector(selector)?.value === expected,
      ['[data-testid="field-provider.endpoint_name"] input', BASE_MODEL.endpointName],
    );
    expectEqual(await endpoint.inputValue(), BASE_MODEL.endpointName, "endpoint name filled from the base");
    const modelId = await page.getByLabel("Model id", { exact: true }).inputValue();
    expectEqual(modelId, BASE_MODEL.id, "model id from the base");
    const kwargs = JSON.parse(await page.getByLabel("Model kwargs (JSON)", { exact: true }).inputValue());
    expect(kwargs.max_new_tokens > KWARGS.max_new_tokens, `the base's own kwargs are shown: ${JSON.stringify(kwargs)}`);
    baseKwargs = kwargs;
    await expectPrivilegedControls(page);
  });

  await step("the admin renames the model and changes its kwargs and request template", async () => {
    await page.getByLabel("Model id", { exact: true }).fill(SAVED_MODEL.id);
    await page.getByLabel("Display name", { exact: true }).fill(SAVED_MODEL.name);
    await page.getByLabel("Model kwargs (JSON)", { exact: true }).fill(JSON.stringify(KWARGS, null, 2));
    const templateEditor = page.getByLabel("Request template (JSON)", { exact: true });
    const template = JSON.parse(await templateEditor.inputValue());
    template.parameters = { ...template.parameters, ...TEMPLATE_ADDITIONS };
    await templateEditor.fill(JSON.stringify(template, null, 2));
    for (const field of ["id", "name", "model_kwargs", "content_handler.request_template"]) {
      await page.getByTestId(`field-${field}`).getByText("Changed", { exact: true }).waitFor();
    }
    await page.getByText("Changes from the base model (merge patch)").click();
    const patch = JSON.parse((await page.getByTestId("override-preview").textContent()) ?? "null");
    shownPatch = patch;
    expectEqual(patch.id, SAVED_MODEL.id, "the merge patch's id");
    const changedKwargs = Object.fromEntries(Object.entries(KWARGS).filter(([key, value]) => baseKwargs[key] !== value));
    expect(Object.keys(changedKwargs).length >= 2, "the scenario changes at least two kwargs of the base");
    expectEqual(patch.model_kwargs, changedKwargs, "the merge patch holds exactly the changed kwargs");
    expectEqual(patch.content_handler.request_template.parameters.seed, TEMPLATE_ADDITIONS.seed, "the patch's seed");
    expect((await page.getByTestId("validation-summary").count()) === 0, "the edited config is valid");
    await expectAccessibleNames(page, "custom editor");
    await expectNoHorizontalScroll(page, "custom editor at 1280 px");
    await screenshot(page, "03-admin-custom-editor.png");
  });

  await step("Preview request shows the rendered body with the changed kwargs and template keys", async () => {
    await panel.getByRole("textbox", { name: "Prompt", exact: true }).fill(PROMPTS.admin);
    await panel.getByRole("button", { name: "Preview request" }).click();
    const preview = panel.getByTestId("preview-result");
    await preview.waitFor();
    const body = JSON.parse((await preview.getByTestId("preview-request-body").textContent()) ?? "null");
    expectEqual(body.parameters.temperature, KWARGS.temperature, "previewed temperature");
    expectEqual(body.parameters.max_new_tokens, KWARGS.max_new_tokens, "previewed max_new_tokens");
    expectEqual(body.parameters.top_k, KWARGS.top_k, "previewed top_k (a new kwarg placed by the template)");
    expectEqual(body.parameters.seed, TEMPLATE_ADDITIONS.seed, "previewed seed (a new template key)");
    expect(body.inputs.includes(PROMPTS.admin), `the rendered prompt holds the user's prompt: ${body.inputs}`);
    const renderedPrompt = (await preview.getByTestId("preview-rendered-prompt").textContent()) ?? "";
    expect(renderedPrompt.startsWith("<s>[INST]"), `the base's chat template rendered the prompt: ${renderedPrompt}`);
    await preview.getByText("sagemaker-runtime:InvokeEndpoint", { exact: true }).waitFor();
    expectEqual(validateBodies.length, 1, "one /models/validate request");
    expectEqual(validateBodies[0].model_id, BASE_MODEL.id, "the preview's base model id");
    expectEqual(validateBodies[0].override?.model_kwargs?.top_k, KWARGS.top_k, "the preview's override");
    await screenshot(page, "04-admin-preview.png", { element: panel });
  });

  await step("a buffered invoke goes to /api/invoke and shows the output, latency and token usage", async () => {
    const streamToggle = panel.getByLabel("Stream response");
    await streamToggle.setChecked(false);
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const result = await readResult(panel, "Buffered");
    expect(result.output.trim().length > 0, "the output text is shown");
    expect(result.latency >= 0, "the latency is shown");
    expectOutputTokensWithinLimit(result.usage);
    expect(result.usage.input > 0, "input tokens are shown");
    expectEqual(result.delivery, "Buffered", "delivery");
    const [buffered] = await invokes.settled(1);
    expectEqual(
      [buffered.path, buffered.status, buffered.contentType, buffered.failure],
      [INVOKE_PATH, 200, "application/json", null],
      "the buffered invoke's path, status, content type and failure",
    );
    data.buffered = result;
    await screenshot(page, "05-admin-invoke-result.png", { element: panel.getByTestId("invoke-result") });
  });

  await step("a streamed invoke goes to /api/invoke/stream and its text grows while the frames arrive", async () => {
    await panel.getByLabel("Stream response").setChecked(true);
    await invokes.observeOutput();
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const result = await readResult(panel, "Streamed");
    const [, streamed] = await invokes.settled(2);
    const shown = invokes.shownTexts();
    const network = expectStreamedInvoke(streamed, shown);
    expectEqual(shown.at(-1).text, result.output, "the last streamed text is the final output");
    expectEqual(result.delivery, "Streamed", "delivery");
    expectOutputTokensWithinLimit(result.usage);
    data.streamed = { ...result, ...network };
    await screenshot(page, "06-admin-streaming-result.png", { element: panel.getByTestId("invoke-result") });
  });

  await step("the invokes sent the override the editor shows, and never asked /api/invoke to stream", async () => {
    const sent = invokes.all().map(({ path, body }) => ({ path, body }));
    expectEqual(sent.map(({ path }) => path), [INVOKE_PATH, STREAM_PATH], "one buffered, then one streamed invoke");
    for (const { body } of sent) {
      expectEqual(body.stream, undefined, "the body does not say whether to stream (the route does)");
      expectEqual(body.model_id, BASE_MODEL.id, "invoke model_id (the base)");
      expectEqual(body.prompt, PROMPTS.admin, "invoke prompt");
      expectEqual(body.override, shownPatch, "the invoke's override is the merge patch the editor shows");
    }
    data.invokes = sent;
  });

  await step("Save model stores it and it appears in the LLM model list", async () => {
    await page.getByRole("button", { name: "Save model" }).click();
    await page.getByText(`Saved model "${SAVED_MODEL.id}" (version 1).`).waitFor();
    await page.getByRole("button", { name: "Update model" }).waitFor();
    const select = page.getByTestId("llm-model-select");
    await select.getByRole("button").first().click();
    await page.getByRole("listbox").getByRole("option", { name: startsWith(SAVED_MODEL.name) }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("listbox").waitFor({ state: "hidden" });
  });

  await step("the editor works at 768 px wide", async () => {
    await page.setViewportSize(NARROW);
    await page.getByTestId("section-model").waitFor();
    await expectNoHorizontalScroll(page, "custom editor at 768 px");
    await screenshot(page, "08-admin-editor-768.png", { fullPage: false });
    await page.setViewportSize(WIDE);
  });
});
