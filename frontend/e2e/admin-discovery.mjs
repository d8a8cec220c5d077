// Administrator: finds a deployed model instead of typing it. Opens Create, starts with "Find a deployed model", lists
// the region's SageMaker endpoints (each with the format discovery detected from its container), probes one, goes on
// to configure and test the config it found, and invokes it, without typing an endpoint name or a request template.
// Then lists the Bedrock models.
import {
  WIDE,
  expect,
  expectAccessibleNames,
  expectAxeClean,
  expectEqual,
  expectNoHorizontalScroll,
  readCode,
  runScenario,
  signIn,
} from "./harness.mjs";
import { DISCOVERY } from "./scenario-data.mjs";

await runScenario("admin-discovery", async ({ config, data, result, newPage, step, screenshot }) => {
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

  const startWithDiscovery = async () => {
    await page.getByRole("heading", { name: "Start from", level: 1 }).waitFor();
    // The radio, not the section's heading of the same name (shown again after "Start over", the choice kept)
    await page.getByRole("radiogroup", { name: "Start from" }).getByText("Find a deployed model", { exact: true }).click();
    await section.waitFor();
  };

  await step("the admin signs in and creates a model by finding a deployed one", async () => {
    await signIn(page, config.admin);
    await page.getByRole("button", { name: "Create model" }).click();
    await startWithDiscovery();
  });

  await step("listing a region's endpoints shows each one's detected format", async () => {
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
    await expectAxeClean(page, "create: find a deployed model", result);
  });

  await step("probing the chosen endpoint starts the model from a working adapter", async () => {
    await table.getByRole("radio", { name: `Select ${DISCOVERY.endpoint}` }).check();
    await section.getByRole("button", { name: "Probe and use" }).click();
    await section.getByTestId("discovery-used").waitFor();
    data.probe_summary = ((await section.getByTestId("probe-summary").textContent()) ?? "").trim();
    await screenshot(page, "16-create-discovery.png", { fullPage: false });
    await page.getByRole("button", { name: "Next", exact: true }).click();
    expectEqual(await page.getByLabel("New model id", { exact: true }).inputValue(), DISCOVERY.endpoint, "the id came from discovery");
    await page.getByRole("button", { name: "Configure and test" }).click();
    await page.getByRole("heading", { name: "Create model: configure and test", level: 1 }).waitFor();
    expectEqual(
      await page.getByLabel("Endpoint name", { exact: true }).inputValue(),
      DISCOVERY.endpoint,
      "the endpoint name came from discovery",
    );
    data.model_id = await page.getByLabel("Model id", { exact: true }).inputValue();
    data.output_path = await page.getByLabel("Output path (JMESPath)", { exact: true }).inputValue();
    const template = JSON.parse(await readCode(page, "Request template (JSON)"));
    expect(template.inputs === "{{prompt}}", `the adapter's request template was filled: ${JSON.stringify(template)}`);
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
    await page.getByRole("button", { name: "Start over" }).click();
    await startWithDiscovery();
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
