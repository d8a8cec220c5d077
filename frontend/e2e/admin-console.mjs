// Administrator, in the console: keyboard sign-in; the Models table; the create flow from each provider and API with
// the defaults that fit (one of them done with the keyboard only: create and test); a predefined model edited beside
// the test panel (preview, buffered and streamed invokes) and saved under a new id; compare mode (saved version vs
// draft); version history (diff as a merge patch, restore with confirmation); the model's activity; the audit log's
// filters; a deep-link reload with unsaved edits (the guard, the kept draft). axe-core on every page visited;
// screenshots at 1280 px and 768 px.
import {
  NARROW,
  WIDE,
  expect,
  expectAccessibleNames,
  expectAxeClean,
  expectEqual,
  expectNoHorizontalScroll,
  followNavigation,
  readCode,
  runScenario,
  signIn,
  writeCode,
} from "./harness.mjs";
import { INVOKE_PATH, STREAM_PATH, expectStreamedInvoke, watchInvokes } from "./invokes.mjs";
import { expectPrivilegedControls } from "./privileged.mjs";
import { BASE_MODEL, CREATE_CASES, KWARGS, PROMPTS, SAVED_MODEL, TEMPLATE_ADDITIONS } from "./scenario-data.mjs";

// "12 in / 30 out", each count followed by " (estimated)" when the engine estimated it.
const USAGE = /^(\d+)( \(estimated\))? in \/ (\d+)( \(estimated\))? out$/;

function parseUsage(text) {
  const match = USAGE.exec(text.trim());
  expect(match, `the token usage reads "N in / M out", got "${text}"`);
  return { input: Number(match[1]), output: Number(match[3]), inputEstimated: Boolean(match[2]), outputEstimated: Boolean(match[4]) };
}

function expectOutputTokensWithinLimit(usage) {
  expect(usage.output > 0 && usage.output <= KWARGS.max_new_tokens, `output tokens within max_new_tokens: ${usage.output}`);
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
  const stopReason = (await result.getByTestId("invoke-stop-reason").textContent()) ?? "";
  return { output, latency, usage, stop_reason: stopReason, delivery };
}

