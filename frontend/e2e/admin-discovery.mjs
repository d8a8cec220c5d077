// Administrator: finds a deployed model instead of typing it. Opens Custom, lists the region's SageMaker endpoints
// (each with the format discovery detected from its container), probes one, and invokes the config the editor was
// filled with, without typing an endpoint name or a request template. Then lists the Bedrock models.
import { WIDE, expect, expectAccessibleNames, expectEqual, expectNoHorizontalScroll, runScenario, signIn } from "./harness.mjs";
import { DISCOVERY } from "./scenario-data.mjs";

await runScenario("admin-discovery", async ({ config, data, newPage, step, screenshot }) => {
  const page = await newPage("admin", WIDE);
  const sent = { discovery: [], probes: [], invokes: [] };
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/api/discovery/") && request.method() === "GET") sent.discovery.push(url.pathname + url.search);
    if (url.pathname === "/api/discovery/probe") sent.probes.push(request.postDataJSON());
    if (url.pathname === "/api/invoke" || url.pathname === "/api/invoke/stream") {
      sent.invokes.push({ path: url.pathname, body: request.postDataJSON() });
    }
  });
  const section = page.getByTestId("section-discovery");
  const table = section.getByTestId("discovery-table");
  const panel = page.getByTestId("test-panel");

  await step("the admin signs in and opens Custom", async () => {
    await signIn(page, config.admin);
    const select = page.getByTestId("llm-model-select");
    await select.getByText(/Default/).waitFor();
    await select.getByRole("button").first().click();
    await page.getByRole("option", { name: /^Custom…/ }).click();
    await page.getByTestId("section-model").waitFor();
  });

  await step("listing a region's endpoints shows each one's detected format", async () => {
    await section.getByRole("button", { name: /Find a deployed model/ }).click();
    const region = section.getByRole("combobox", { name: "Region to search" });
    await region.fill(DISCOVERY.region);
    await page.keyboard.press("Escape");
    await section.getByRole("button", { name: "List endpoints" }).click();
    await table.getByRole("row").nth(DISCOVERY.endpoint_rows).waitFor();
    const rows = await table.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td")).slice(1).map((cell) => cell.textContent?.trim() ?? "")),
    );
    data.endpoint_rows = rows.map(([name, status, instance, format, confidence]) => ({ name, status, instance, format, confidence }));
    expectEqual(rows.length, DISCOVERY.endpoint_rows, "one row per endpoint or inference component");
    await expectAccessibleNames(page, "discovery table");
    await expectNoHorizontalScroll(page, "discovery table at 1280 px");
  });

  await step("probing the chosen endpoint fills the editor with a working adapter", async () => {
    await table.getByRole("radio", { name: `Select ${DISCOVERY.endpoint}` }).check();
    await section.getByRole("button", { name: "Probe and use" }).click();
    await section.getByTestId("discovery-used").waitFor();
    data.probe_summary = ((await section.getByTestId("probe-summary").textContent()) ?? "").trim();
    expectEqual(
      await page.getByLabel("Endpoint name", { exact: true }).inputValue(),
      DISCOVERY.endpoint,
      "the endpoint name came from discovery",
    );
    data.model_id = await page.getByLabel("Model id", { exact: true }).inputValue();
    data.output_path = await page.getByLabel("Output path (JMESPath)", { exact: true }).inputValue();
    const template = JSON.parse(await page.getByLabel("Request template (JSON)", { exact: true }).inputValue());
    expect(template.inputs === "{{prompt}}", `the adapter's request template was filled: ${JSON.stringify(template)}`);
    await screenshot(page, "09-admin-discovery.png", { element: section });
  });

  await step("the filled config answers a streamed test invoke", async () => {
    await panel.getByRole("textbox", { name: "Prompt", exact: true }).fill(DISCOVERY.prompt);
    await panel.getByRole("button", { name: "Invoke", exact: true }).click();
    const result = panel.getByTestId("invoke-result");
    await result.getByText("Streamed", { exact: true }).waitFor();
    await result.getByText("Generating…").waitFor({ state: "detached" });
    data.output = (await result.getByTestId("invoke-output").textContent()) ?? "";
    expect(data.output.startsWith(`Echo: ${DISCOVERY.prompt}`), `the endpoint answered the prompt: ${data.output}`);
  });

  await step("Bedrock models are listed with their kind and adapter; non-text models cannot be chosen", async () => {
    await section.getByText("Bedrock models", { exact: true }).click();
    await section.getByRole("button", { name: "List models" }).click();
    await table.getByRole("row", { name: new RegExp(DISCOVERY.bedrock_profile) }).waitFor();
    const rows = await table.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td")).slice(1).map((cell) => cell.textContent?.trim() ?? "")),
    );
    data.bedrock_rows = rows.map(([name, kind, provider, format]) => ({ name, kind, provider, format }));
    const embeddings = table.getByRole("radio", { name: `Select ${DISCOVERY.bedrock_not_text}` });
    expect(await embeddings.isDisabled(), "a model that does not generate text cannot be chosen");
  });

  data.sent = sent;
});
