// Initial weights for the open model's runs: your uploaded files, the one chosen (an upload or an
// earlier run's checkpoint), and the server's strict key report for it. The choice belongs to the
// document it was made for (useDoc's `loaded`): opening another model drops it.
import { create } from "zustand";
import { weightsApi, type InitFrom, type KeyReport, type WeightsInfo } from "../api/weights";
import { useDoc } from "./doc";
import { currentSource } from "./runActions";
import { toast } from "./ui";

interface WeightsState {
  files: WeightsInfo[];
  listError: string | null;
  choice: InitFrom | null;
  /** The document the choice was made for. */
  of: number | null;
  report: KeyReport | null;
  checking: boolean;
  checkError: string | null;
  /** The name of the file being uploaded. */
  uploading: string | null;
}

export const useWeights = create<WeightsState>(() => ({
  files: [], listError: null, choice: null, of: null, report: null, checking: false, checkError: null, uploading: null,
}));

/** The initial weights a run of the open document starts from, if any were chosen for it. */
export function currentInitFrom(): InitFrom | undefined {
  const { choice, of } = useWeights.getState();
  return choice && of === useDoc.getState().loaded ? choice : undefined;
}

export async function loadWeights(): Promise<void> {
  try {
    useWeights.setState({ files: await weightsApi.list(), listError: null });
  } catch (e) {
    useWeights.setState({ listError: (e as Error).message });
  }
}

export function chooseInit(choice: InitFrom | null): void {
  useWeights.setState({ choice, of: useDoc.getState().loaded, report: null, checkError: null });
}

export async function uploadWeights(file: File): Promise<void> {
  useWeights.setState({ uploading: file.name });
  try {
    const info = await weightsApi.upload(file);
    useWeights.setState((s) => ({ files: [info, ...s.files] }));
    chooseInit({ weights_id: info.id });
    toast(`Uploaded ${info.name}: ${info.tensors} tensors, ${info.params.toLocaleString()} params`);
  } catch (e) {
    toast(`Upload failed: ${(e as Error).message}`, true);
  } finally {
    useWeights.setState({ uploading: null });
  }
}

export async function removeWeights(id: string): Promise<void> {
  try {
    await weightsApi.remove(id);
    useWeights.setState((s) => ({
      files: s.files.filter((f) => f.id !== id),
      ...(s.choice && "weights_id" in s.choice && s.choice.weights_id === id ? { choice: null, report: null } : {}),
    }));
  } catch (e) {
    toast(`Could not delete the weights: ${(e as Error).message}`, true);
  }
}

let inFlight: AbortController | null = null;

/** Ask the server whether the chosen weights load strictly into the model as it is now. */
export async function checkInit(): Promise<void> {
  inFlight?.abort();
  const choice = currentInitFrom();
  if (!choice) return;
  const controller = (inFlight = new AbortController());
  useWeights.setState({ checking: true });
  try {
    const report = await weightsApi.check(currentSource(), choice, controller.signal);
    if (inFlight === controller) useWeights.setState({ report, checkError: null });
  } catch (e) {
    if (inFlight === controller && (e as Error).name !== "AbortError") useWeights.setState({ report: null, checkError: (e as Error).message });
  } finally {
    if (inFlight === controller) useWeights.setState({ checking: false });
  }
}
