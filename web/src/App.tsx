import { lazy, Suspense, useEffect } from "react";
import { AuthDialog } from "./components/AuthDialog";
import { DiscardDialog } from "./components/DiscardDialog";
import { ShortcutHelp } from "./components/ShortcutHelp";
import { Toast } from "./components/Toast";
import { Tour } from "./components/Tour";
import { EditorPage } from "./pages/EditorPage";
import { ModelsPage } from "./pages/ModelsPage";
import { QuickStartPage } from "./pages/QuickStartPage";
import { useRoute } from "./router";
import { loadSession } from "./store/auth";
import { loadCatalog } from "./store/catalog";
import { startLiveCheck } from "./store/check";
import { keepDraft, restoreDraft } from "./store/draft";

// The runs UI brings uPlot: loaded on first use.
const ComparePage = lazy(() => import("./pages/ComparePage"));
const LabPage = lazy(() => import("./pages/LabPage"));
// The market brings markdown-it and DOMPurify; the editor alone does not need them.
const MarketPage = lazy(() => import("./pages/MarketPage").then((m) => ({ default: m.MarketPage })));
const MarketModelPage = lazy(() => import("./pages/MarketModelPage").then((m) => ({ default: m.MarketModelPage })));
const ProfilePage = lazy(() => import("./pages/ProfilePage").then((m) => ({ default: m.ProfilePage })));
const AccountPage = lazy(() => import("./pages/AccountPage").then((m) => ({ default: m.AccountPage })));
// The inference studio's page (#/use).
const UsePage = lazy(() => import("./inference/UsePage"));
const loading = <div className="muted pad">Loading…</div>;

export function App() {
  const route = useRoute();
  useEffect(() => {
    void loadCatalog();
    void loadSession();
    restoreDraft();
    const stopDraft = keepDraft();
    const stopCheck = startLiveCheck();
    return () => (stopDraft(), stopCheck());
  }, []);
  return (
    <>
      {route.page === "editor" && <EditorPage modelId={route.modelId} />}
      {route.page === "models" && <ModelsPage />}
      {route.page === "quickstart" && <QuickStartPage />}
      {route.page === "compare" && <Suspense fallback={loading}><ComparePage ids={route.ids} experiment={route.experiment} /></Suspense>}
      {route.page === "lab" && <Suspense fallback={loading}><LabPage /></Suspense>}
      {route.page === "market" && <Suspense fallback={loading}><MarketPage /></Suspense>}
      {route.page === "marketModel" && <Suspense fallback={loading}><MarketModelPage key={route.id} id={route.id} /></Suspense>}
      {route.page === "profile" && <Suspense fallback={loading}><ProfilePage key={route.name} name={route.name} /></Suspense>}
      {route.page === "account" && <Suspense fallback={loading}><AccountPage /></Suspense>}
      {route.page === "use" && <Suspense fallback={loading}><UsePage key={route.runId ?? 0} runId={route.runId} /></Suspense>}
      <AuthDialog />
      <DiscardDialog />
      <ShortcutHelp />
      <Tour />
      <Toast />
    </>
  );
}
