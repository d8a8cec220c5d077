import createWrapper from "@cloudscape-design/components/test-utils/dom";
import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json, type RecordedRequest } from "../../test/fakeApi";
import recorded from "../../test/fixtures/discovery.json";
import { ADMIN_ME, ADMIN_MODELS, DETAILS } from "../../test/fixtures/models";
import { renderApp, type Page } from "../../test/renderPage";

const routes: Record<string, () => Response> = {
  "GET /discovery/sagemaker/endpoints": () => json(200, recorded.endpoints),
  "GET /discovery/bedrock/models": () => json(200, recorded.bedrock),
  "POST /discovery/probe": () => json(200, recorded.probe),
};
const admin = { me: ADMIN_ME, models: ADMIN_MODELS, details: DETAILS, routes };
const button = (name: string) => screen.getByRole("button", { name });
const requestsTo = (requests: RecordedRequest[], method: string, prefix: string) =>
  requests.filter((r) => r.method === method && r.path.startsWith(prefix));

/** The Create flow, started with "Find a deployed model". */
async function openDiscovery(options = admin): Promise<Page> {
  const page = await renderApp(options, "/models/new");
  await page.user.click(await screen.findByText("Find a deployed model", { exact: true }));
  await screen.findByTestId("section-discovery");
  return page;
}

/** Next (name and endpoint), then "Configure and test": the editor beside the test panel. */
async function configure(page: Page) {
  await page.user.click(button("Next"));
  await page.user.click(await screen.findByRole("button", { name: "Configure and test" }));
  await screen.findByRole("heading", { name: "Create model: configure and test" });
  await waitFor(() => expect(screen.queryByText("Loading the config schema…")).not.toBeInTheDocument());
}

function setRegion(value: string) {
  createWrapper(screen.getByTestId("section-discovery")).findAutosuggest()!.setInputValue(value);
}

function table(_page: Page) {
  const found = createWrapper(screen.getByTestId("section-discovery")).findTable();
  if (!found) throw new Error("no discovery table");
  return found;
}

