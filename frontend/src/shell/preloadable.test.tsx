import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Suspense, useState } from "react";
import { describe, expect, it } from "vitest";
import { preloadable } from "./preloadable";

/** A page with state of its own, to see whether it was remounted. */
function Counter({ label }: { label: string }) {
  const [count, setCount] = useState(0);
  return <button onClick={() => setCount(count + 1)}>{`${label} ${count}`}</button>;
}

/** A chunk the test lets arrive when it wants. */
function chunk() {
  let arrive: () => void = () => undefined;
  const arrived = new Promise<{ default: typeof Counter }>((resolve) => (arrive = () => resolve({ default: Counter })));
  return { load: () => arrived, arrive };
}

describe("preloadable", () => {
  it("renders a preloaded component in the same render: no fallback is ever shown", async () => {
    // Given a component whose chunk has been preloaded
    const { load, arrive } = chunk();
    const Page = preloadable(load);
    const preloading = Page.preload();
    arrive();
    await preloading;
    // When it renders inside a Suspense boundary
    render(
      <Suspense fallback={<p>loading</p>}>
        <Page label="clicks" />
      </Suspense>,
    );
    // Then its content is there at once, and the fallback never was
    expect(screen.getByRole("button", { name: "clicks 0" })).toBeInTheDocument();
    expect(screen.queryByText("loading")).not.toBeInTheDocument();
  });

  it("suspends while its chunk is on its way, then keeps the same instance (and its state) across re-renders", async () => {
    // Given a component rendered before its chunk arrived
    const { load, arrive } = chunk();
    const Page = preloadable(load);
    const { rerender } = render(
      <Suspense fallback={<p>loading</p>}>
        <Page label="clicks" />
      </Suspense>,
    );
    expect(screen.getByText("loading")).toBeInTheDocument();
    // When the chunk arrives and the user changes the page's state
    await act(async () => arrive());
    await userEvent.click(await screen.findByRole("button", { name: "clicks 0" }));
    // Then a re-render of the parent (the module is loaded now) keeps that state: the page was not remounted
    rerender(
      <Suspense fallback={<p>loading</p>}>
        <Page label="taps" />
      </Suspense>,
    );
    expect(screen.getByRole("button", { name: "taps 1" })).toBeInTheDocument();
  });

  it("loads a chunk once however often it is preloaded, and again after a failure", async () => {
    // Given a chunk that fails once, then loads
    let calls = 0;
    const Page = preloadable(async () => {
      calls += 1;
      if (calls === 1) throw new Error("chunk failed");
      return { default: Counter };
    });
    // When it is preloaded after the failure, twice at once
    await expect(Page.preload()).rejects.toThrow("chunk failed");
    await Promise.all([Page.preload(), Page.preload()]);
    // Then it was fetched once more, not twice more
    expect(calls).toBe(2);
  });
});
