// Training runs seen from the editor: the drawer, the run shown in it, every followed run's
// live view (built by ./runEvents.ts), the runs list and the runs ticked for comparison.
// Actions live in ./runActions.ts.
import { create } from "zustand";
import type { RunSummary } from "../api/runs";
import type { RunLive } from "./runEvents";

export interface RunsState {
  drawer: boolean;
  /** The run shown in the drawer. */
  shown: number | null;
  live: Record<number, RunLive>;
  list: RunSummary[];
  /** Which document the list is of (runActions.listKey): a list of another one is never shown. */
  listOf: string | null;
  listError: string | null;
  /** Runs ticked in the list, for the comparison page. */
  ticked: Record<number, true>;
  /** Runs started from this tab: the list of an unsaved model shows these. */
  mine: number[];
  /** The document (useDoc's `loaded` count) the runs in `mine` were started from. */
  mineOf: number | null;
  /** The experiment dialog is open. */
  experimentDialog: boolean;
}

export const useRuns = create<RunsState>(() => ({
  drawer: false, shown: null, live: {}, list: [], listOf: null, listError: null, ticked: {}, mine: [], mineOf: null, experimentDialog: false,
}));
