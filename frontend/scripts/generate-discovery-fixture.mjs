// Regenerates src/test/fixtures/discovery.json: discovery's answers over the emulator's inventory, recorded from the
// Python code the API runs (tests/fixtures/discovery_answers.py), so the UI tests read real shapes.
// Usage (from frontend/): npm run discovery:fixture   (uses ../.venv/bin/python unless PYTHON is set)
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const python = process.env.PYTHON ?? resolve(repo, ".venv", "bin", "python");
const out = execFileSync(python, ["-m", "tests.fixtures.discovery_answers"], { cwd: repo, encoding: "utf8" });
const target = resolve(here, "..", "src", "test", "fixtures", "discovery.json");
writeFileSync(target, out);
console.log(`wrote ${target}`);
