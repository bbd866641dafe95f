/**
 * Engine events (GET /events): emitted by use cases, kept in a bounded
 * history (so `docker events --since` can replay them, as dockerd does) and
 * fanned out to live subscribers.
 */
export interface EngineEvent {
  type: 'volume' | 'container' | 'image' | 'network';
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, filled in by the bus. */
  timeNano?: bigint;
}

export interface EventSink {
  emit(e: EngineEvent): void;
}

export type StampedEvent = Required<EngineEvent>;
export type EventListener = (e: StampedEvent) => void;

/** dockerd keeps the last 256 events for --since; a little more costs nothing. */
const HISTORY = 1024;

export class EventBus implements EventSink {
  private readonly listeners = new Set<EventListener>();
  private readonly history: StampedEvent[] = [];
  private lastNano = 0n;

  emit(e: EngineEvent): void {
    let t = e.timeNano ?? BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (t <= this.lastNano) t = this.lastNano + 1n; // strictly increasing, so replays keep order
    this.lastNano = t;
    const full: StampedEvent = { ...e, timeNano: t };
    this.history.push(full);
    if (this.history.length > HISTORY) this.history.shift();
    for (const l of this.listeners) l(full);
  }

  /** Past events with since <= time <= until (nanoseconds). */
  replay(sinceNano: bigint, untilNano: bigint): StampedEvent[] {
    return this.history.filter((e) => e.timeNano >= sinceNano && e.timeNano <= untilNano);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
