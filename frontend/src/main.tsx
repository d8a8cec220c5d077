import "@cloudscape-design/global-styles/index.css";
import "./styles.css";
import { disableMotion } from "@cloudscape-design/global-styles";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { ApiClient } from "./api/client";
import { appRoutes } from "./App";
import { createAmplifyAuth } from "./auth/amplifyAuth";
import { loadRuntimeConfig } from "./config/runtimeConfig";
import { reloadOnStaleChunks } from "./shell/staleChunks";

disableMotion(true);
reloadOnStaleChunks(window);
const root = createRoot(document.getElementById("root")!);
// The app's root URL (config.json lives there): the page URL may be a deep link such as /models/x/versions.
const appRoot = new URL(import.meta.env.BASE_URL, window.location.origin).toString();

loadRuntimeConfig(appRoot)
  .then((config) => {
    const auth = createAmplifyAuth(config);
    const api = new ApiClient({ baseUrl: config.apiUrl, getToken: () => auth.idToken() });
    const router = createBrowserRouter(appRoutes({ auth, api, region: config.region }));
    root.render(
      <StrictMode>
        <RouterProvider router={router} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <main>
        <Box padding="l">
          <Alert type="error" header="The app could not start">
            {error instanceof Error ? error.message : String(error)}
          </Alert>
        </Box>
      </main>,
    );
  });
