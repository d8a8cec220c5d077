/**
 * Which control the code fields use: Cloudscape's CodeEditor (Ace) in the app, a plain textarea where Ace cannot run
 * (the jsdom unit tests set it in src/test/setup.ts). Both get the same label, value and errors.
 */
export type CodeEngine = "ace" | "textarea";

let engine: CodeEngine = "ace";

export function setCodeEngine(next: CodeEngine): void {
  engine = next;
}

export function codeEngine(): CodeEngine {
  return engine;
}
