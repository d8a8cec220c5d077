/**
 * The console's routes under the auth gate; every page is its own chunk, loaded when its URL is opened. The landing
 * pages (models, test) load earlier through `preloadPage`: signed in, the page's chunk loads with the console shell's
 * and while the identity and the models are fetched (`opening.ts`), and renders without suspending once it is in.
 * Admin pages are not preloaded: a plain user who opens one is shown why, and would fetch it for nothing.
 */
import { lazy } from "react";
import { matchRoutes, Navigate, useParams, type RouteObject } from "react-router";
import { AdminOnly, HomeRedirect, NotFound } from "./guards";
import { preloadable } from "./preloadable";
import { paths } from "./routes";

const ModelsPage = preloadable(() => import("../pages/ModelsPage"));
const ModelDetailPage = lazy(() => import("../pages/ModelDetailPage"));
const CreateModelPage = lazy(() => import("../pages/CreateModelPage"));
const AuditPage = lazy(() => import("../pages/AuditPage"));
const TestPage = preloadable(() => import("../pages/TestPage"));

/** One page instance per model: opening another model starts a fresh editor. */
function ModelDetailRoute() {
  const { modelId = "" } = useParams();
  return <ModelDetailPage key={modelId} />;
}

function ModelRedirect() {
  const { modelId = "" } = useParams();
  return <Navigate to={paths.model(modelId)} replace />;
}

export const consoleRoutes: RouteObject[] = [
  { index: true, element: <HomeRedirect /> },
  { path: "models", element: <ModelsPage />, handle: { preload: ModelsPage.preload } },
  {
    path: "models/new",
    element: (
      <AdminOnly>
        <CreateModelPage />
      </AdminOnly>
    ),
  },
  { path: "models/:modelId", element: <ModelRedirect /> },
  {
    path: "models/:modelId/:tab",
    element: (
      <AdminOnly>
        <ModelDetailRoute />
      </AdminOnly>
    ),
  },
  {
    path: "audit",
    element: (
      <AdminOnly>
        <AuditPage />
      </AdminOnly>
    ),
  },
  { path: "test", element: <TestPage />, handle: { preload: TestPage.preload } },
  { path: "*", element: <NotFound /> },
];

/** Starts fetching the chunk of the page at `pathname` (a console URL), if it has one. */
export function preloadPage(pathname: string): void {
  for (const match of matchRoutes(consoleRoutes, pathname) ?? []) {
    const handle = match.route.handle as { preload?: () => Promise<unknown> } | undefined;
    void handle?.preload?.();
  }
}
