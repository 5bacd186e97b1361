// The catalog, fetched once from GET /api/v1/catalog. Every form and node is driven by it.
import { create } from "zustand";
import { api } from "../api/client";
import type { Catalog } from "../api/types";

interface CatalogState {
  catalog: Catalog | null;
  error: string | null;
}

export const useCatalog = create<CatalogState>(() => ({ catalog: null, error: null }));

let loading: Promise<void> | null = null;
export function loadCatalog(): Promise<void> {
  loading ??= api
    .catalog()
    .then((catalog) => useCatalog.setState({ catalog, error: null }))
    .catch((e: Error) => {
      loading = null;
      useCatalog.setState({ error: e.message });
    });
  return loading;
}

export const useLayerSpec = (type: string | undefined) => useCatalog((s) => (type ? s.catalog?.layers[type] : undefined));
