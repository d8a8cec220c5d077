/** Renders the inference settings page against the fake API, with Cloudscape's test wrappers. */
import createWrapper from "@cloudscape-design/components/test-utils/dom";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";
import { InferenceSettingsPage } from "../pages/InferenceSettingsPage";
import { createFakeApi, type FakeApiOptions } from "./fakeApi";

export async function renderPage(options: FakeApiOptions) {
  const fake = createFakeApi(options);
  const user = userEvent.setup();
  let signedOut = 0;
  const view = render(<InferenceSettingsPage api={fake.api} region="us-east-1" onSignOut={() => (signedOut += 1)} />);
  await screen.findByRole("heading", { name: "Inference settings" });
  const wrapper = createWrapper(view.container);
  return { ...fake, ...view, user, wrapper, signedOut: () => signedOut };
}

export type Page = Awaited<ReturnType<typeof renderPage>>;

/** The Cloudscape Select inside the form field labelled ``label``. */
export function selectByLabel(page: Page, label: string) {
  const field = page.wrapper
    .findAllFormFields()
    .find((candidate) => candidate.findLabel()?.getElement().textContent?.trim() === label);
  if (!field) throw new Error(`No form field labelled ${label}`);
  const select = field.findControl()?.findSelect();
  if (!select) throw new Error(`The field ${label} holds no select`);
  return select;
}

export async function chooseOption(page: Page, label: string, value: string) {
  const select = selectByLabel(page, label);
  select.openDropdown();
  select.selectOptionByValue(value);
  await waitFor(() => {
    if (select.findDropdown().findOpenDropdown()) throw new Error("the dropdown is still open");
  });
}

export function optionLabels(page: Page, label: string): string[] {
  const select = selectByLabel(page, label);
  select.openDropdown();
  const labels = select
    .findDropdown()
    .findOptions()
    .map((option) => option.findLabel().getElement().textContent ?? "");
  select.closeDropdown();
  return labels;
}

/** The Cloudscape form field labelled ``label``. */
export function formField(page: Page, label: string) {
  const field = page.wrapper
    .findAllFormFields()
    .find((candidate) => candidate.findLabel()?.getElement().textContent?.trim() === label);
  if (!field) throw new Error(`No form field labelled ${label}`);
  return field;
}

export function fieldError(page: Page, label: string): string | null {
  return formField(page, label).findError()?.getElement().textContent ?? null;
}

/** Replaces the text of the input or textarea named ``label`` (paste, so JSON braces are typed as is). */
export async function replaceText(page: Page, label: string, text: string) {
  const control = screen.getByRole("textbox", { name: label });
  await page.user.clear(control);
  if (text) {
    await page.user.click(control);
    await page.user.paste(text);
  }
}

/** Admin page with Custom open and ``baseId`` chosen as the base model. */
export async function openEditor(options: Parameters<typeof renderPage>[0], baseId: string | null) {
  const page = await renderPage(options);
  await chooseOption(page, "LLM model", "__custom__");
  await screen.findByTestId("section-model");
  await chooseOption(page, "Base model", baseId ?? "");
  await waitFor(() => expect(selectByLabel(page, "Base model").findTrigger().getElement()).not.toHaveTextContent("Loading"));
  if (baseId) await waitFor(() => expect(screen.getByRole("textbox", { name: "Model id" })).toHaveValue(baseId));
  // The schema validator is loaded on demand.
  await waitFor(() => expect(screen.queryByText("Loading the config schema…")).not.toBeInTheDocument());
  return page;
}
