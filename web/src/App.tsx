import { lazy, Suspense, useEffect } from "react";
import { ShortcutHelp } from "./components/ShortcutHelp";
import { Toast } from "./components/Toast";
import { Tour } from "./components/Tour";
import { EditorPage } from "./pages/EditorPage";
import { ModelsPage } from "./pages/ModelsPage";
import { QuickStartPage } from "./pages/QuickStartPage";
import { useRoute } from "./router";
import { loadCatalog } from "./store/catalog";
import { startLiveCheck } from "./store/check";

// The runs UI brings uPlot: loaded on first use.
const ComparePage = lazy(() => import("./pages/ComparePage"));
const LabPage = lazy(() => import("./pages/LabPage"));
const loading = <div className="muted pad">Loading…</div>;

export function App() {
  const route = useRoute();
  useEffect(() => {
    void loadCatalog();
    return startLiveCheck();
  }, []);
  return (
    <>
      {route.page === "editor" && <EditorPage modelId={route.modelId} />}
      {route.page === "models" && <ModelsPage />}
      {route.page === "quickstart" && <QuickStartPage />}
      {route.page === "compare" && <Suspense fallback={loading}><ComparePage ids={route.ids} experiment={route.experiment} /></Suspense>}
      {route.page === "lab" && <Suspense fallback={loading}><LabPage /></Suspense>}
      <ShortcutHelp />
      <Tour />
      <Toast />
    </>
  );
}
