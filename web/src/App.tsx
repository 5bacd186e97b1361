import { useEffect } from "react";
import { ShortcutHelp } from "./components/ShortcutHelp";
import { Toast } from "./components/Toast";
import { Tour } from "./components/Tour";
import { EditorPage } from "./pages/EditorPage";
import { ModelsPage } from "./pages/ModelsPage";
import { QuickStartPage } from "./pages/QuickStartPage";
import { useRoute } from "./router";
import { loadCatalog } from "./store/catalog";
import { startLiveCheck } from "./store/check";

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
      <ShortcutHelp />
      <Tour />
      <Toast />
    </>
  );
}
