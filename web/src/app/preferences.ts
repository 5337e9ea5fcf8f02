/** Per-browser preferences: the time zone the calendar and times are shown in. */
import { useCallback, useSyncExternalStore } from 'react';
import { browserTimeZone, isValidTimeZone } from '../lib/time';

const TIME_ZONE_KEY = 'herald.timeZone';
const listeners = new Set<() => void>();

function readTimeZone(): string {
  const stored = localStorage.getItem(TIME_ZONE_KEY);
  return stored && isValidTimeZone(stored) ? stored : browserTimeZone();
}

/** The user's display time zone (defaults to the browser's) and a setter that every page follows. */
export function useTimeZone(): [string, (zone: string) => void] {
  const zone = useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, readTimeZone);
  const setZone = useCallback((next: string) => {
    localStorage.setItem(TIME_ZONE_KEY, next);
    for (const listener of listeners) listener();
  }, []);
  return [zone, setZone];
}
