import { api, downloadBlob } from "../api/client";
import { useDoc } from "../store/doc";
import { useCheck } from "../store/check";
import { setTab, toast } from "../store/ui";

const trainingFits = () => (useCheck.getState().result?.issues ?? []).every((i) => i.severity !== "warning");

const fileBase = () => useDoc.getState().doc.name.replace(/[^A-Za-z0-9_-]+/g, "_") || "model";

export async function downloadZip(includeData = false): Promise<void> {
  try {
    if (includeData) toast("Packing the code with the data set…");
    downloadBlob(await api.codegenZip(useDoc.getState().doc, includeData), `${fileBase()}.zip`);
  } catch (e) {
    // Refused because the training config does not fit the model: amber, with the way to fix it,
    // and gone as soon as it fits.
    if (!trainingFits())
      toast(`Zip export failed: train.py needs a training config that fits the model. ${(e as Error).message}`, false, {
        warning: true,
        action: { label: "Open Training", run: () => setTab("training") },
        dismissWhen: trainingFits,
      });
    else toast(`Zip export failed: ${(e as Error).message}`, true);
  }
}

export async function downloadOnnx(): Promise<void> {
  try {
    toast("Exporting ONNX and verifying it with onnxruntime…");
    const { blob, verification } = await api.onnx(useDoc.getState().doc);
    downloadBlob(blob, `${fileBase()}.onnx`);
    toast(`Downloaded ${fileBase()}.onnx: ${verification || "exported"}`);
  } catch (e) {
    toast(`ONNX export failed: ${(e as Error).message}`, true);
  }
}

export function downloadJson(): void {
  const doc = useDoc.getState().doc;
  downloadBlob(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), `${fileBase()}.json`);
}
