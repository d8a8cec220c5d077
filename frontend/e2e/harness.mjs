// Shared harness of the browser scenarios: Debian's Chromium through playwright-core, named steps, the console
// and page errors of every page, screenshots, and a JSON result file that tests/e2e/test_browser.py asserts on.
//
// Configuration (environment variables, set by the pytest side):
//   E2E_BASE_URL          the local stack's URL (UI at /, API at /api)
//   E2E_RESULT_FILE       where the JSON result is written
//   E2E_SCREENSHOT_DIR    where the commit-ready screenshots go (docs/screenshots)
//   E2E_ARTIFACT_DIR      where a failing step's screenshot goes (not committed)
//   E2E_ADMIN_USERNAME / E2E_ADMIN_PASSWORD, E2E_USER_USERNAME / E2E_USER_PASSWORD
//   E2E_CHROMIUM          the browser binary (default /usr/bin/chromium)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { chromium } from "playwright-core";

export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 768, height: 1024 };
export const ACTION_TIMEOUT_MS = 20_000;
export const NAVIGATION_TIMEOUT_MS = 30_000;

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the pytest side sets it: tests/e2e/test_browser.py)`);
  return value;
}

export function loadConfig() {
  return {
    baseUrl: required("E2E_BASE_URL").replace(/\/+$/, ""),
    resultFile: required("E2E_RESULT_FILE"),
    screenshotDir: required("E2E_SCREENSHOT_DIR"),
    artifactDir: required("E2E_ARTIFACT_DIR"),
    chromium: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
    admin: { username: required("E2E_ADMIN_USERNAME"), password: required("E2E_ADMIN_PASSWORD") },
    user: { username: required("E2E_USER_USERNAME"), password: required("E2E_USER_PASSWORD") },
  };
}

/** A failed expectation inside a step. */
export class ExpectationError extends Error {
  name = "ExpectationError";
}

export function expect(condition, message) {
  if (!condition) throw new ExpectationError(message);
}

export function expectEqual(actual, expected, what) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new ExpectationError(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Runs one scenario: launches Chromium (Playwright gives each launch a fresh temporary profile and removes it on
 * close), hands `body` a context of helpers, and always writes the result file. Exits non-zero on any failure.
 */
export async function runScenario(name, body) {
  const config = loadConfig();
  mkdirSync(config.screenshotDir, { recursive: true });
  mkdirSync(config.artifactDir, { recursive: true });
  const result = {
    scenario: name,
    ok: false,
    steps: [],
    console_errors: [],
    page_errors: [],
    console_warnings: [],
    screenshots: [],
    data: {},
    error: null,
  };
  const pages = [];
  let browser = null;
  const started = Date.now();

  const watch = (page, label) => {
    pages.push(page);
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
    page.on("console", (message) => {
      const entry = { page: label, text: message.text(), location: message.location()?.url ?? null };
      if (message.type() === "error") result.console_errors.push(entry);
      else if (message.type() === "warning") result.console_warnings.push(entry);
    });
    page.on("pageerror", (error) => result.page_errors.push({ page: label, text: String(error?.stack ?? error) }));
  };

  const context = {
    config,
    result,
    data: result.data,
    async newPage(label, viewport = WIDE) {
      const browserContext = await browser.newContext({ viewport, baseURL: config.baseUrl, locale: "en-US" });
      const page = await browserContext.newPage();
      watch(page, label);
      return page;
    },
    async step(title, fn) {
      const entry = { name: title, ok: false, ms: 0 };
      result.steps.push(entry);
      const stepStarted = Date.now();
      try {
        await fn();
        entry.ok = true;
      } catch (error) {
        entry.error = String(error?.stack ?? error);
        throw error;
      } finally {
        entry.ms = Date.now() - stepStarted;
      }
    },
    /** A commit-ready PNG under the screenshot dir: the full page, the viewport, or one element (a locator). */
    async screenshot(page, fileName, { element = null, fullPage = true } = {}) {
      const file = path.join(config.screenshotDir, fileName);
      if (element) await element.screenshot({ path: file, animations: "disabled" });
      else await page.screenshot({ path: file, fullPage, animations: "disabled" });
      result.screenshots.push(file);
      return file;
    },
  };

  let exitCode = 1;
  try {
    if (!existsSync(config.chromium)) {
      throw new Error(`${config.chromium} is missing: install Debian's chromium (apt-get install -y chromium)`);
    }
    browser = await chromium.launch({ executablePath: config.chromium, headless: true, args: CHROMIUM_ARGS });
    result.browser_version = browser.version();
    await body(context);
    result.ok = true;
    exitCode = 0;
  } catch (error) {
    result.error = String(error?.stack ?? error);
    await Promise.all(
      pages.map(async (page, index) => {
        const file = path.join(config.artifactDir, `${name}-failure-${index}.png`);
        try {
          await page.screenshot({ path: file, fullPage: true });
          result.failure_screenshots = [...(result.failure_screenshots ?? []), file];
        } catch {
          // the page may be gone; the error above is what matters
        }
      }),
    );
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    result.duration_ms = Date.now() - started;
    writeFileSync(config.resultFile, JSON.stringify(result, null, 2));
    for (const step of result.steps) console.log(`${step.ok ? "ok  " : "FAIL"} ${step.name} (${step.ms} ms)`);
    if (result.error) console.error(result.error);
    for (const entry of [...result.console_errors, ...result.page_errors]) {
      console.error(`browser error: ${entry.text}`);
    }
  }
  process.exit(exitCode);
}

