import { describe, expect, it } from "vitest";
import { shouldBlock } from "./unsavedGuard";
import { breadcrumbsFor, homeFor, isModelTab, paths } from "./routes";

describe("URLs of the console's views", () => {
  it("given a model id with URL-unsafe characters, when its tab URL is built, then the id is encoded", () => {
    expect(paths.model("a.b_c-1")).toBe("/models/a.b_c-1/configuration");
    expect(paths.model("x y", "versions")).toBe("/models/x%20y/versions");
  });

  it("given two versions to compare, when the Versions URL is built, then they are in the query", () => {
    expect(paths.versions("m", { a: 1, b: 3 })).toBe("/models/m/versions?a=1&b=3");
    expect(paths.versions("m")).toBe("/models/m/versions");
  });

  it("given a duplicate, when the create URL is built, then it names the source model", () => {
    expect(paths.create()).toBe("/models/new");
    expect(paths.create({ from: "tgi" })).toBe("/models/new?from=tgi");
    expect(paths.test("claude")).toBe("/test?model=claude");
  });

  it("given the role, when the user lands, then admins manage models and users test them", () => {
    expect(homeFor(true)).toBe("/models");
    expect(homeFor(false)).toBe("/test");
  });

  it("given a tab segment, when it is checked, then only the three tabs are accepted", () => {
    expect(["configuration", "versions", "activity", "other", undefined].map(isModelTab)).toEqual([true, true, true, false, false]);
  });

  it("given a model tab path, when breadcrumbs are built, then they name the model and the tab", () => {
    expect(breadcrumbsFor("/models/tgi/versions", { tgi: "Mistral (TGI)" })).toEqual([
      { text: "Model Studio", href: "/" },
      { text: "Models", href: "/models" },
      { text: "Mistral (TGI)", href: "/models/tgi/configuration" },
      { text: "Versions", href: "/models/tgi/versions" },
    ]);
    expect(breadcrumbsFor("/models/new").map((crumb) => crumb.text)).toEqual(["Model Studio", "Models", "Create model"]);
    expect(breadcrumbsFor("/audit").map((crumb) => crumb.text)).toEqual(["Model Studio", "Audit log"]);
  });
});

describe("the unsaved-changes guard", () => {
  it("given unsaved edits, when leaving the model, then the navigation is blocked", () => {
    expect(shouldBlock(true, "/models/m/", { pathname: "/models" })).toBe(true);
    expect(shouldBlock(true, "/models/m/", { pathname: "/models/other/configuration" })).toBe(true);
  });

  it("given unsaved edits, when switching the model's tabs, then the navigation passes (the editor stays)", () => {
    expect(shouldBlock(true, "/models/m/", { pathname: "/models/m/versions" })).toBe(false);
    expect(shouldBlock(true, "/models/new", { pathname: "/models/new" })).toBe(false);
  });

  it("given no unsaved edit, when leaving, then nothing is blocked", () => {
    expect(shouldBlock(false, "/models/m/", { pathname: "/audit" })).toBe(false);
  });
});
