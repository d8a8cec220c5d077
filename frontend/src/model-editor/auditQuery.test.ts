import { describe, expect, it } from "vitest";
import { auditQuery, filtersFromSearch, filtersToSearch, rangeProblem } from "./auditQuery";

describe("audit filters in the URL", () => {
  it("given every filter, when written to the query string and read back, then they round-trip", () => {
    const filters = { model_id: "tgi", actor: "alice", action: "save", outcome: "error", since: "2026-12-01", until: "2026-12-04" } as const;
    const search = filtersToSearch(filters);
    expect(search).toBe("model_id=tgi&actor=alice&action=save&outcome=error&since=2026-12-01&until=2026-12-04");
    expect(filtersFromSearch(search)).toEqual(filters);
  });

  it("given a hand-edited URL, when read, then values the API would refuse are dropped", () => {
    expect(filtersFromSearch("model_id=Bad%20Id&action=launch&outcome=maybe&since=yesterday&actor=%20bob%20")).toEqual({ actor: "bob" });
  });

  it("given filters and a page token, when the API query is built, then it carries the filters, the page size and the token", () => {
    expect(auditQuery({ model_id: "tgi" }, { nextToken: "abc" })).toEqual({ model_id: "tgi", limit: 25, next_token: "abc" });
    expect(auditQuery({}, {})).toEqual({ limit: 25 });
  });

  it("given a start date after the end date, when checked, then the range is refused before any request", () => {
    expect(rangeProblem({ since: "2026-12-05", until: "2026-12-01" })).toBe("The start date is after the end date.");
    expect(rangeProblem({ since: "2026-12-01", until: "2026-12-01" })).toBeNull();
  });
});
