import { api, downloadBlob } from "../api/client";
import { useDoc } from "../store/doc";
import { toast } from "../store/ui";

const fileBase = () => useDoc.getState().doc.name.replace(/[^A-Za-z0-9_-]+/g, "_") || "model";

export async function downloadZip(): Promise<void> {
  try {
    downloadBlob(await api.codegenZip(useDoc.getState().doc), `${fileBase()}.zip`);
  } catch (e) {
    toast(`Zip export failed: ${(e as Error).message}`, true);
  }
}

export async function downloadOnnx(): Promise<void> {
  try {
    toast("Exporting ONNX…");
    downloadBlob(await api.onnx(useDoc.getState().doc), `${fileBase()}.onnx`);
  } catch (e) {
    toast(`ONNX export failed: ${(e as Error).message}`, true);
  }
}

export function downloadJson(): void {
  const doc = useDoc.getState().doc;
  downloadBlob(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), `${fileBase()}.json`);
}
