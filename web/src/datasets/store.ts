// The data sets the Training tab lists (yours and the public ones), and the upload dialog's state.
import { create } from "zustand";
import type { DatasetRead, DatasetSummary } from "./api";
import { datasetsApi } from "./api";

interface DatasetsState {
  items: DatasetSummary[];
  loaded: boolean;
  error: string | null;
  /** Full reads (with the sample grid), by id, fetched when a data set is opened. */
  details: Record<number, DatasetRead>;
  uploadOpen: boolean;
}

export const useDatasets = create<DatasetsState>(() => ({ items: [], loaded: false, error: null, details: {}, uploadOpen: false }));

export async function loadDatasets(): Promise<void> {
  try {
    useDatasets.setState({ items: await datasetsApi.list(), loaded: true, error: null });
  } catch (e) {
    useDatasets.setState({ loaded: true, error: (e as Error).message });
  }
}

export async function loadDetail(id: number): Promise<DatasetRead | null> {
  const known = useDatasets.getState().details[id];
  if (known) return known;
  try {
    const read = await datasetsApi.get(id);
    useDatasets.setState((s) => ({ details: { ...s.details, [id]: read } }));
    return read;
  } catch {
    return null;
  }
}

/** A data set just uploaded: listed first, its full read kept. */
export function added(read: DatasetRead): void {
  useDatasets.setState((s) => ({
    items: [read, ...s.items.filter((d) => d.id !== read.id)],
    details: { ...s.details, [read.id]: read },
  }));
}

export async function removeDataset(id: number): Promise<void> {
  await datasetsApi.remove(id);
  useDatasets.setState((s) => ({ items: s.items.filter((d) => d.id !== id) }));
}

export const setUploadOpen = (uploadOpen: boolean) => useDatasets.setState({ uploadOpen });