/** Signs in through the form; with `keyboard` the whole form is done with the keyboard (type, Tab, Enter). */
export async function signIn(page, { username, password }, { keyboard = false } = {}) {
  await page.goto("/");
  await page.getByTestId("app-signedOut").waitFor();
  const usernameInput = page.getByLabel("Username");
  if (keyboard) {
    await usernameInput.waitFor();
    expect(
      await usernameInput.evaluate((element) => element === document.activeElement),
      "the Username field has the focus when the sign-in page opens",
    );
    await page.keyboard.type(username);
    await page.keyboard.press("Tab");
    expect(
      await page.getByLabel("Password").evaluate((element) => element === document.activeElement),
      "Tab moves from Username to Password",
    );
    await page.keyboard.type(password);
    await page.keyboard.press("Enter");
  } else {
    await usernameInput.fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.getByTestId("app-signedIn").waitFor();
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await page.getByRole("button", { name: `Signed in as ${username}` }).waitFor();
}

/**
 * Follows a side-navigation link as a user would: the console may have closed the navigation to make room (the
 * split panel beside the editor), so it is opened first with its toggle when the link is not shown.
 */
export async function followNavigation(page, name) {
  const link = page.getByRole("link", { name, exact: true });
  const toggle = page.getByRole("button", { name: "Open side navigation" });
  await link.or(toggle).first().waitFor();
  if (!(await link.isVisible())) await toggle.click();
  await link.click();
}

const AXE_SOURCE = readFileSync(new URL("../node_modules/axe-core/axe.min.js", import.meta.url), "utf-8");
const BLOCKING_IMPACTS = new Set(["serious", "critical"]);

/**
 * axe-core on the page as it is now (WCAG 2.x A/AA and best practices): fails on any serious or critical violation,
 * and checks there is exactly one h1. Returns the counts per impact, recorded in the result's data.axe.
 */
export async function expectAxeClean(page, where, result) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: AXE_SOURCE });
  const outcome = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ["violations"] });
    return run.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  });
  const blocking = outcome.filter((violation) => BLOCKING_IMPACTS.has(violation.impact));
  const h1 = await page.locator("h1").count();
  const entry = { where, h1, violations: outcome.map(({ id, impact }) => `${id} (${impact})`), blocking: blocking.length };
  if (result) (result.data.axe ??= []).push(entry);
  expect(blocking.length === 0, `${where}: serious or critical axe violations: ${JSON.stringify(blocking)}`);
  expectEqual(h1, 1, `${where}: number of h1 elements`);
  return entry;
}

