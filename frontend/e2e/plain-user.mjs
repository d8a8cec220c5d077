// Plain user (not an Administrator), after admin-custom-model.mjs saved a model: sees it in the model list, sees no
// Custom option and no privileged field, invokes it (streamed, through /api/invoke/stream) and never sends an
// override or a debug flag.
// Checks the sign-in page and the user's page at 768 px and 1280 px.
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
import { expectNoPrivilegedControls } from "./privileged.mjs";
import { BASE_MODEL, PROMPTS, SAVED_MODEL } from "./scenario-data.mjs";

await runScenario("plain-user", async ({ config, data, newPage, step, screenshot }) => {
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

  await step("the user signs in and sees a plain user's page", async () => {
    await signIn(page, config.user);
    await select.getByText(/Default/).waitFor();
    expectEqual(await page.getByText("(administrator)").count(), 0, "the header does not say administrator");
    await page.getByText("The model used for inference.").waitFor();
  });

  await step("the user's page has no Custom option and no privileged field", async () => {
    await expectNoPrivilegedControls(page, "user page", hidden);
    await select.getByRole("button").first().click();
    const options = page.getByRole("listbox").getByRole("option");
    await options.first().waitFor();
    const labels = await options.allTextContents();
    data.user_model_options = labels;
    expect(!labels.some((label) => label.includes("Custom")), `no Custom option for a plain user: ${labels}`);
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
    expect(/^\d+ in \/ \d+ out/.test(usage), `the usage is shown: ${usage}`);
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
