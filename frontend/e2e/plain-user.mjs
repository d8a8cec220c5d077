// Plain user (not an Administrator), after admin-console.mjs saved a model: lands on "Test a model", sees the saved
// model in the list and no privileged field; the Models table has no admin column or action; an admin URL says it is
// for administrators; invokes the saved model (streamed, through /api/invoke/stream) and never sends an override or a
// debug flag. axe-core on every page visited; the sign-in page and the user's page at 768 px and 1280 px.
import {
  NARROW,
  WIDE,
  expect,
  expectAccessibleNames,
  expectAxeClean,
  expectEqual,
  expectNoHorizontalScroll,
  runScenario,
  signIn,
} from "./harness.mjs";
import { INVOKE_PATH, STREAM_PATH, expectStreamedInvoke, watchInvokes } from "./invokes.mjs";
import { PRIVILEGED_TABLE_BUTTONS, expectNoPrivilegedControls } from "./privileged.mjs";
import { BASE_MODEL, PROMPTS, SAVED_MODEL } from "./scenario-data.mjs";

await runScenario("plain-user", async ({ config, data, result, newPage, step, screenshot }) => {
  const page = await newPage("user", NARROW);
  const invokes = await watchInvokes(page);
  const sentElsewhere = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith("/api/") || request.method() === "GET") return;
    if (url.pathname === INVOKE_PATH || url.pathname === STREAM_PATH) return;
    sentElsewhere.push({ method: request.method(), path: url.pathname, body: request.postData() });
  });
  const panel = page.getByTestId("test-panel");
  const select = page.getByTestId("llm-model-select");
  const hidden = { endpointName: BASE_MODEL.endpointName };

  await step("the sign-in page fits 768 px", async () => {
    await page.goto("/");
    await page.getByTestId("app-signedOut").waitFor();
    await expectNoHorizontalScroll(page, "sign-in page at 768 px");
  });

  await step("the user signs in and lands on the test page", async () => {
    await signIn(page, config.user);
    await page.waitForURL("**/test");
    await page.getByRole("heading", { name: "Test a model", level: 1 }).waitFor();
    await select.getByText(/Default/).waitFor();
    expectEqual(await page.getByText("(administrator)").count(), 0, "the header does not say administrator");
    await page.getByText("The model used for inference.").waitFor();
    for (const link of ["Audit log", "Create model"]) {
      expectEqual(await page.getByRole("link", { name: link, exact: true }).count(), 0, `no "${link}" link for a user`);
    }
    await expectAxeClean(page, "user test page (768 px)", result);
  });

  await step("the user's Models table shows what they may use, without admin columns or actions", async () => {
    await page.getByRole("link", { name: "Models", exact: true }).first().click();
    await page.waitForURL("**/models");
    const table = page.getByTestId("models-table");
    await table.getByText(SAVED_MODEL.name, { exact: true }).waitFor();
    for (const column of ["Version", "Updated by", "Updated at", "Cross-account", "Source"]) {
      expectEqual(await table.getByRole("columnheader", { name: column }).count(), 0, `no "${column}" column for a user`);
    }
    for (const name of PRIVILEGED_TABLE_BUTTONS) {
      expectEqual(await page.getByRole("button", { name, exact: true }).count(), 0, `no "${name}" button for a user`);
    }
    await expectNoPrivilegedControls(page, "user models page", hidden);
    await expectAxeClean(page, "user models page", result);
    await screenshot(page, "13-user-models.png", { fullPage: false });
    await page.goto(`/models/${SAVED_MODEL.id}/configuration`);
    await page.getByTestId("admin-only").waitFor();
    await expectNoPrivilegedControls(page, "an admin URL opened by a user", hidden);
    await expectAxeClean(page, "admin URL opened by a user", result);
    await page.goto("/test");
    await page.getByRole("heading", { name: "Test a model", level: 1 }).waitFor();
  });

  await step("the user's page has no privileged field", async () => {
    await expectNoPrivilegedControls(page, "user page", hidden);
    await select.getByRole("button").first().click();
    const options = page.getByRole("listbox").getByRole("option");
    await options.first().waitFor();
    const labels = await options.allTextContents();
    data.user_model_options = labels;
    expect(labels.some((label) => label.startsWith(SAVED_MODEL.name)), `the saved model is listed: ${labels}`);
    await expectNoPrivilegedControls(page, "user page with the model list open", hidden);
    await page.keyboard.press("Escape");
    await page.getByRole("listbox").waitFor({ state: "hidden" });
  });

  await step("the user's page fits 768 px and every control is labelled", async () => {
    await expectNoHorizontalScroll(page, "user page at 768 px");
    await expectAccessibleNames(page, "user page");
    await screenshot(page, "07-user-768.png");
  });

  await step("the user picks the saved model with the keyboard", async () => {
    await page.setViewportSize(WIDE);
    await select.getByRole("button").first().focus();
    await page.keyboard.press("Enter");
    await page.getByRole("listbox").getByRole("option").first().waitFor();
    await page.keyboard.type(SAVED_MODEL.name);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await select.getByText(SAVED_MODEL.name).waitFor();
    await page.getByRole("listbox").waitFor({ state: "hidden" });
    const tags = (await select.textContent()) ?? "";
    expect(tags.includes("SageMaker"), `the saved model is tagged with its provider: ${tags}`);
    expect(!tags.includes(BASE_MODEL.endpointName), `no endpoint name in the user's tags: ${tags}`);
  });

  await step("the user invokes the saved model through /api/invoke/stream and the streamed answer is shown", async () => {
    await panel.getByRole("textbox", { name: "Prompt", exact: true }).fill(PROMPTS.user);
    expect(await panel.getByLabel("Stream response").isChecked(), "streaming is on for a streaming model");
    await invokes.observeOutput();
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const result = panel.getByTestId("invoke-result");
    await result.getByTestId("invoke-latency").filter({ hasText: /^\d+ ms$/ }).waitFor();
    await result.getByText("Streamed", { exact: true }).waitFor();
    const output = (await result.getByTestId("invoke-output").textContent()) ?? "";
    const usage = (await result.getByTestId("invoke-usage").textContent()) ?? "";
    expect(output.trim().length > 0, "the output is shown");
    expect(/^\d+( \(estimated\))? in \/ \d+( \(estimated\))? out$/.test(usage), `the usage is shown: ${usage}`);
    await result.getByText(SAVED_MODEL.id, { exact: true }).waitFor();
    expectEqual(await result.getByTestId("invoke-raw-response").count(), 0, "no debug details for a user");
    const [streamed] = await invokes.settled(1);
    data.user_invoke = { output, usage, ...expectStreamedInvoke(streamed, invokes.shownTexts()) };
    await expectNoHorizontalScroll(page, "user page with a result at 1280 px");
    await screenshot(page, "02-user-model-select-and-test.png");
  });

  await step("the user's UI sent no privileged setting", async () => {
    const sent = invokes.all().map(({ path, body }) => ({ path, body }));
    expectEqual(sent.map(({ path }) => path), [STREAM_PATH], "one invoke, streamed");
    const [{ body }] = sent;
    expectEqual(Object.keys(body).sort(), ["model_id", "prompt"], "the invoke body holds only the model id and the prompt");
    expectEqual(body.model_id, SAVED_MODEL.id, "invoked model id");
    expectEqual(sentElsewhere, [], "no other API writes (validate, save, delete)");
    data.user_invokes = sent;
  });
});