/** The text of the CodeEditor (Ace) labelled `label`. */
export async function readCode(page, label, scope = page) {
  return scope.getByLabel(label, { exact: true }).evaluate((textarea) => textarea.closest(".ace_editor").env.editor.getValue());
}

/**
 * Replaces the text of the CodeEditor (Ace) labelled `label`, as typed with the keyboard (select all, then the text).
 * Ace may re-indent typed lines, so the result is compared without whitespace; if the keyboard input did not land
 * (a busy machine), the text is set through Ace's own API, which fires the same change events.
 */
export async function writeCode(page, label, text, scope = page) {
  const textarea = scope.getByLabel(label, { exact: true });
  const id = await textarea.getAttribute("id");
  const landed = (timeout) =>
    page
      .waitForFunction(
        ([elementId, expected]) =>
          document.getElementById(elementId)?.closest(".ace_editor")?.env?.editor?.getValue().replace(/\s+/g, "") === expected,
        [id, text.replace(/\s+/g, "")],
        { timeout },
      )
      .then(() => true)
      .catch(() => false);
  await textarea.focus();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  if (!(await landed(5_000))) {
    await textarea.evaluate((element, value) => element.closest(".ace_editor").env.editor.setValue(value, 1), text);
    expect(await landed(5_000), `the code editor "${label}" holds the text`);
  }
  // CodeEditor reports its value after a short delay (onDelayedChange).
  await page.waitForTimeout(500);
}

/** Fails when the page scrolls sideways (a horizontal scrollbar on the page body). */
export async function expectNoHorizontalScroll(page, where) {
  const sizes = await page.evaluate(() => ({
    viewport: window.innerWidth,
    documentScroll: document.documentElement.scrollWidth,
    documentClient: document.documentElement.clientWidth,
    bodyScroll: document.body.scrollWidth,
  }));
  expect(
    sizes.documentScroll <= sizes.documentClient && sizes.bodyScroll <= sizes.documentClient,
    `${where}: the page scrolls horizontally at ${sizes.viewport} px (${JSON.stringify(sizes)})`,
  );
  return sizes;
}

const INTERACTIVE_ROLES = new Set([
  "button",
  "checkbox",
  "combobox",
  "link",
  "listbox",
  "menuitem",
  "option",
  "radio",
  "searchbox",
  "slider",
  "spinbutton",
  "switch",
  "tab",
  "textbox",
]);

/**
 * Every focusable control on the page has an accessible name, as Chromium itself computes it (the accessibility
 * tree over the DevTools protocol): what a screen reader announces.
 */
export async function expectAccessibleNames(page, where) {
  const session = await page.context().newCDPSession(page);
  try {
    const { nodes } = await session.send("Accessibility.getFullAXTree");
    const unnamed = [];
    let controls = 0;
    for (const node of nodes) {
      const role = node.role?.value;
      if (node.ignored || !INTERACTIVE_ROLES.has(role)) continue;
      const focusable = node.properties?.some((property) => property.name === "focusable" && property.value?.value);
      const hidden = node.properties?.some((property) => property.name === "hidden" && property.value?.value);
      if (!focusable || hidden) continue;
      controls += 1;
      if (!String(node.name?.value ?? "").trim()) unnamed.push(`${role} (backend node ${node.backendDOMNodeId})`);
    }
    expect(controls > 0, `${where}: no focusable controls found in the accessibility tree`);
    expect(unnamed.length === 0, `${where}: controls without an accessible name: ${unnamed.join(", ")}`);
    return controls;
  } finally {
    await session.detach();
  }
}
