/** Incremental parser for ``text/event-stream`` (the frames of a streamed ``POST /invoke``). */

export interface SseFrame {
  event: string;
  data: string;
}

export class SseParser {
  private buffer = "";

  /** Feeds decoded text; returns the frames completed by it. */
  push(chunk: string): SseFrame[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const frames: SseFrame[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame = parseBlock(block);
      if (frame) frames.push(frame);
      end = this.buffer.indexOf("\n\n");
    }
    return frames;
  }

  /** Frames left when the stream closed without a final blank line. */
  flush(): SseFrame[] {
    const rest = this.buffer;
    this.buffer = "";
    const frame = rest.trim() ? parseBlock(rest) : null;
    return frame ? [frame] : [];
  }
}

function parseBlock(block: string): SseFrame | null {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length || event !== "message" ? { event, data: data.join("\n") } : null;
}
