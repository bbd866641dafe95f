/** Engine events (GET /events): emitted by use cases, fanned out to subscribers. */
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

export type EventListener = (e: Required<EngineEvent>) => void;

export class EventBus implements EventSink {
  private readonly listeners = new Set<EventListener>();

  emit(e: EngineEvent): void {
    const full: Required<EngineEvent> = { ...e, timeNano: e.timeNano ?? BigInt(Date.now()) * 1_000_000n };
    for (const l of this.listeners) l(full);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
