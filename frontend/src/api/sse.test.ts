import { describe, expect, it } from "vitest";
import { SseParser } from "./sse";

describe("SseParser", () => {
  it("assembles frames split across chunks, with CRLF, comments and multi-line data", () => {
    const parser = new SseParser();
    expect(parser.push("event: del")).toEqual([]);
    expect(parser.push('ta\r\ndata: {"text":"a"}\r\n\r\n: keep-alive\n\nevent: done\ndata: {"x":')).toEqual([
      { event: "delta", data: '{"text":"a"}' },
    ]);
    expect(parser.push("1}\ndata: 2\n\n")).toEqual([{ event: "done", data: '{"x":1}\n2' }]);
  });

  it("flushes a last frame without the closing blank line", () => {
    const parser = new SseParser();
    parser.push("event: done\ndata: {}");
    expect(parser.flush()).toEqual([{ event: "done", data: "{}" }]);
    expect(parser.flush()).toEqual([]);
  });
});
