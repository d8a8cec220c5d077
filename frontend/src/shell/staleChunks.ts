/**
 * After a deploy, the hashed chunks an open tab was built with are gone (the web bucket is pruned) and CloudFront
 * answers them with the app shell: the next lazy page fails to load. Vite reports that as `vite:preloadError`;
 * the tab then loads the new app once, at the same URL. A second failure in the same tab is left to the error
 * boundary, so a broken deploy cannot reload forever.
 */
export const RELOADED_KEY = "model-studio:reloaded-for-stale-chunks";

interface PageLike {
  addEventListener(type: "vite:preloadError", listener: (event: Event) => void): void;
  sessionStorage: Pick<Storage, "getItem" | "setItem">;
  location: Pick<Location, "reload">;
}

export function reloadOnStaleChunks(page: PageLike): void {
  page.addEventListener("vite:preloadError", (event) => {
    if (page.sessionStorage.getItem(RELOADED_KEY) !== null) return;
    page.sessionStorage.setItem(RELOADED_KEY, new Date().toISOString());
    event.preventDefault();
    page.location.reload();
  });
}
