// Regenerates src/test/fixtures/model-config.schema.json from the Python source of truth
// (inference_engine/schema.py), so unit tests validate against the same schema the API serves.
// Usage (from frontend/): npm run schema:fixture   (uses ../.venv/bin/python unless PYTHON is set)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const python = process.env.PYTHON ?? resolve(repo, ".venv", "bin", "python");
const code =
  "import json; from inference_engine.schema import model_config_json_schema as s; print(json.dumps(s(), indent=2))";
const out = execFileSync(python, ["-c", code], { cwd: repo, encoding: "utf8" });
const target = resolve(here, "..", "src", "test", "fixtures", "model-config.schema.json");
writeFileSync(target, out);
console.log(`wrote ${target}`);
