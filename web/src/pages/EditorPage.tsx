import { ReactFlowProvider } from "@xyflow/react";
import { useEffect } from "react";
import { Breadcrumb } from "../canvas/Breadcrumb";
import { Canvas } from "../canvas/Canvas";
import { useShortcuts } from "../canvas/useShortcuts";
import { Palette } from "../palette/Palette";
import { SidePanel } from "../panels/SidePanel";
import { openModel } from "../store/persist";
import { TopBar } from "../topbar/TopBar";

function Editor() {
  useShortcuts();
  return (
    <div className="tc-editor">
      <TopBar />
      <div className="tc-main">
        <Palette />
        <div className="tc-center" data-tour="canvas">
          <Breadcrumb />
          <Canvas />
        </div>
        <SidePanel />
      </div>
    </div>
  );
}

export function EditorPage({ modelId }: { modelId: string | null }) {
  useEffect(() => {
    if (modelId) void openModel(modelId);
  }, [modelId]);
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
