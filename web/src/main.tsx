import "./styles.css";

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";

import { App } from "./App";
import { createApi } from "./api/client";
import { AuthProvider } from "./auth/AuthContext";

// The API's origin: the page's own locally (the local host serves both); in Azure the Function App's, given
// at build time (azd sets VITE_API_BASE_URL from the deployment's SERVICE_API_URI; see azure.yaml).
const api = createApi({ baseUrl: import.meta.env.VITE_API_BASE_URL || undefined });

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <AuthProvider api={api}>
        <App />
      </AuthProvider>
    </BrowserRouter>
  </StrictMode>,
);
