// Starting, following (server-sent events), cancelling and listing runs.
import { ApiError } from "../api/client";
import { ACTIVE, eventsUrl, EVENT_TYPES, runsApi, type Overrides, type RunEvent, type Source } from "../api/runs";
import { useDoc } from "./doc";
import { applyEvents, emptyRun, fromRead } from "./runEvents";
import { useRuns } from "./runs";
import { toast } from "./ui";
import { currentInitFrom } from "./weights";

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

/** Which document a runs list is of: a saved model, or the unsaved document opened as the N-th. */
function listKey(): string {
  const { modelId, loaded } = useDoc.getState();
  return modelId ? `model:${modelId}` : `draft:${loaded}`;
}

/** The runs started from the open unsaved document (none once another document is opened). */
function draftRuns(): number[] {
  const { mine, mineOf } = useRuns.getState();
  return mineOf === useDoc.getState().loaded ? mine : [];
}

/** Start a run; throws ApiError (e.g. 422 when the training config does not fit the model). */
export async function startRun(overrides: Overrides): Promise<number> {
  const init = currentInitFrom();
  const run = await runsApi.create({ ...currentSource(), ...overrides, ...(init ? { init_from: init } : {}) });
  const loaded = useDoc.getState().loaded;
  const key = listKey();
  useRuns.setState((s) => ({
    drawer: true, shown: run.id, mine: [run.id, ...(s.mineOf === loaded ? s.mine : [])], mineOf: loaded,
    live: { ...s.live, [run.id]: fromRead(run) },
    // The list is now of this document (the run shown stays when refreshList comes).
    ...(s.listOf !== key ? { list: [], listOf: key, ticked: {} } : {}),
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

/**
 * The runs of the saved model, or (unsaved) those started from this document in this tab. The
 * list of another document is dropped at once (with the run shown from it), and an answer that
 * comes back after another model was opened is ignored.
 */
export async function refreshList(): Promise<void> {
  const key = listKey();
  const { modelId } = useDoc.getState();
  if (useRuns.getState().listOf !== key) useRuns.setState({ list: [], listOf: key, listError: null, shown: null, ticked: {} });
  try {
    const page = await runsApi.list(modelId);
    if (listKey() !== key) return;
    const mine = new Set(draftRuns());
    useRuns.setState({ list: modelId ? page.items : page.items.filter((r) => mine.has(r.id)), listError: null });
  } catch (e) {
    if (listKey() === key) useRuns.setState({ listError: (e as Error).message });
  }
}

/**
 * The draft was just saved as `modelId` (its first save): its runs join that model on the
 * server, and the list (with the run shown) carries over. Call before the store takes the id.
 */
export async function attachDraftRuns(modelId: string): Promise<void> {
  const ids = draftRuns();
  if (!ids.length) return;
  const failed: number[] = [];
  await Promise.all(ids.map((id) => runsApi.attach(id, modelId).catch(() => failed.push(id))));
  if (failed.length) toast(`Run${failed.length > 1 ? "s" : ""} #${failed.join(", #")} stayed apart from the saved model`, true);
  if (useRuns.getState().listOf === listKey()) useRuns.setState({ listOf: `model:${modelId}` });
}
