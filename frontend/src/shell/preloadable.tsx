/**
 * `React.lazy` for a component whose chunk is fetched ahead of time (`preload`). A lazy component suspends on its first
 * render even when its module is already in, and React then holds the content back until its fallback has been shown
 * for a minimum time (some 300 ms); a preloadable renders the loaded component directly instead, and falls back to the
 * lazy one only when its chunk is still on its way. Each mounted instance keeps the type it started with, so a page
 * never remounts (and loses its state) when its chunk arrives.
 */
import { lazy, useState, type ComponentType } from "react";

type Module<P> = { default: ComponentType<P> };

export function preloadable<P extends object>(load: () => Promise<Module<P>>) {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<Module<P>> | undefined;
  const preload = (): Promise<Module<P>> =>
    (loading ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => {
        loading = undefined; // a chunk that failed to load is fetched again next time
        throw error;
      },
    ));
  const Lazy = lazy(preload);

  function Preloadable(props: P) {
    const [Component] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Component {...props} />;
  }
  return Object.assign(Preloadable, { preload });
}
