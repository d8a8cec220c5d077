// The scenario's inputs, shared with the pytest side (tests/e2e/test_browser.py reads the same JSON file).
import { readFileSync } from "node:fs";

const data = JSON.parse(readFileSync(new URL("./scenario-data.json", import.meta.url), "utf-8"));

export const BASE_MODEL = { id: data.base_model.id, name: data.base_model.name, endpointName: data.base_model.endpoint_name, format: data.base_model.format };
export const SAVED_MODEL = data.saved_model;
export const KWARGS = data.kwargs;
export const TEMPLATE_ADDITIONS = data.template_additions;
export const PROMPTS = data.prompts;
export const CREATE_CASES = data.create_cases;
export const DISCOVERY = data.discovery;