/** Presses Tab until the focused element matches `matches` (evaluated in the page), at most `max` times. */
async function tabTo(page, what, matches, max = 60) {
  for (let presses = 0; presses < max; presses += 1) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(matches)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

const focusedLabel = (label, tag = null) => `(() => { const el = document.activeElement; if (!el) return false;
  if (${JSON.stringify(tag)} && el.tagName !== ${JSON.stringify(tag)}) return false;
  const byAria = (el.getAttribute("aria-label") ?? "").startsWith(${JSON.stringify(label)});
  const byLabels = [...(el.labels ?? [])].some((l) => l.textContent.trim() === ${JSON.stringify(label)});
  const byledby = (el.getAttribute("aria-labelledby") ?? "").split(" ").some((id) => document.getElementById(id)?.textContent.trim() === ${JSON.stringify(label)});
  return byAria || byLabels || byledby || el.textContent.trim() === ${JSON.stringify(label)}; })()`;

/** The test panel is beside the editor: to its right, side by side, both on screen. */
async function expectBesideEachOther(page, where) {
  const editor = await page.locator(".ms-workbench-editor").boundingBox();
  const tester = await page.getByTestId("workbench-test").boundingBox();
  const viewport = page.viewportSize();
  expect(editor && tester, `${where}: the editor and the test panel are rendered`);
  expect(tester.x >= editor.x + editor.width - 1, `${where}: the test panel is right of the editor (${JSON.stringify({ editor, tester })})`);
  expect(tester.y < viewport.height && tester.y + 100 > 0, `${where}: the test panel is on screen (${JSON.stringify(tester)})`);
  return { editor, tester };
}

await runScenario("admin-console", async ({ config, data, result, newPage, step, screenshot }) => {
  const page = await newPage("admin", WIDE);
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.type());
    void dialog.accept();
  });
  const invokes = await watchInvokes(page);
  const validateBodies = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (request.method() === "POST" && url.pathname === "/api/models/validate") validateBodies.push(request.postDataJSON());
  });
  const workbench = page.getByTestId("workbench-test");
  const panel = page.getByTestId("test-panel");
  const axe = (where) => expectAxeClean(page, where, result);
  let shownPatch = null;
  let baseKwargs = null;
  let editStart = 0; // index of the edited model's first invoke in the page's invokes

  await step("the sign-in page is labelled, passes axe and fits 1280 px", async () => {
    await page.goto("/");
    await page.getByTestId("app-signedOut").waitFor();
    await page.getByRole("form", { name: "Sign in" }).waitFor();
    await expectAccessibleNames(page, "sign-in page");
    await expectNoHorizontalScroll(page, "sign-in page");
    await axe("sign-in page");
    await screenshot(page, "01-sign-in.png");
  });

  await step("the admin signs in with the keyboard only and lands on the Models table", async () => {
    await signIn(page, config.admin, { keyboard: true });
    await page.waitForURL("**/models");
    await page.getByRole("heading", { name: /^Models/, level: 1 }).waitFor();
    const table = page.getByTestId("models-table");
    await table.getByRole("link", { name: BASE_MODEL.name }).waitFor();
    for (const column of ["Name", "Id", "Provider", "API / format", "Streaming", "Version", "Updated by", "Updated at", "Cross-account"]) {
      expect((await table.getByRole("columnheader", { name: column }).count()) > 0, `the admin's table has a "${column}" column`);
    }
    const baseRow = table.getByRole("row").filter({ has: page.getByRole("link", { name: BASE_MODEL.name, exact: true }) });
    expectEqual(await baseRow.getByText(BASE_MODEL.format, { exact: true }).count(), 1, "the base model's row names its catalogue format");
    await page.getByRole("button", { name: "Create model" }).waitFor();
    await page.getByLabel("Filter models").fill("TGI");
    await page.keyboard.press("Enter");
    await table.getByRole("link", { name: "Claude 3 Haiku (Bedrock Converse)" }).waitFor({ state: "detached" });
    await table.getByRole("link", { name: BASE_MODEL.name }).waitFor();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await table.getByRole("link", { name: "Claude 3 Haiku (Bedrock Converse)" }).waitFor();
    await expectAccessibleNames(page, "models page");
    await axe("models page");
    await screenshot(page, "15-admin-models.png", { fullPage: false });
  });

  await step("the create flow offers every catalogue format and fits each provider and API's defaults", async () => {
    data.create_cases = [];
    for (const item of CREATE_CASES) {
      await page.goto("/models/new");
      await page.getByRole("heading", { name: "Start from", level: 1 }).waitFor();
      await page.getByText(item.provider, { exact: true }).click();
      await page.getByText(item.api, { exact: true }).click();
      const formats = page.getByRole("radiogroup", { name: "Container or model format" });
      for (const offered of item.formats_offered) await formats.getByText(offered, { exact: true }).waitFor();
      await formats.getByText(item.format, { exact: true }).click();
      if (item === CREATE_CASES[0]) {
        await axe("create flow, start");
        await screenshot(page, "09-create-start.png", { fullPage: false });
      }
      await page.getByRole("button", { name: "Next" }).click();
      const id = page.getByLabel("New model id");
      expectEqual(await id.inputValue(), "", "no predefined id is pre-filled");
      await id.fill(BASE_MODEL.id);
      await page.getByText(`"${BASE_MODEL.id}" is already taken by another model`).waitFor();
      await id.fill(item.id);
      await page.getByLabel("Display name").fill(item.name);
      const endpoint = page.getByLabel(item.endpoint_label, { exact: true });
      expectEqual(await endpoint.inputValue(), item.endpoint_prefill, `${item.format}: the ${item.endpoint_label} filled in`);
      if (item.endpoint) await endpoint.fill(item.endpoint);
      await page.getByRole("button", { name: "Configure and test" }).click();
      await page.getByRole("heading", { name: "Create model: configure and test", level: 1 }).waitFor();
      const seen = { format: item.format };
      seen.content_handler = (await page.getByTestId("section-content-handler").count()) > 0;
      seen.chat_template = (await page.getByTestId("chat-template-editor").count()) > 0;
      seen.converse_mapping = (await page.getByTestId("section-converse-mapping").count()) > 0;
      if (seen.content_handler) {
        seen.framing = ((await page.getByTestId("field-content_handler.stream.framing").textContent()) ?? "").replace("Stream framing", "");
        seen.output_path = await page.getByLabel("Output path (JMESPath)", { exact: true }).inputValue();
      }
      if (seen.converse_mapping) seen.max_tokens_target = await page.getByTestId("converse-target-max_tokens").textContent();
      expectEqual(seen, { format: item.format, ...item.expect }, `${item.format}: the sections and defaults shown`);
      if (item === CREATE_CASES[1]) {
        await axe("create flow, configure (Converse)");
        await screenshot(page, "10-create-converse.png", { fullPage: false });
      }
      data.create_cases.push(seen);
      await page.getByRole("button", { name: "Start over" }).click();
    }
  });

  await step("keyboard only: create a Bedrock Converse model, test it, and create it", async () => {
    const item = CREATE_CASES[1];
    await page.goto("/models/new");
    await page.getByRole("heading", { name: "Start from", level: 1 }).waitFor();
    await tabTo(page, "the start options", `document.activeElement?.type === "radio" && document.activeElement.value === "format"`);
    await tabTo(page, "the provider tiles", `document.activeElement?.type === "radio" && document.activeElement.value === "sagemaker"`);
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(`document.activeElement.value === "bedrock" && document.activeElement.checked`), "ArrowRight picks Bedrock");
    await tabTo(page, "the API tiles", `document.activeElement?.type === "radio" && document.activeElement.value === "converse"`);
    await tabTo(page, "the format (Blank is chosen)", `document.activeElement?.type === "radio" && document.activeElement.value === "blank"`);
    await page.keyboard.press("ArrowUp");
    expect(await page.evaluate(`document.activeElement.value === "bedrock-converse" && document.activeElement.checked`), "ArrowUp picks the catalogue's Converse format");
    await tabTo(page, "Next", focusedLabel("Next", "BUTTON"));
    await page.keyboard.press("Enter");
    await page.getByLabel("New model id").waitFor();
    await tabTo(page, "the id field", focusedLabel("New model id", "INPUT"));
    await page.keyboard.type(item.keyboard_id);
    await tabTo(page, "the name field", focusedLabel("Display name", "INPUT"));
    await page.keyboard.type(item.name);
    await tabTo(page, "Configure and test", focusedLabel("Configure and test", "BUTTON"));
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Create model: configure and test", level: 1 }).waitFor();
    await tabTo(page, "the prompt", focusedLabel("Prompt", "TEXTAREA"), 120);
    await page.keyboard.type(PROMPTS.keyboard);
    await tabTo(page, "Invoke", focusedLabel("Invoke", "BUTTON"));
    await page.keyboard.press("Enter");
    const answer = await readResult(workbench, "Streamed");
    expect(answer.output.trim().length > 0, "the Converse draft answered");
    expect(!answer.usage.inputEstimated && !answer.usage.outputEstimated, `Converse reports both token counts: ${JSON.stringify(answer.usage)}`);
    expect(answer.stop_reason !== "-", `a stop reason is shown: ${answer.stop_reason}`);
    await tabTo(page, "Create model", focusedLabel("Create model", "BUTTON"), 200);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/models/${item.keyboard_id}/configuration`);
    await page.getByText(`Saved model "${item.keyboard_id}" (version 1).`).waitFor();
    data.keyboard_create = { id: item.keyboard_id, answer };
  });

  await step("a predefined model opens with the editor beside the test panel", async () => {
    await page.goto(`/models/${BASE_MODEL.id}/configuration`);
    await page.getByTestId("predefined-notice").waitFor();
    await page.getByTestId("section-model-kwargs").waitFor();
    await page.waitForFunction(() => document.querySelectorAll(".ace_editor").length >= 4);
    expectEqual(await page.getByLabel("Endpoint name", { exact: true }).inputValue(), BASE_MODEL.endpointName, "endpoint name");
    baseKwargs = JSON.parse(await readCode(page, "Model kwargs (JSON)"));
    expect(baseKwargs.max_new_tokens > KWARGS.max_new_tokens, `the model's own kwargs are shown: ${JSON.stringify(baseKwargs)}`);
    await expectBesideEachOther(page, "configuration tab");
    await expectPrivilegedControls(page);
    await axe("model configuration tab");
  });

  await step("the admin renames the model and edits its kwargs and template; the test panel stays beside", async () => {
    await page.getByLabel("Model id", { exact: true }).fill(SAVED_MODEL.id);
    await page.getByLabel("Display name", { exact: true }).fill(SAVED_MODEL.name);
    await writeCode(page, "Model kwargs (JSON)", JSON.stringify(KWARGS, null, 2));
    const template = JSON.parse(await readCode(page, "Request template (JSON)"));
    template.parameters = { ...template.parameters, ...TEMPLATE_ADDITIONS };
    await writeCode(page, "Request template (JSON)", JSON.stringify(template, null, 2));
    for (const field of ["id", "name", "model_kwargs", "content_handler.request_template"]) {
      await page.getByTestId(`field-${field}`).getByText("Changed", { exact: true }).waitFor();
    }
    // The field just edited is scrolled into view, and the test panel is still on screen beside it.
    await page.getByTestId("section-model-kwargs").scrollIntoViewIfNeeded();
    data.beside = await expectBesideEachOther(page, "after scrolling to the model kwargs");
    await page.getByText("Changes from the base model (merge patch)").click();
    shownPatch = JSON.parse((await page.getByTestId("override-preview").textContent()) ?? "null");
    expectEqual(shownPatch.id, SAVED_MODEL.id, "the merge patch's id");
    const changedKwargs = Object.fromEntries(Object.entries(KWARGS).filter(([key, value]) => baseKwargs[key] !== value));
    expectEqual(shownPatch.model_kwargs, { ...changedKwargs, ...Object.fromEntries(Object.keys(baseKwargs).filter((k) => !(k in KWARGS)).map((k) => [k, null])) }, "the patch holds the changed kwargs");
    expectEqual(shownPatch.content_handler.request_template.parameters.seed, TEMPLATE_ADDITIONS.seed, "the patch's seed");
    expectEqual(await page.getByTestId("validation-summary").count(), 0, "the edited config is valid");
    await page.getByTestId("section-model").scrollIntoViewIfNeeded();
    await expectAccessibleNames(page, "edit beside test");
    await expectNoHorizontalScroll(page, "edit beside test at 1280 px");
    await screenshot(page, "03-admin-edit-beside-test.png", { fullPage: false });
  });

  await step("Preview request shows the rendered body with the changed kwargs and template keys", async () => {
    await panel.getByRole("textbox", { name: "Prompt", exact: true }).fill(PROMPTS.admin);
    await panel.getByRole("button", { name: "Preview request" }).click();
    const preview = panel.getByTestId("preview-result");
    await preview.waitFor();
    const body = JSON.parse((await preview.getByTestId("preview-request-body").textContent()) ?? "null");
    expectEqual(body.parameters.temperature, KWARGS.temperature, "previewed temperature");
    expectEqual(body.parameters.max_new_tokens, KWARGS.max_new_tokens, "previewed max_new_tokens");
    expectEqual(body.parameters.top_k, KWARGS.top_k, "previewed top_k");
    expectEqual(body.parameters.seed, TEMPLATE_ADDITIONS.seed, "previewed seed");
    const renderedPrompt = (await preview.getByTestId("preview-rendered-prompt").textContent()) ?? "";
    expect(renderedPrompt.startsWith("<s>[INST]"), `the chat template rendered the prompt: ${renderedPrompt}`);
    expectEqual(validateBodies.length, 1, "one /models/validate request");
    expectEqual(validateBodies[0].model_id, BASE_MODEL.id, "the preview's base model id");
    await screenshot(page, "04-admin-preview.png", { element: panel });
  });

  await step("a buffered invoke with debug shows usage, stop reason and the raw response; a path is tried on it", async () => {
    editStart = invokes.all().length;
    await panel.getByLabel("Stream response").setChecked(false);
    await panel.getByLabel("Include debug details").setChecked(true);
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const answer = await readResult(panel, "Buffered");
    expect(answer.output.trim().length > 0, "the output text is shown");
    expectOutputTokensWithinLimit(answer.usage);
    expect(!answer.usage.outputEstimated, `TGI reports its output tokens: ${JSON.stringify(answer.usage)}`);
    expect(answer.stop_reason !== "-", `the stop reason comes from the answer: ${answer.stop_reason}`);
    const buffered = (await invokes.settled(editStart + 1))[editStart];
    expectEqual([buffered.path, buffered.status], [INVOKE_PATH, 200], "the buffered invoke's path and status");
    await panel.getByRole("button", { name: /Raw response/ }).click();
    await panel.getByRole("button", { name: "Try path" }).click();
    const tried = (await panel.getByTestId("try-path-result").textContent()) ?? "";
    expectEqual(tried.replace(/^"|"$/g, ""), answer.output, "the output path tried on the raw response selects the output");
    data.buffered = answer;
    await panel.getByLabel("Include debug details").setChecked(false);
    await screenshot(page, "05-admin-invoke-result.png", { element: panel.getByTestId("invoke-result") });
  });

  await step("a streamed invoke goes to /api/invoke/stream and its text grows while the frames arrive", async () => {
    await panel.getByLabel("Stream response").setChecked(true);
    await invokes.observeOutput();
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const answer = await readResult(panel, "Streamed");
    const streamed = (await invokes.settled(editStart + 2))[editStart + 1];
    const shown = invokes.shownTexts();
    const network = expectStreamedInvoke(streamed, shown);
    expectEqual(shown.at(-1).text, answer.output, "the last streamed text is the final output");
    expectOutputTokensWithinLimit(answer.usage);
    data.streamed = { ...answer, ...network };
    await screenshot(page, "06-admin-streaming-result.png", { element: panel.getByTestId("invoke-result") });
    const sent = invokes.all().slice(editStart, editStart + 2).map(({ path, body }) => ({ path, body }));
    for (const { body } of sent) {
      expectEqual(body.stream, undefined, "the body does not say whether to stream");
      expectEqual(body.model_id, BASE_MODEL.id, "invoke model_id (the base)");
      expectEqual(body.override, shownPatch, "the invoke's override is the merge patch the editor shows");
    }
    data.invokes = sent.map(({ path, body }) => ({ path, body: { ...body, debug: undefined } }));
  });

  await step("Save model stores it under the new id and opens its page", async () => {
    await page.getByRole("button", { name: "Save model" }).click();
    await page.waitForURL(`**/models/${SAVED_MODEL.id}/configuration`);
    await page.getByText(`Saved model "${SAVED_MODEL.id}" (version 1).`).waitFor();
    await page.getByRole("button", { name: "Update model" }).waitFor();
  });

  await step("compare mode sends one prompt to the saved version and the draft, side by side", async () => {
    await page.waitForFunction(() => document.querySelectorAll(".ace_editor").length >= 4);
    await writeCode(page, "Model kwargs (JSON)", JSON.stringify({ ...KWARGS, temperature: 0.9 }, null, 2));
    await workbench.getByRole("tab", { name: "Compare" }).click();
    const compare = page.getByTestId("compare-panel");
    await compare.getByText("A: Saved version (v1)").waitFor();
    await compare.getByText("B: This draft").waitFor();
    await compare.getByLabel("Compare prompt").fill(PROMPTS.compare);
    await compare.getByRole("button", { name: "Run both" }).click();
    const sides = {};
    for (const side of ["a", "b"]) {
      const box = compare.getByTestId(`compare-${side}`);
      await box.getByTestId("compare-latency").waitFor();
      sides[side] = {
        output: (await box.getByTestId("compare-output").textContent()) ?? "",
        latency: (await box.getByTestId("compare-latency").textContent()) ?? "",
        usage: parseUsage((await box.getByTestId("compare-usage").textContent()) ?? ""),
      };
      expect(sides[side].output.trim().length > 0, `compare side ${side} answered`);
    }
    const boxA = await compare.getByTestId("compare-a").boundingBox();
    const boxB = await compare.getByTestId("compare-b").boundingBox();
    expect(boxB.x >= boxA.x + boxA.width - 1 && Math.abs(boxB.y - boxA.y) < 5, `the answers are side by side: ${JSON.stringify({ boxA, boxB })}`);
    const sent = invokes.all().filter((invoke) => invoke.body?.prompt === PROMPTS.compare);
    expectEqual(sent.length, 2, "two invokes for the comparison");
    const saved = sent.find((invoke) => !invoke.body.override);
    const draft = sent.find((invoke) => invoke.body.override);
    expectEqual(saved?.body.model_id, SAVED_MODEL.id, "A is the saved model, by id");
    expectEqual(draft?.body.override, { model_kwargs: { temperature: 0.9 } }, "B is the draft: the saved model plus the edit");
    data.compare = sides;
    await axe("compare mode");
    await screenshot(page, "14-admin-compare.png", { element: workbench });
    await workbench.getByRole("tab", { name: "Test" }).click();
  });

  await step("Update model saves version 2; Versions shows the diff as a merge patch", async () => {
    await page.getByRole("button", { name: "Update model" }).click();
    await page.getByText(`Saved model "${SAVED_MODEL.id}" (version 2).`).waitFor();
    await page.getByRole("tab", { name: "Versions" }).click();
    await page.waitForURL(`**/models/${SAVED_MODEL.id}/versions`);
    const table = page.getByTestId("versions-table");
    await table.getByText("2 (current)").waitFor();
    await page.getByTestId("version-diff").waitFor();
    const patch = JSON.parse((await page.getByTestId("version-diff").textContent()) ?? "null");
    expectEqual(patch, { model_kwargs: { temperature: 0.9 } }, "the merge patch from version 1 to version 2");
    data.version_diff = patch;
    await axe("versions tab");
    await screenshot(page, "11-versions-diff.png", { fullPage: false });
  });

  await step("restoring version 1 asks first, then saves it as version 3", async () => {
    await page.getByRole("button", { name: "Restore version 1" }).click();
    const modal = page.getByTestId("restore-modal");
    await modal.getByText("Restore version 1").first().waitFor();
    const restorePatch = JSON.parse((await modal.getByTestId("restore-diff").textContent()) ?? "null");
    expectEqual(restorePatch, { model_kwargs: { temperature: KWARGS.temperature } }, "the restore shows what changes from the current version");
    await modal.getByRole("button", { name: "Restore as version 3" }).click();
    await page.getByText(`Restored version 1 of "${SAVED_MODEL.id}" as version 3.`).waitFor();
    const table = page.getByTestId("versions-table");
    await table.getByText("3 (current)").waitFor();
    const row = table.getByRole("row").filter({ hasText: "3 (current)" });
    await row.getByText("Version 1", { exact: true }).waitFor();
    const diff = JSON.parse((await page.getByTestId("version-diff").textContent()) ?? "null");
    expectEqual(diff, { model_kwargs: { temperature: KWARGS.temperature } }, "version 2 -> 3 undoes the temperature change");
  });

  await step("Activity lists the model's saves and the restore", async () => {
    await page.getByRole("tab", { name: "Activity" }).click();
    await page.waitForURL(`**/models/${SAVED_MODEL.id}/activity`);
    const table = page.getByTestId("activity-table");
    await table.getByRole("cell", { name: "restore", exact: true }).first().waitFor();
    const actions = await table.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(actions.includes("save") && actions.includes("restore"), `saves and the restore are listed: ${actions}`);
    data.activity_actions = actions;
    await axe("activity tab");
  });

  await step("the audit log filters by model and action, keeps the filters in the URL, and by date", async () => {
    await followNavigation(page, "Audit log");
    await page.waitForURL("**/audit");
    await page.getByRole("heading", { name: /Audit log/, level: 1 }).waitFor();
    await page.getByTestId("audit-table").locator("tbody tr").first().waitFor();
    const field = (label) => page.getByLabel(label, { exact: true });
    await field("Model").click();
    await page.getByRole("option", { name: new RegExp(`^${SAVED_MODEL.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) }).click();
    await field("Action").click();
    await page.getByRole("option", { name: "restore", exact: true }).click();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(`**/audit?model_id=${SAVED_MODEL.id}&action=restore`);
    const rows = page.getByTestId("audit-table").locator("tbody tr");
    // The unfiltered listing's newest record is the restore too: wait for the filtered answer, not the first row.
    await page.waitForFunction(() => {
      const actions = [...document.querySelectorAll('[data-testid="audit-table"] tbody tr td:nth-child(3)')];
      return actions.length > 0 && actions.every((cell) => cell.textContent === "restore");
    });
    const filtered = await rows.locator("td:nth-child(3)").allTextContents();
    expect(filtered.length >= 1 && filtered.every((action) => action === "restore"), `only restores are listed: ${filtered}`);
    await axe("audit log");
    await screenshot(page, "12-audit-log.png", { fullPage: false });
    await page.reload();
    await rows.first().getByText("restore", { exact: true }).waitFor();
    expectEqual(await page.getByLabel("User", { exact: true }).inputValue(), "", "no user filter");
    await page.goto(`/audit?model_id=${SAVED_MODEL.id}&until=2000-01-01`);
    await page.getByText("No audit record matches.").waitFor();
    data.audit = { filtered: filtered.length };
  });

  await step("a deep link reloaded with unsaved edits: the browser asks, the edits come back, leaving asks first", async () => {
    await page.goto(`/models/${SAVED_MODEL.id}/configuration`);
    const name = page.getByLabel("Display name", { exact: true });
    await name.waitFor();
    await name.fill(`${SAVED_MODEL.name} (draft)`);
    await page.getByTestId("field-name").getByText("Changed", { exact: true }).waitFor();
    await page.reload();
    expect(dialogs.includes("beforeunload"), `reloading with unsaved edits triggered the browser's prompt: ${dialogs}`);
    await page.getByTestId("draft-restored").waitFor();
    expectEqual(await page.getByLabel("Display name", { exact: true }).inputValue(), `${SAVED_MODEL.name} (draft)`, "the edit survived the reload");
    await axe("configuration with a restored draft");
    await followNavigation(page, "Audit log");
    const guard = page.getByTestId("unsaved-changes-modal");
    await guard.getByText("Leave this page?").waitFor();
    await guard.getByRole("button", { name: "Stay on this page" }).click();
    expect(page.url().endsWith(`/models/${SAVED_MODEL.id}/configuration`), `still on the model: ${page.url()}`);
    await page.getByTestId("draft-restored").getByRole("button", { name: "Discard changes" }).click();
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid="field-name"] input')?.value === expected,
      SAVED_MODEL.name,
    );
    await followNavigation(page, "Audit log");
    await page.waitForURL("**/audit");
    data.dialogs = dialogs;
  });

  await step("the editor works at 768 px wide", async () => {
    await page.setViewportSize(NARROW);
    await page.goto(`/models/${SAVED_MODEL.id}/configuration`);
    await page.getByTestId("section-model").waitFor();
    await expectNoHorizontalScroll(page, "editor at 768 px");
    await axe("editor at 768 px");
    await screenshot(page, "08-admin-editor-768.png", { fullPage: false });
    await page.setViewportSize(WIDE);
  });
});
