import { describe, expect, it } from "vitest";
import { jinjaProblem, jmespathProblem, jsonTextProblem, placeholdersOf, requestTemplateHints, syntaxErrors, tryOutputPath } from "./editorValidation";

describe("JMESPath checked while typing", () => {
  it("given the catalogue's paths, when compiled, then they are valid", () => {
    for (const path of ["[0].generated_text", "token.special == `false` && token.text || null", "content[?type=='text'].text"]) {
      expect(jmespathProblem(path)).toBeNull();
    }
  });

  it("given a broken expression, when compiled, then the problem is named", () => {
    expect(jmespathProblem("[0.generated")).toMatch(/^not a valid JMESPath expression: /);
  });
});

describe("Jinja syntax errors block Save", () => {
  it("given a valid chat template, when parsed, then there is no problem", () => {
    expect(jinjaProblem("{% for m in messages %}{{ m['content'] }}{% endfor %}")).toBeNull();
    expect(jinjaProblem("")).toBeNull();
  });

  it("given a template with an unclosed tag, when parsed, then it is a syntax error", () => {
    expect(jinjaProblem("{{ messages ")).toMatch(/^Jinja syntax error: /);
    expect(jinjaProblem("{% endfor %}")).toMatch(/^Jinja syntax error: /);
  });

  it("given a config, when checked, then each bad field is reported at its path", () => {
    const errors = syntaxErrors({
      content_handler: { output_path: "ok", stream: { framing: "sse", output_path: "a[?" } },
      prompt: { template: "{% if %}" },
    });
    expect(errors.map((error) => error.path)).toEqual(["content_handler.stream.output_path", "prompt.template"]);
  });
});

describe("placeholder-aware JSON hints", () => {
  it("given valid JSON, when checked, then there is no problem", () => {
    expect(jsonTextProblem('{"inputs": "{{prompt}}"}')).toBeNull();
  });

  it("given a placeholder written without quotes, when checked, then the error has its line and a hint", () => {
    const problem = jsonTextProblem('{\n  "inputs": {{prompt}}\n}');
    expect(problem?.line).toBe(2);
    expect(problem?.message).toMatch(/^Invalid JSON at line 2, column \d+: /);
    expect(problem?.message).toContain('write "{{name}}" in quotes');
  });

  it("given a plain syntax error, when checked, then there is no placeholder hint", () => {
    const problem = jsonTextProblem('{"a": 1,}');
    expect(problem?.message).not.toContain("placeholder");
  });

  it("given a template, when its placeholders are listed, then optional and dotted ones are recognised", () => {
    expect(placeholdersOf({ a: "{{prompt}}", b: ["x {{ top_k? }}"], c: { d: "{{model_kwargs.t}}" } })).toEqual([
      { name: "prompt", optional: false },
      { name: "top_k", optional: true },
      { name: "model_kwargs.t", optional: false },
    ]);
  });

  it("given a placeholder that names no variable, when hinted, then the fix is suggested; kwargs and optional ones pass", () => {
    const hints = requestTemplateHints({ inputs: "{{prompt}}", n: "{{max_new_tokens}}", k: "{{top_k?}}", s: "{{seed}}" }, { max_new_tokens: 5 });
    expect(hints).toHaveLength(1);
    expect(hints[0]).toContain("{{seed}} is neither a built-in variable");
    expect(hints[0]).toContain('add "seed" to the model kwargs');
  });
});

describe("try this output path on the last raw response", () => {
  it("given a raw TGI answer, when a path is tried, then the selected value is shown", () => {
    expect(tryOutputPath("[0].generated_text", [{ generated_text: "Paris" }])).toEqual({ value: "Paris" });
    expect(tryOutputPath("missing", { a: 1 })).toEqual({ value: null });
    expect(tryOutputPath("[0.", [])).toHaveProperty("error");
  });
});
