import { progress } from './shell';

/** How often a long listing or deletion says how far it got: a silent minute reads as a hang. */
export const TICK_MS = 10_000;

/** Awaits `work`, printing `line()` (its counts at that moment) every `everyMs` until it settles. */
export async function withTicker<T>(line: () => string, work: Promise<T>, everyMs = TICK_MS): Promise<T> {
  const timer = setInterval(() => progress(line()), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
