/**
 * Builds the bodies of ``POST /invoke``, ``POST /invoke/stream`` and ``POST /models/validate`` from the test panel and
 * the editor. The body never says whether to stream: the route does.
 */
import type { ChatMessage, InvokeRequest, Override } from "../api/types";

export type InvokeTarget =
  | { kind: "model"; modelId: string }
  /** The editor: ``baseId`` null = from scratch (``override`` is then the full config). */
  | { kind: "custom"; baseId: string | null; override: Override | undefined };

export interface TestInput {
  mode: "prompt" | "chat";
  prompt: string;
  system: string;
  messages: ChatMessage[];
}

export interface InvokeOptions {
  isAdmin: boolean;
  debug: boolean;
}

export class NotAllowedError extends Error {
  override name = "NotAllowedError";
}

export function buildInvokeRequest(target: InvokeTarget, input: TestInput, options: InvokeOptions): InvokeRequest {
  const body: InvokeRequest = {};
  if (target.kind === "model") {
    body.model_id = target.modelId;
  } else {
    // Overrides are for administrators only: the API enforces it, and a plain user never even sends one.
    if (!options.isAdmin) throw new NotAllowedError("Only administrators can invoke a custom model config.");
    if (target.baseId !== null) body.model_id = target.baseId;
    if (target.override !== undefined) body.override = target.override;
  }
  if (input.mode === "prompt") {
    body.prompt = input.prompt;
  } else {
    body.messages = input.messages.filter((message) => message.content.trim() !== "");
  }
  if (input.system.trim()) body.system = input.system;
  if (options.debug && options.isAdmin) body.debug = true;
  return body;
}

/** Why the input cannot be sent yet, or null. */
export function inputProblem(input: TestInput): string | null {
  if (input.mode === "prompt") return input.prompt.trim() ? null : "Enter a prompt.";
  const messages = input.messages.filter((message) => message.content.trim() !== "");
  if (!messages.length) return "Add at least one message.";
  if (!messages.some((message) => message.role === "user")) return "Add at least one user message.";
  return null;
}
