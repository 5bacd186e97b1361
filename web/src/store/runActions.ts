// Starting, following (server-sent events), cancelling and listing runs.
import { ApiError } from "../api/client";
import { ACTIVE, eventsUrl, EVENT_TYPES, runsApi, type Overrides, type RunEvent, type Source } from "../api/runs";
import { useDoc } from "./doc";
import { applyEvents, emptyRun, fromRead } from "./runEvents";
import { useRuns } from "./runs";
import { toast } from "./ui";

const FLUSH_MS = 100;
const streams = new Map<number, EventSource>();

export const setDrawer = (drawer: boolean) => useRuns.setState({ drawer });
export const setExperimentDialog = (experimentDialog: boolean) => useRuns.setState({ experimentDialog });
export const toggleTicked = (id: number) =>
  useRuns.setState((s) => {
    const ticked = { ...s.ticked };
    if (ticked[id]) delete ticked[id];
    else ticked[id] = true;
    return { ticked };
  });

/** The source of a run of the open model: the saved model, else the graph itself. */
export function currentSource(): Source {
  const { modelId, doc } = useDoc.getState();
  return modelId ? { model_id: modelId } : { graph: doc };
}

/** Start a run; throws ApiError (e.g. 422 when the training config does not fit the model). */
export async function startRun(overrides: Overrides): Promise<number> {
  const run = await runsApi.create({ ...currentSource(), ...overrides });
  useRuns.setState((s) => ({
    drawer: true, shown: run.id, mine: [run.id, ...s.mine], live: { ...s.live, [run.id]: fromRead(run) },
  }));
  follow(run.id);
  void refreshList();
  return run.id;
}

/** Follow a run's events; events are applied in batches so a fast run re-renders ~10 times a second. */
export function follow(id: number): void {
  if (streams.has(id)) return;
  const source = new EventSource(eventsUrl(id));
  streams.set(id, source);
  // The stream replays every stored event first: start from an empty view.
  useRuns.setState((s) => ({ live: { ...s.live, [id]: emptyRun(id, s.live[id]?.status ?? "queued") } }));
  let buffer: RunEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    const events = buffer;
    buffer = [];
    useRuns.setState((s) => ({ live: { ...s.live, [id]: applyEvents(s.live[id] ?? emptyRun(id), events) } }));
    if (events.some((e) => e.type === "finished")) void refreshList();
  };
  const onMessage = (m: MessageEvent<string>) => {
    const event = JSON.parse(m.data) as RunEvent;
    buffer.push(event);
    if (event.type === "finished") {
      source.close();
      streams.delete(id);
      clearTimeout(timer);
      flush();
    } else timer ??= setTimeout(flush, FLUSH_MS);
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, onMessage as EventListener);
}

export function unfollowAll(): void {
  for (const s of streams.values()) s.close();
  streams.clear();
}

/** Show a run in the drawer: a finished one from its stored metrics, an active one live. */
export async function showRun(id: number): Promise<void> {
  useRuns.setState({ shown: id, drawer: true });
  if (streams.has(id)) return;
  try {
    const run = await runsApi.get(id);
    useRuns.setState((s) => ({ live: { ...s.live, [id]: fromRead(run) } }));
    if (ACTIVE.has(run.status)) follow(id);
  } catch (e) {
    toast(`Could not load run ${id}: ${(e as Error).message}`, true);
  }
}

export async function cancelRun(id: number): Promise<void> {
  try {
    const run = await runsApi.cancel(id);
    useRuns.setState((s) => ({ live: { ...s.live, [id]: { ...(s.live[id] ?? fromRead(run)), status: run.status } } }));
  } catch (e) {
    // 409: it finished meanwhile; the stream brings the final status.
    if (!(e instanceof ApiError && e.status === 409)) toast(`Cancel failed: ${(e as Error).message}`, true);
  }
  void refreshList();
}

/** The runs of the saved model, or (unsaved) the runs started from this tab. */
export async function refreshList(): Promise<void> {
  const { modelId } = useDoc.getState();
  try {
    const page = await runsApi.list(modelId);
    const mine = new Set(useRuns.getState().mine);
    useRuns.setState({ list: modelId ? page.items : page.items.filter((r) => mine.has(r.id)), listError: null });
  } catch (e) {
    useRuns.setState({ listError: (e as Error).message });
  }
}
