/**
 * How the dispatcher hears that work may be due right now (an event was
 * ingested, a delivery retried, a channel re-enabled) instead of waiting for
 * its poll. Listeners live in this process only; other processes rely on
 * their own timers.
 */
type Listener = () => void;
const globalForWake = globalThis as unknown as { heraldDispatchWake?: Set<Listener> };
const listeners = () => (globalForWake.heraldDispatchWake ??= new Set());

export function subscribeToWakes(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

export function wakeDispatchers() {
  for (const listener of listeners()) listener();
}
