/** Renders the app at a URL (a memory router) against the fake API, signed in, with Cloudscape's test wrappers. */
import createWrapper from "@cloudscape-design/components/test-utils/dom";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router";
import { expect } from "vitest";
import { appRoutes } from "../App";
import { createFakeApi, type FakeApiOptions } from "./fakeApi";
import { fakeAuth } from "./fakeAuth";

/** The app at ``path``, signed in as ``options.me``; returns the router to read or change the location. */
export async function renderApp(options: FakeApiOptions, path: string) {
  const fake = createFakeApi(options);
  const { auth, calls } = fakeAuth({ user: options.me.username });
  const user = userEvent.setup();
  const router = createMemoryRouter(appRoutes({ auth, api: fake.api, region: "us-east-1" }), { initialEntries: [path] });
  const view = render(<RouterProvider router={router} />);
  await screen.findByTestId("app-signedIn");
  await screen.findByRole("heading", { level: 1 });
  const wrapper = createWrapper(view.container);
  return { ...fake, ...view, user, wrapper, router, authCalls: calls };
}

export type Page = Awaited<ReturnType<typeof renderApp>>;

/** The "Test a model" page (every user). */
export async function renderPage(options: FakeApiOptions) {
  const page = await renderApp(options, "/test");
  await screen.findByRole("heading", { name: "Test a model", level: 1 });
  return page;
}

/** The Cloudscape form field labelled ``label``. */
export function formField(page: Page, label: string) {
  const field = page.wrapper
    .findAllFormFields()
    .find((candidate) => candidate.findLabel()?.getElement().textContent?.trim() === label);
  if (!field) throw new Error(`No form field labelled ${label}`);
  return field;
}

/** The Cloudscape Select inside the form field labelled ``label``. */
export function selectByLabel(page: Page, label: string) {
  const select = formField(page, label).findControl()?.findSelect();
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

/** A model's Configuration tab (the editor beside the test panel), loaded and validated. */
export async function openEditor(options: FakeApiOptions, modelId: string) {
  const page = await renderApp(options, `/models/${modelId}/configuration`);
  await screen.findByTestId("section-model");
  await waitFor(() => expect(screen.getByRole("textbox", { name: "Model id" })).toHaveValue(modelId));
  // The schema validator is loaded on demand.
  await waitFor(() => expect(screen.queryByText("Loading the config schema…")).not.toBeInTheDocument());
  return page;
}
