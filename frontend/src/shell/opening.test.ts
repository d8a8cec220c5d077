import { waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { createFakeApi, json } from "../test/fakeApi";
import { ADMIN_ME, ADMIN_MODELS } from "../test/fixtures/models";
import { openConsole } from "./opening";

// The console's chunk arrives when the test says so.
const chunk = vi.hoisted(() => {
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  return { arrive, arrived };
});
vi.mock("./Console", async () => {
  await chunk.arrived;
  return { default: () => null };
});

describe("opening the console", () => {
  it("fetches the identity and the models while the console's chunk is still on its way", async () => {
    // Given an API and a console chunk that has not arrived yet
    const { api, requests } = createFakeApi({ me: ADMIN_ME, models: ADMIN_MODELS });
    let opened = false;
    // When the console opens
    const opening = openConsole(api, "/models").then((result) => {
      opened = true;
      return result;
    });
    // Then both requests go out before the chunk is in, and the console waits for its chunk
    await waitFor(() => expect(requests.map((r) => r.path).sort()).toEqual(["/me", "/models"]));
    expect(opened).toBe(false);
    chunk.arrive();
    const { data } = await opening;
    // And the session data is the API's answers, fetched once
    await expect(data).resolves.toEqual({ me: ADMIN_ME, models: ADMIN_MODELS });
    expect(requests).toHaveLength(2);
  });

  it("leaves a failed request to the console: no unhandled rejection while it loads", async () => {
    // Given an API whose identity request fails
    const { api } = createFakeApi({
      me: ADMIN_ME,
      models: ADMIN_MODELS,
      routes: { "GET /me": () => json(401, { error: { code: "unauthorized", message: "expired" } }) },
    });
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      // When the console opens (its chunk has arrived in the test above)
      const { data } = await openConsole(api, "/models");
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Then nothing was reported unhandled, and the console still gets the failure to act on
      expect(unhandled).not.toHaveBeenCalled();
      await expect(data).rejects.toMatchObject({ status: 401 });
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });
});
