// The engine process runs a few steps below the UI process's CPU priority (both launchers apply it):
// when the cores are contended, the process that answers the window or the web page is scheduled
// first, which keeps pings and menus quick while a long conversion runs.
import os from 'node:os';

/**
 * Lowers a child's CPU priority below its parent's, so that when the cores are contended (a
 * conversion, a second app, a build) the process that answers the UI gets scheduled first. Costs a
 * conversion nothing on an idle machine. Best effort: refused changes are ignored.
 * @param pid the engine process
 * @param steps nice steps below the parent (each is ~1.25x less CPU weight under Linux's scheduler)
 */
export function lowerPriority(pid: number | undefined, steps = ENGINE_NICE_STEPS): void {
  if (!pid || steps <= 0) return;
  try {
    os.setPriority(pid, Math.min(19, os.getPriority() + steps));
  } catch {
    // not permitted here: the engine keeps the parent's priority
  }
}

/** How far below the UI process the engine runs. */
export const ENGINE_NICE_STEPS = 5;
