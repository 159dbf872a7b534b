import { isEnded } from '../model/stage';

/** What following an import needs from the API; the screens pass the typed client's calls. */
export interface FollowDeps<T extends { status: string; version: number }> {
  /** POST /api/imports/:id/events/ticket → the URL to open with EventSource. */
  ticket(): Promise<{ url: string }>;
  /** GET /api/imports/:id */
  fetch(): Promise<T>;
  onUpdate(run: T): void;
  /** Which way the updates come, for the screen (and the tests). */
  onMode?(mode: 'stream' | 'polling'): void;
  pollMs?: number;
  createEventSource?: (url: string) => EventSource;
}

/**
 * Follows an import live: a ticket, then a plain EventSource on its URL (EventSource cannot send a
 * bearer token). The browser reconnects by itself when the server ends a stream after its lifetime
 * (Last-Event-ID resumes). If the stream cannot be opened or is refused (a used-up ticket answers 401 and
 * EventSource gives up: readyState CLOSED), it falls back to polling GET /api/imports/:id. Stops on `end`
 * or when the import has ended. Returns the function that stops following.
 */
export function followImport<T extends { status: string; version: number }>(deps: FollowDeps<T>): () => void {
  let stopped = false;
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastVersion = -1;
  const pollMs = deps.pollMs ?? 1000;

  const deliver = (run: T) => {
    if (stopped) return;
    if (run.version >= lastVersion) {
      lastVersion = run.version;
      deps.onUpdate(run);
    }
    if (isEnded(run.status)) stop();
  };

  const poll = async () => {
    if (stopped) return;
    try {
      deliver(await deps.fetch());
    } catch {
      // a passing network error: try again
    }
    if (!stopped) timer = setTimeout(poll, pollMs);
  };

  const startPolling = () => {
    source?.close();
    source = undefined;
    if (stopped) return;
    deps.onMode?.('polling');
    void poll();
  };

  const stop = () => {
    stopped = true;
    source?.close();
    if (timer) clearTimeout(timer);
  };

  const open = async () => {
    if (typeof EventSource === 'undefined' && !deps.createEventSource) return startPolling();
    try {
      const { url } = await deps.ticket();
      if (stopped) return;
      const es = deps.createEventSource ? deps.createEventSource(url) : new EventSource(url);
      source = es;
      deps.onMode?.('stream');
      const onData = (event: MessageEvent) => {
        try {
          deliver(JSON.parse(String(event.data)) as T);
        } catch {
          // a malformed event: the next one or the poll repairs it
        }
      };
      es.addEventListener('progress', onData as EventListener);
      es.addEventListener('end', ((event: MessageEvent) => {
        onData(event);
        stop();
      }) as EventListener);
      es.onerror = () => {
        // CONNECTING: the browser retries by itself (the server ended the stream after its lifetime).
        if (es.readyState === 2 /* CLOSED */ && !stopped) startPolling();
      };
    } catch {
      startPolling();
    }
  };

  void open();
  return stop;
}
