// Regenerates code after each successful check (debounced), dropping stale responses.
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { Issue } from "../api/types";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";

export interface Codegen {
  files: Record<string, string>;
  /** Why a file is missing: the training config does not fit the model, so no train.py. */
  issues: Issue[];
  error: string | null;
  pending: boolean;
}

export function useCodegen(): Codegen {
  const okSeq = useCheck((s) => s.okSeq);
  const [state, setState] = useState<Codegen>({ files: {}, issues: [], error: null, pending: false });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      setState((s) => ({ ...s, pending: true }));
      api
        .codegen(useDoc.getState().doc, ctl.signal)
        .then((r) => mine === seq.current && setState({ files: r.files ?? {}, issues: r.issues ?? [], error: null, pending: false }))
        .catch((e: Error) => {
          if (mine === seq.current && e.name !== "AbortError") setState((s) => ({ ...s, error: e.message, pending: false }));
        });
    }, 250);
    return () => (clearTimeout(t), ctl.abort());
  }, [okSeq]);
  return state;
}
