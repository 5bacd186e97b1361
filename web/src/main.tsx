import "@xyflow/react/dist/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { api } from "./api/client";
import { setDefaults } from "./store/defaults";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

// The app is imported only once the server's defaults are here: the document store builds its
// first document from them when it is created (on import).
api
  .defaults()
  .then(setDefaults)
  .then(() => import("./App"))
  .then(
    ({ App }) =>
      root.render(
        <StrictMode>
          <App />
        </StrictMode>,
      ),
    (e: Error) =>
      root.render(
        <div className="pad tc-error-box" data-testid="boot-error">
          Could not reach the torchcanvas server ({e.message}). Is <code>torchcanvas serve</code> running? Reload to retry.
        </div>,
      ),
  );
