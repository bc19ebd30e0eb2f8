/**
 * A minimal Server-Sent Events reader over fetch, for the alert stream (`GET /alerts`): what a partner
 * agency's client does, parsing the `text/event-stream` framing of the HTML standard (fields `id`,
 * `event`, `data`, `retry`; comment lines start with a colon; an empty line ends an event).
 */
export interface StreamEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface OpenStream {
  status: number;
  /** The response body when the gateway refused the stream. */
  refusal?: string;
  close(): void;
  /** Resolves when the stream ends (closed by either side). */
  done: Promise<void>;
}

/** Splits a chunked event stream into events; keeps the unfinished tail between chunks. */
export class EventStreamParser {
  private buffer = '';
  private id: string | null = null;
  private event = '';
  private data: string[] = [];

  push(chunk: string, emit: (e: StreamEvent) => void): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length || this.event) emit({ id: this.id, event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') this.id = value;
      else if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
  }
}

/** Opens `url` as an event stream with `headers`; calls `onEvent` for each event until closed. */
export async function openEventStream(url: string, headers: Record<string, string>, onEvent: (e: StreamEvent) => void): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  if (!res.ok || !res.body) {
    return { status: res.status, refusal: await res.text(), close: () => abort.abort(), done: Promise.resolve() };
  }
  const parser = new EventStreamParser();
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        parser.push(decoder.decode(value, { stream: true }), onEvent);
      }
    } catch {
      // Aborted by close(), or the connection dropped: the stream is over either way.
    }
  })();
  return { status: res.status, close: () => abort.abort(), done };
}
