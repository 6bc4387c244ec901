import { progress } from './shell';

/** How often a long listing or deletion says how far it got: a silent minute reads as a hang. */
export const TICK_MS = 10_000;

/** Awaits `work`, printing `line()` (its counts at that moment) every TICK_MS until it settles. */
export async function withTicker<T>(line: () => string, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => progress(line()), TICK_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
