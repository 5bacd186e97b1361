// Transient UI state: side panel tab, overlays. Nothing here is saved.
import { create } from "zustand";

export type Tab = "params" | "training" | "code" | "summary";

interface UiState {
  tab: Tab;
  help: boolean;
  tourStep: number | null;
  toast: { text: string; error?: boolean } | null;
  /** A saved model is being fetched (the canvas shows a loading veil). */
  opening: boolean;
}

export const useUi = create<UiState>(() => ({ tab: "params", help: false, tourStep: null, toast: null, opening: false }));

export const setTab = (tab: Tab) => useUi.setState({ tab });
export const toggleHelp = (help?: boolean) => useUi.setState((s) => ({ help: help ?? !s.help }));
export const setTourStep = (tourStep: number | null) => useUi.setState({ tourStep });

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(text: string, error = false): void {
  clearTimeout(toastTimer);
  useUi.setState({ toast: { text, error } });
  toastTimer = setTimeout(() => useUi.setState({ toast: null }), error ? 5000 : 2500);
}
