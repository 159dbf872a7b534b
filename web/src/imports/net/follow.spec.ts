import { describe, expect, it, vi } from 'vitest';
import { followImport } from './follow';

class FakeSource {
  readyState = 0;
  listeners = new Map<string, (event: MessageEvent) => void>();
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  emit(type: string, data: unknown) {
    this.listeners.get(type)?.({ data: JSON.stringify(data) } as MessageEvent);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('following an import', () => {
  it('opens the ticket URL with EventSource, delivers progress in version order and stops on end', async () => {
    const sources: FakeSource[] = [];
    const updates: { status: string; version: number }[] = [];
    const fetch = vi.fn();
    followImport({
      ticket: async () => ({ url: '/api/imports/1/events?ticket=t' }),
      fetch,
      onUpdate: (run) => updates.push(run),
      createEventSource: (url) => {
        const source = new FakeSource(url);
        sources.push(source);
        return source as unknown as EventSource;
      },
    });
    await flush();
    expect(sources[0].url).toBe('/api/imports/1/events?ticket=t');
    sources[0].emit('progress', { status: 'validating', version: 3 });
    sources[0].emit('progress', { status: 'validating', version: 2 });
    sources[0].emit('end', { status: 'awaiting_confirmation', version: 4 });
    expect(updates.map((u) => u.version)).toEqual([3, 4]);
    expect(sources[0].closed).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('falls back to polling when the stream is refused, until the import has ended', async () => {
    let source: FakeSource | undefined;
    const answers = [
      { status: 'processing', version: 5 },
      { status: 'completed', version: 6 },
    ];
    const modes: string[] = [];
    const updates: number[] = [];
    followImport({
      ticket: async () => ({ url: '/x' }),
      fetch: async () => answers.shift() ?? { status: 'completed', version: 6 },
      onUpdate: (run) => updates.push(run.version),
      onMode: (mode) => modes.push(mode),
      pollMs: 1,
      createEventSource: (url) => (source = new FakeSource(url)) as unknown as EventSource,
    });
    await flush();
    source!.readyState = 2;
    source!.onerror?.();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(modes).toEqual(['stream', 'polling']);
    expect(updates).toEqual([5, 6]);
  });

  it('polls when no ticket can be had', async () => {
    const updates: number[] = [];
    const stop = followImport({
      ticket: async () => {
        throw new Error('401');
      },
      fetch: async () => ({ status: 'validating', version: 1 }),
      onUpdate: (run) => updates.push(run.version),
      pollMs: 1,
      createEventSource: () => {
        throw new Error('unused');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    expect(updates.length).toBeGreaterThan(0);
  });
});
