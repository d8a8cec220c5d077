import "@cloudscape-design/global-styles/index.css";
import "./styles.css";
import { disableMotion } from "@cloudscape-design/global-styles";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiClient } from "./api/client";
import { App } from "./App";
import { createAmplifyAuth } from "./auth/amplifyAuth";
import { loadRuntimeConfig } from "./config/runtimeConfig";

disableMotion(true);
const root = createRoot(document.getElementById("root")!);

loadRuntimeConfig()
  .then((config) => {
    const auth = createAmplifyAuth(config);
    const api = new ApiClient({ baseUrl: config.apiUrl, getToken: () => auth.idToken() });
    root.render(
      <StrictMode>
        <App auth={auth} api={api} region={config.region} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <Box padding="l">
        <Alert type="error" header="The app could not start">
          {error instanceof Error ? error.message : String(error)}
        </Alert>
      </Box>,
    );
  });
