import { MINUTE_MS } from './fold';

export type ReportUnit = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** Start of the period of `unit` containing `ms` (UTC; weeks start on Monday, as PostgreSQL's date_trunc). */
export function periodStart(ms: number, unit: ReportUnit): number {
  const d = new Date(ms);
  switch (unit) {
    case 'minute':
      return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
    case 'hour':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'week': {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      return day - sinceMonday * 86_400_000;
    }
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

/** Start of the period after the one starting at `start`. */
export function nextPeriod(start: number, unit: ReportUnit): number {
  switch (unit) {
    case 'minute':
      return start + MINUTE_MS;
    case 'hour':
      return start + 3_600_000;
    case 'day':
      return start + 86_400_000;
    case 'week':
      return start + 7 * 86_400_000;
    case 'month': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/** The figures' resolution is the minute: `from` is taken down and `to` up to a whole minute. */
export function minuteRange(from: Date, to: Date): { from: number; to: number } {
  return { from: Math.floor(from.getTime() / MINUTE_MS) * MINUTE_MS, to: Math.ceil(to.getTime() / MINUTE_MS) * MINUTE_MS };
}

/**
 * The report's buckets over [from, to) (minute-aligned): one per period of `unit` that overlaps
 * it, each cut to the range (the first may start at `from`, the last end at `to`); null when
 * there would be more than `max`.
 */
export function buckets(from: number, to: number, unit: ReportUnit, max: number): { period: number; start: number; end: number }[] | null {
  const out: { period: number; start: number; end: number }[] = [];
  for (let period = periodStart(from, unit); period < to; period = nextPeriod(period, unit)) {
    if (out.length >= max) return null;
    out.push({ period, start: Math.max(period, from), end: Math.min(nextPeriod(period, unit), to) });
  }
  return out;
}
