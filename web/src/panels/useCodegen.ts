// Regenerates code after each successful check (debounced), dropping stale responses.
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import { useCheck } from "../store/check";
import { useDoc } from "../store/doc";

export function useCodegen(): { files: Record<string, string>; error: string | null; pending: boolean } {
  const okSeq = useCheck((s) => s.okSeq);
  const [state, setState] = useState({ files: {} as Record<string, string>, error: null as string | null, pending: false });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      setState((s) => ({ ...s, pending: true }));
      api
        .codegen(useDoc.getState().doc, ctl.signal)
        .then((r) => mine === seq.current && setState({ files: r.files ?? {}, error: null, pending: false }))
        .catch((e: Error) => {
          if (mine === seq.current && e.name !== "AbortError") setState((s) => ({ ...s, error: e.message, pending: false }));
        });
    }, 250);
    return () => (clearTimeout(t), ctl.abort());
  }, [okSeq]);
  return state;
}
