import { describe, expect, it } from "vitest";
import { exportFileName, exportText, parseImportedConfig } from "./exportImport";

describe("export / import", () => {
  it("exports pretty JSON named after the model id", () => {
    expect(exportFileName({ id: "my-model" })).toBe("my-model.model-config.json");
    expect(exportFileName({ id: "" })).toBe("model.model-config.json");
    expect(exportText({ id: "a" })).toBe('{\n  "id": "a"\n}\n');
  });

  it("imports a config, or the config inside a GET /models/{id} answer", () => {
    const config = { schema_version: 1, id: "a", provider: { type: "bedrock" } };
    expect(parseImportedConfig(JSON.stringify(config))).toEqual({ config });
    expect(parseImportedConfig(JSON.stringify({ source: "saved", version: 2, config }))).toEqual({ config });
  });

  it("explains what is wrong with a file", () => {
    expect(parseImportedConfig("{oops")).toEqual({ error: expect.stringContaining("not valid JSON") });
    expect(parseImportedConfig("[1]")).toEqual({ error: "The file must hold a JSON object (a model config)." });
    expect(parseImportedConfig('{"hello": 1}')).toEqual({ error: expect.stringContaining("does not look like a model config") });
  });
});
