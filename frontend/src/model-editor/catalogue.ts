/**
 * The catalogue of base adapters (``inference_engine/catalogue/*.json``), bundled into the create flow's chunk at build
 * time: no route serves it, and the engine's own files are the single source (a new format appears here on the next
 * build).
 */
import type { ModelConfig } from "../api/types";

const files = import.meta.glob<ModelConfig>("../../../inference_engine/catalogue/*.json", { eager: true, import: "default" });

export interface CatalogueEntry {
  /** The format's id (the file name), e.g. ``tgi`` or ``bedrock-converse``. */
  format: string;
  config: ModelConfig;
}

export const CATALOGUE: readonly CatalogueEntry[] = Object.entries(files)
  .map(([file, config]) => ({ format: file.replace(/^.*\/([^/]+)\.json$/, "$1"), config }))
  .sort((a, b) => a.format.localeCompare(b.format));
