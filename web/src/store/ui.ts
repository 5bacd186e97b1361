// Transient UI state: side panel tab, overlays. Nothing here is saved.
import { create } from "zustand";

export type Tab = "params" | "training" | "code" | "summary";

export interface ToastState {
  text: string;
  error?: boolean;
  /** Amber: something the user can fix (the training config), not a failure of the app. */
  warning?: boolean;
  /** Checked after each edit and check result: the toast goes away once it returns true. */
  dismissWhen?: () => boolean;
  action?: { label: string; run: () => void };
}

interface UiState {
  tab: Tab;
  help: boolean;
  tourStep: number | null;
  toast: ToastState | null;
  /** A saved model is being fetched (the canvas shows a loading veil). */
  opening: boolean;
  /** The canvas size in px (auto-layout wraps long chains to fit it). */
  canvasSize: { width: number; height: number } | null;
}

export const useUi = create<UiState>(() => ({ tab: "params", help: false, tourStep: null, toast: null, opening: false, canvasSize: null }));

export const setTab = (tab: Tab) => useUi.setState({ tab });
export const toggleHelp = (help?: boolean) => useUi.setState((s) => ({ help: help ?? !s.help }));
export const setTourStep = (tourStep: number | null) => useUi.setState({ tourStep });

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(text: string, error = false, extra: Omit<ToastState, "text" | "error"> = {}): void {
  clearTimeout(toastTimer);
  useUi.setState({ toast: { text, error, ...extra } });
  const long = error || extra.warning || extra.action;
  toastTimer = setTimeout(dismissToast, long ? 8000 : 2500);
}

export function dismissToast(): void {
  clearTimeout(toastTimer);
  useUi.setState({ toast: null });
}

/** Drop a toast whose cause is gone (called after edits and check results). */
export function recheckToast(): void {
  const t = useUi.getState().toast;
  if (t?.dismissWhen?.()) dismissToast();
}
