import { ReactFlowProvider } from "@xyflow/react";
import { lazy, Suspense, useEffect, useRef } from "react";
import { Breadcrumb } from "../canvas/Breadcrumb";
import { Canvas } from "../canvas/Canvas";
import { useShortcuts } from "../canvas/useShortcuts";
import { Palette } from "../palette/Palette";
import { SidePanel } from "../panels/SidePanel";
import { SideResizer } from "../panels/SideResizer";
import { useDoc } from "../store/doc";
import { useRuns } from "../store/runs";
import { openModel } from "../store/persist";
import { TopBar } from "../topbar/TopBar";

// The runs drawer brings uPlot: loaded the first time it opens.
const RunDrawer = lazy(() => import("../runs/RunDrawer"));

function Editor() {
  useShortcuts();
  const runsUsed = useRuns((s) => s.drawer || s.experimentDialog || s.mine.length > 0);
  return (
    <div className="tc-editor">
      <TopBar />
      <div className="tc-main">
        <Palette />
        <div className="tc-center" data-tour="canvas">
          <Breadcrumb />
          <Canvas />
        </div>
        <SideResizer />
        <SidePanel />
      </div>
      {runsUsed && <Suspense fallback={null}><RunDrawer /></Suspense>}
    </div>
  );
}

export function EditorPage({ modelId }: { modelId: string | null }) {
  const mounted = useRef(false);
  useEffect(() => {
    if (modelId) void openModel(modelId, !mounted.current);
    mounted.current = true;
  }, [modelId]);
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (useDoc.getState().dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