describe("Create flow: find a deployed model", () => {
  it("lists a region's endpoints with their formats, probes the chosen one and starts from its config", async () => {
    // Given the Create flow, started with "Find a deployed model"
    const page = await openDiscovery();

    // When the admin lists the endpoints of us-west-2
    setRegion("us-west-2");
    await page.user.click(button("List endpoints"));

    // Then the table shows each invokable target with its detected format and confidence
    await waitFor(() => expect(table(page).findRows()).toHaveLength(3));
    const cells = table(page)
      .findRows()
      .map((row) => row.findAll("td, th").slice(1).map((cell) => cell.getElement().textContent));
    expect(cells[0]).toEqual(["tgi-mistral-7b", "InService", "1 × ml.g5.2xlarge", "tgi", "high", "Hugging Face TGI 2.3.1"]);
    expect(cells[2]?.[0]).toBe("llm-shared-g5-12xl / ic-qwen2-7b-vllm");
    expect(requestsTo(page.requests, "GET", "/discovery/sagemaker/endpoints").map((r) => r.path)).toEqual([
      "/discovery/sagemaker/endpoints?region=us-west-2&limit=50",
    ]);

    // When the TGI endpoint is chosen and probed
    table(page).findRowSelectionArea(1)!.click();
    await page.user.click(button("Probe and use"));

    // Then the probe asked for the image's order, and its report and the loaded config are shown
    await screen.findByTestId("discovery-used");
    const [probe] = requestsTo(page.requests, "POST", "/discovery/probe");
    expect(probe?.body).toEqual({
      target: { type: "sagemaker", endpoint_name: "tgi-mistral-7b", region: "us-east-1" },
      formats: ["tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat"],
      stream: true,
    });
    expect(screen.getByTestId("probe-summary")).toHaveTextContent("tgi answered and streamed in 2 of at most 4 calls.");
    expect(screen.getByTestId("discovery-used")).toHaveTextContent("Ready to start from tgi-mistral-7b (tgi, probed)");

    // When the admin goes on without typing anything
    await page.user.click(button("Next"));
    // Then the next step is filled from the probed config
    expect(await screen.findByRole("textbox", { name: "New model id" })).toHaveValue("tgi-mistral-7b");
    expect(screen.getByRole("textbox", { name: "Endpoint name" })).toHaveValue("tgi-mistral-7b");
    expect(screen.getByTestId("create-summary")).toHaveTextContent("Starts from: tgi-mistral-7b (tgi, probed)");

    // When the admin configures it
    await page.user.click(button("Configure and test"));
    await screen.findByRole("heading", { name: "Create model: configure and test" });
    // Then the editor holds the TGI adapter pointed at the endpoint
    expect(screen.getByRole("textbox", { name: "Endpoint name" })).toHaveValue("tgi-mistral-7b");
    expect(screen.getByRole("textbox", { name: "Model id" })).toHaveValue("tgi-mistral-7b");
    expect(screen.getByRole("textbox", { name: "Output path (JMESPath)" })).toHaveValue("[0].generated_text");
  });

  it("a loaded config invokes as a whole override", async () => {
    const answer = { output: "Echo: Hi.", usage: { input_tokens: 1, output_tokens: 2, estimated: true }, latency_ms: 3, model_id: "x", request_id: "r" };
    const page = await openDiscovery({ ...admin, routes: { ...routes, "POST /invoke": () => json(200, answer) } });
    await page.user.click(button("List endpoints"));
    await waitFor(() => expect(table(page).findRows()).toHaveLength(3));
    table(page).findRowSelectionArea(1)!.click();
    await page.user.click(button("Use detected format"));
    await screen.findByTestId("discovery-used");
    await configure(page);

    await page.user.type(screen.getByRole("textbox", { name: "Prompt" }), "Hi");
    await page.user.click(screen.getByRole("checkbox", { name: /Stream response/ }));
    await page.user.click(button("Invoke"));
    await screen.findByTestId("invoke-result");

    const [invoke] = requestsTo(page.requests, "POST", "/invoke");
    const sent = invoke?.body as { override: Record<string, unknown>; model_id?: string; prompt: string };
    expect(sent.model_id).toBeUndefined();
    expect(sent.prompt).toBe("Hi");
    expect(sent.override).toMatchObject({
      schema_version: 1,
      id: "tgi-mistral-7b",
      provider: { type: "sagemaker", endpoint_name: "tgi-mistral-7b", region: "us-east-1" },
    });
    expect(requestsTo(page.requests, "POST", "/discovery/probe")).toEqual([]);
  });

  it("Bedrock models that do not generate text cannot be chosen", async () => {
    const page = await openDiscovery();
    createWrapper(screen.getByTestId("section-discovery")).findSegmentedControl()!.findSegments()[1]!.click();
    await page.user.click(button("List models"));
    await waitFor(() => expect(table(page).findRows()).toHaveLength(2));
    const embeddings = table(page).findRows()[1]!;
    expect(embeddings.getElement()).toHaveTextContent("output modalities EMBEDDING: not a text model");
    expect(table(page).findRowSelectionArea(2)!.find("input")!.getElement()).toBeDisabled();
    expect(requestsTo(page.requests, "GET", "/discovery/bedrock/models").map((r) => r.path)).toEqual([
      "/discovery/bedrock/models?region=us-east-1",
    ]);
  });

  it("a probe that finds nothing says so and the detected format can still be loaded", async () => {
    const nothing = { ...recorded.probe, format: null, streaming: null, config: null, stopped: "budget", calls: 4 };
    const page = await openDiscovery({ ...admin, routes: { ...routes, "POST /discovery/probe": () => json(200, nothing) } });
    await page.user.click(button("List endpoints"));
    await waitFor(() => expect(table(page).findRows()).toHaveLength(3));
    table(page).findRowSelectionArea(1)!.click();
    await page.user.click(button("Probe and use"));

    expect(await screen.findByText("The probe found no format")).toBeInTheDocument();
    expect(screen.getByTestId("probe-summary")).toHaveTextContent("No format answered with text in 4 of at most 4 calls (stopped: budget).");
    expect(screen.queryByTestId("discovery-used")).not.toBeInTheDocument();
    // And the flow does not go on without a chosen config
    await page.user.click(button("Next"));
    expect(await screen.findByTestId("discovery-required")).toHaveTextContent('Choose a model, then "Probe and use" or "Use detected format".');
    expect(screen.queryByRole("textbox", { name: "New model id" })).not.toBeInTheDocument();
  });

  it("a refusal shows the rule, and an invalid region blocks listing", async () => {
    const forbidden = { error: "forbidden", message: "Discovery is not enabled in the 'prod' stage.", rule: "discovery_scope" };
    const page = await openDiscovery({
      ...admin,
      routes: { ...routes, "GET /discovery/sagemaker/endpoints": () => json(403, forbidden) },
    });
    await page.user.click(button("List endpoints"));
    expect(await screen.findByTestId("error-rule")).toHaveTextContent("discovery_scope");

    setRegion("not a region");
    expect(button("List endpoints")).toBeDisabled();
    expect(screen.getByText("Enter an AWS region name such as us-east-1.")).toBeInTheDocument();
  });
});
