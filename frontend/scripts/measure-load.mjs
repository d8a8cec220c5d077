// Load metrics of the sign-in and models pages in Debian's headless Chromium (playwright-core, no browser download),
// for `make bench` (benchmarks/ui_load.py starts the local stack with the built UI and reads the JSON this prints).
//
// Each sample is a new browser context (empty cache, no storage): the sign-in page opened signed out; the models page
// opened by an administrator whose session is stored (a returning admin: the tokens of one earlier sign-in are put in
// the context's storage); and, on the sign-in page already loaded, the time from "Sign in" to the models table.
// The page records its own figures (Performance API): FCP, LCP, long tasks (count and total), DOMContentLoaded and
// load, the time the page's main content is in the document (first animation frame after it is inserted), and the
// /assets/ files it fetched.
//
// Configuration (environment): LOAD_BASE_URL, LOAD_USERNAME, LOAD_PASSWORD, LOAD_RUNS (samples per page, default 10),
// LOAD_WARMUP (untimed samples first, default 1), LOAD_SETTLE_MS (wait after the content before reading, default 1000),
// LOAD_CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../e2e/harness.mjs"; // the browser e2e's flags: headless, no GPU, no background traffic

const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT_MS = 30_000;
const CONTENT = {
  signIn: 'form[aria-label="Sign in"] input',
  models: '[data-testid="models-table"] tbody tr a',
};

function setting(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (benchmarks/ui_load.py sets it)`);
  return value;
}

const config = {
  baseUrl: setting("LOAD_BASE_URL").replace(/\/+$/, ""),
  username: setting("LOAD_USERNAME"),
  password: setting("LOAD_PASSWORD"),
  runs: Number(setting("LOAD_RUNS", "10")),
  warmup: Number(setting("LOAD_WARMUP", "1")),
  settleMs: Number(setting("LOAD_SETTLE_MS", "1000")),
  chromium: setting("LOAD_CHROMIUM", "/usr/bin/chromium"),
};

/** Runs in the page before its own scripts: observers for paint, LCP and long tasks, and the content watch. */
function instrument(selectors) {
  const metrics = { fcp: null, lcp: null, longTasks: [], seen: {} };
  window.__loadMetrics = metrics;
  const observe = (type, onEntry) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(onEntry)).observe({ type, buffered: true });
    } catch {
      // an entry type this browser does not support stays null / empty
    }
  };
  observe("paint", (entry) => {
    if (entry.name === "first-contentful-paint") metrics.fcp = entry.startTime;
  });
  observe("largest-contentful-paint", (entry) => {
    metrics.lcp = entry.startTime;
  });
  observe("longtask", (entry) => metrics.longTasks.push({ start: entry.startTime, duration: entry.duration }));
  const pending = new Set(Object.keys(selectors));
  const check = () => {
    for (const name of [...pending]) {
      if (document.querySelector(selectors[name])) {
        pending.delete(name);
        requestAnimationFrame(() => {
          metrics.seen[name] = performance.now();
        });
      }
    }
    if (pending.size === 0) watcher.disconnect();
  };
  const watcher = new MutationObserver(check);
  watcher.observe(document, { childList: true, subtree: true });
}

async function waitSeen(page, name) {
  await page.waitForFunction((key) => window.__loadMetrics?.seen[key] !== undefined, name, { timeout: TIMEOUT_MS });
}

/** The page's figures; long tasks and assets counted from `since` (ms on the page's clock) onwards. */
async function read(page, content, since = 0) {
  return page.evaluate(
    ({ content, since }) => {
      const m = window.__loadMetrics;
      const navigation = performance.getEntriesByType("navigation")[0];
      const tasks = m.longTasks.filter((task) => task.start >= since);
      return {
        fcp_ms: since ? null : m.fcp,
        lcp_ms: since ? null : m.lcp,
        dom_content_loaded_ms: since ? null : navigation.domContentLoadedEventEnd,
        load_ms: since ? null : navigation.loadEventEnd,
        content_ms: m.seen[content] - since,
        long_tasks: tasks.length,
        long_task_ms: tasks.reduce((sum, task) => sum + task.duration, 0),
        assets: performance
          .getEntriesByType("resource")
          .filter((entry) => entry.startTime >= since)
          .map((entry) => new URL(entry.name).pathname)
          .filter((path) => path.startsWith("/assets/")),
      };
    },
    { content, since },
  );
}

async function newPage(browser, storageState) {
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: config.baseUrl, locale: "en-US", storageState });
  await context.addInitScript(instrument, CONTENT);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  return { context, page };
}

async function settle(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(config.settleMs);
}

/** Sign-in page signed out, then "Sign in" to the models table on the same page. */
async function signInSample(browser) {
  const { context, page } = await newPage(browser);
  try {
    await page.goto("/");
    await waitSeen(page, "signIn");
    await settle(page);
    const signIn = await read(page, "signIn");
    await page.getByLabel("Username").fill(config.username);
    await page.getByLabel("Password").fill(config.password);
    const clicked = await page.evaluate(() => performance.now());
    await page.getByRole("button", { name: "Sign in" }).click();
    await waitSeen(page, "models");
    await settle(page);
    const toModels = await read(page, "models", clicked);
    const storage = await context.storageState();
    return { signIn, toModels, storage };
  } finally {
    await context.close();
  }
}

/** The models page opened by a returning administrator (session in storage, empty cache). */
async function modelsSample(browser, storage) {
  const { context, page } = await newPage(browser, storage);
  try {
    await page.goto("/models");
    await waitSeen(page, "models");
    await settle(page);
    return await read(page, "models");
  } finally {
    await context.close();
  }
}

async function main() {
  const browser = await chromium.launch({ executablePath: config.chromium, args: CHROMIUM_ARGS, headless: true });
  const samples = { sign_in: [], sign_in_to_models: [], models: [] };
  try {
    let storage = null;
    for (let index = 0; index < config.warmup + config.runs; index += 1) {
      const timed = index >= config.warmup;
      const first = await signInSample(browser);
      storage = first.storage;
      const models = await modelsSample(browser, storage);
      if (!timed) continue;
      samples.sign_in.push(first.signIn);
      samples.sign_in_to_models.push(first.toModels);
      samples.models.push(models);
    }
    const version = browser.version();
    process.stdout.write(JSON.stringify({ browser: `Chromium ${version}`, runs: config.runs, samples }) + "\n");
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
