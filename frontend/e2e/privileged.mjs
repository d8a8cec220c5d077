// The admin-only controls. The admin scenario checks they are on the admin's page (so this list stays true to the
// UI); the plain-user scenario checks that none of them is in the user's DOM.
import { expect, expectEqual } from "./harness.mjs";

/** Labels on the admin's page with a SageMaker model's configuration open. */
export const PRIVILEGED_LABELS = [
  "Model id",
  "Display name",
  "Endpoint name",
  "Endpoint kwargs (JSON)",
  "Use a cross-account role",
  "Request template (JSON)",
  "Output path (JMESPath)",
  "Chat template (Jinja)",
  "Model kwargs (JSON)",
  "Include debug details",
];
/** Admin-only labels shown only for another provider or with a cross-account role on. */
export const CONDITIONAL_PRIVILEGED_LABELS = ["Role ARN", "External id", "Bedrock model id", "Endpoint URL"];
export const PRIVILEGED_TEST_IDS = [
  "section-model",
  "section-provider",
  "section-cross-account",
  "section-content-handler",
  "section-prompt",
  "section-model-kwargs",
  "section-review",
  "request-template-editor",
  "model-kwargs-editor",
  "override-preview",
];
export const PRIVILEGED_BUTTONS = ["Preview request", "Save model", "Export JSON", "Import JSON"];
/** Admin-only buttons of the Models page. */
export const PRIVILEGED_TABLE_BUTTONS = ["Create model", "Edit", "Actions"];

export async function expectPrivilegedControls(page) {
  for (const label of PRIVILEGED_LABELS) {
    const count = await page.getByLabel(label, { exact: true }).count();
    expect(count > 0, `the admin's page has a control labelled "${label}"`);
  }
  for (const testId of PRIVILEGED_TEST_IDS) {
    expect((await page.getByTestId(testId).count()) > 0, `the admin's page has data-testid="${testId}"`);
  }
  for (const name of PRIVILEGED_BUTTONS) {
    const count = await page.getByRole("button", { name, exact: true }).count();
    expect(count > 0, `the admin's page has a "${name}" button`);
  }
}

export async function expectNoPrivilegedControls(page, where, { endpointName }) {
  for (const label of [...PRIVILEGED_LABELS, ...CONDITIONAL_PRIVILEGED_LABELS]) {
    expectEqual(await page.getByLabel(label, { exact: true }).count(), 0, `${where}: controls labelled "${label}"`);
  }
  for (const testId of PRIVILEGED_TEST_IDS) {
    expectEqual(await page.getByTestId(testId).count(), 0, `${where}: elements with data-testid="${testId}"`);
  }
  for (const name of PRIVILEGED_BUTTONS) {
    expectEqual(await page.getByRole("button", { name, exact: true }).count(), 0, `${where}: "${name}" buttons`);
  }
  const html = await page.content();
  expect(!html.includes(endpointName), `${where}: the page shows no SageMaker endpoint name`);
  expect(!html.includes("arn:aws:iam::"), `${where}: the page shows no role ARN`);
}
