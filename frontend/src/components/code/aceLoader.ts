/**
 * Ace for Cloudscape's CodeEditor, loaded on demand (never in the first route's chunk) with only the modes and themes
 * the editor uses. No worker: errors are the editor's own checks, set as annotations (see CodeField).
 */
import type { Ace } from "ace-builds";

type AceModule = typeof import("ace-builds");

let loading: Promise<AceModule> | null = null;

export function loadAce(): Promise<AceModule> {
  loading ??= (async () => {
    const ace = await import("ace-builds");
    ace.config.setDefaultValue("session", "useWorker", false);
    ace.config.setModuleLoader("ace/mode/json", () => import("ace-builds/src-noconflict/mode-json"));
    ace.config.setModuleLoader("ace/mode/django", () => import("ace-builds/src-noconflict/mode-django"));
    ace.config.setModuleLoader("ace/mode/text", () => import("ace-builds/src-noconflict/mode-text"));
    ace.config.setModuleLoader("ace/theme/dawn", () => import("ace-builds/src-noconflict/theme-dawn"));
    ace.config.setModuleLoader("ace/theme/tomorrow_night_bright", () => import("ace-builds/src-noconflict/theme-tomorrow_night_bright"));
    ace.config.setModuleLoader("ace/snippets/json", () => import("ace-builds/src-noconflict/snippets/json"));
    ace.config.setModuleLoader("ace/snippets/django", () => import("ace-builds/src-noconflict/snippets/django"));
    ace.config.setModuleLoader("ace/snippets/text", () => import("ace-builds/src-noconflict/snippets/text"));
    ace.config.setModuleLoader("ace/ext/language_tools", () => import("ace-builds/src-noconflict/ext-language_tools"));
    return ace;
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

export type AceAnnotation = Ace.Annotation;
