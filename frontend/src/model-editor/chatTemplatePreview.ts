/**
 * Renders a chat template in the browser for a live preview (``@huggingface/jinja``, in the editor's chunk). The API's
 * Jinja2 sandbox (``/models/validate``) stays the source of truth; this is only a quick look while typing.
 */
import { Template } from "@huggingface/jinja";
import type { ChatMessage } from "../api/types";

export const SAMPLE_MESSAGES: ChatMessage[] = [
  { role: "system", content: "You are a concise assistant." },
  { role: "user", content: "What is the capital of France?" },
  { role: "assistant", content: "Paris." },
  { role: "user", content: "And of Italy?" },
];

export interface TemplateVariables {
  messages: ChatMessage[];
  bos_token: string;
  eos_token: string;
  add_generation_prompt: boolean;
}

export async function renderChatTemplate(
  template: string,
  variables: TemplateVariables,
): Promise<{ text: string } | { error: string }> {
  try {
    const system = variables.messages.find((message) => message.role === "system")?.content ?? null;
    return { text: new Template(template).render({ ...variables, system }) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
