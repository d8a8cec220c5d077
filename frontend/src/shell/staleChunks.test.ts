import { describe, expect, it, vi } from "vitest";
import { RELOADED_KEY, reloadOnStaleChunks } from "./staleChunks";

function fakePage() {
  const listeners: ((event: Event) => void)[] = [];
  const stored = new Map<string, string>();
  return {
    listeners,
    stored,
    addEventListener: (_type: "vite:preloadError", listener: (event: Event) => void) => listeners.push(listener),
    sessionStorage: {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => void stored.set(key, value),
    },
    location: { reload: vi.fn() },
  };
}

describe("a chunk that a deploy removed", () => {
  it("reloads the page once, then leaves a second failure to the error boundary", () => {
    // Given a page that listens for Vite's preload errors
    const page = fakePage();
    reloadOnStaleChunks(page);
    // When a lazy page's chunk fails to load
    const first = new Event("vite:preloadError", { cancelable: true });
    page.listeners.forEach((listener) => listener(first));
    // Then the page reloads once, the error is handled, and the tab remembers it
    expect(page.location.reload).toHaveBeenCalledTimes(1);
    expect(first.defaultPrevented).toBe(true);
    expect(page.stored.has(RELOADED_KEY)).toBe(true);
    // When it fails again after the reload
    const second = new Event("vite:preloadError", { cancelable: true });
    page.listeners.forEach((listener) => listener(second));
    // Then it does not reload again: the error goes on to the error boundary
    expect(page.location.reload).toHaveBeenCalledTimes(1);
    expect(second.defaultPrevented).toBe(false);
  });
});
