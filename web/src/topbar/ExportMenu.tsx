import { useReactFlow } from "@xyflow/react";
import { useRef, useState } from "react";
import { downloadJson, downloadOnnx, downloadZip } from "../panels/exports";
import { useDoc } from "../store/doc";
import { importJson } from "../store/persist";
import { toast } from "../store/ui";
import { exportImage } from "./imageExport";

export function ExportMenu() {
  const [open, setOpen] = useState(false);
  // An uploaded data set (by id) can travel with the code, in train.py's --data-root folder.
  const uploaded = useDoc((s) => typeof s.doc.training.dataset.params?.dataset === "number");
  const file = useRef<HTMLInputElement>(null);
  const { getInternalNode } = useReactFlow();
  const image = (kind: "png" | "svg") =>
    exportImage(kind, useDoc.getState().doc.name.replace(/[^A-Za-z0-9_-]+/g, "_") || "model", (id) => getInternalNode(id)?.measured).catch((e: Error) =>
      toast(`Image export failed: ${e.message}`, true),
    );
  const item = (id: string, label: string, run: () => void) => (
    <button data-testid={`export-${id}`} onClick={() => (setOpen(false), run())}>{label}</button>
  );
  return (
    <div className="tc-menu" onMouseLeave={() => setOpen(false)}>
      <button onClick={() => setOpen((o) => !o)} data-testid="export-menu">Export ▾</button>
      {open && (
        <div className="tc-menu-list">
          {item("json", "Graph JSON", downloadJson)}
          {item("png", "Diagram PNG", () => void image("png"))}
          {item("svg", "Diagram SVG", () => void image("svg"))}
          {item("zip", "Code (zip)", () => void downloadZip())}
          {uploaded && item("zip-data", "Code + data set (zip)", () => void downloadZip(true))}
          {item("onnx", "ONNX", () => void downloadOnnx())}
          <hr />
          {item("import", "Import JSON…", () => file.current?.click())}
        </div>
      )}
      <input
        ref={file}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importJson(f);
          e.target.value = "";
        }}
      />
    </div>
  );
}
