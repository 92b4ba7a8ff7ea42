// A minimal fan-out of pushed events to subscribers: the service, the engine supervisor and the
// transports each hold one. A listener that throws is isolated so one bad subscriber (a closed socket)
// cannot stop delivery to the others.
import type { Unsubscribe, VoiceEvent } from './types.js';

/** Subscribers plus emit(); dispose() drops them all. */
export class EventHub<E = VoiceEvent> {
  private readonly listeners = new Set<(event: E) => void>();

  /** Calls `listener` for every later emit until the returned function is called. */
  subscribe(listener: (event: E) => void): Unsubscribe {
    // A wrapper per subscription, so the same function subscribed twice unsubscribes independently.
    const entry = (event: E): void => listener(event);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Delivers `event` to every current subscriber, synchronously, in subscription order. */
  emit(event: E): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // a failing subscriber must not starve the others
      }
    }
  }

  /** Number of subscribers (tests and idle checks). */
  get size(): number {
    return this.listeners.size;
  }

  /** Drops every subscriber. */
  dispose(): void {
    this.listeners.clear();
  }
}

/** The engine's wall clock in ms with sub-millisecond precision, comparable across local processes. */
export function eventClock(): number {
  return performance.timeOrigin + performance.now();
}
