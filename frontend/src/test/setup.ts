import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { captureOwnerStack } from "react";
import { afterEach, beforeEach, vi } from "vitest";
import { setCodeEngine } from "../components/code/engine";

// Ace cannot run in jsdom: the code fields are plain textareas here (same label, value and errors).
setCodeEngine("textarea");

// Tell React this is a test environment: Cloudscape's test utils and Testing Library wrap events in act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// Lazy chunks (the editor, Ajv, the Jinja preview) compile on first use: allow for a busy CI machine.
// A failing query does not print the whole DOM: the console pages are large, and pretty-printing them takes minutes.
configure({
  asyncUtilTimeout: 10_000,
  getElementError: (message) => {
    const error = new Error(message ?? "element query failed");
    error.name = "TestingLibraryElementError";
    return error;
  },
});

// A test that logs an error or a warning (React warnings, Cloudscape dev warnings) fails.
// DEBUG_CONSOLE=1 npm test prints each one with the React owner stack, to find where it comes from.
let problems: string[] = [];

beforeEach(() => {
  problems = [];
  window.localStorage.clear();
  for (const level of ["error", "warn"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      problems.push(`console.${level}: ${args.map(String).join(" ")}`);
      if (process.env.DEBUG_CONSOLE) process.stderr.write(`${JSON.stringify(args)}\n${captureOwnerStack?.() ?? ""}\n`);
    });
  }
});

afterEach(() => {
  cleanup();
  const seen = problems;
  problems = [];
  if (seen.length) throw new Error(`Unexpected console output:\n${seen.join("\n")}`);
});
