/** The console's routes under the auth gate; every page is its own chunk, loaded when its URL is opened. */
import { lazy } from "react";
import { Navigate, useParams, type RouteObject } from "react-router";
import { AdminOnly, HomeRedirect, NotFound } from "./guards";
import { paths } from "./routes";

const ModelsPage = lazy(() => import("../pages/ModelsPage"));
const ModelDetailPage = lazy(() => import("../pages/ModelDetailPage"));
const CreateModelPage = lazy(() => import("../pages/CreateModelPage"));
const AuditPage = lazy(() => import("../pages/AuditPage"));
const TestPage = lazy(() => import("../pages/TestPage"));

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
  { path: "models", element: <ModelsPage /> },
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
  { path: "test", element: <TestPage /> },
  { path: "*", element: <NotFound /> },
];
