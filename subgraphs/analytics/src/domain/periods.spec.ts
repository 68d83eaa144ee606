import { buckets, minuteRange, nextPeriod, periodStart } from './periods';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('report periods (UTC)', () => {
  it('truncates to the minute, hour, day, Monday-week and month', () => {
    const at = t('2026-03-18T13:47:31.500Z'); // a Wednesday
    expect(iso(periodStart(at, 'minute'))).toBe('2026-03-18T13:47:00.000Z');
    expect(iso(periodStart(at, 'hour'))).toBe('2026-03-18T13:00:00.000Z');
    expect(iso(periodStart(at, 'day'))).toBe('2026-03-18T00:00:00.000Z');
    expect(iso(periodStart(at, 'week'))).toBe('2026-03-16T00:00:00.000Z');
    expect(iso(periodStart(t('2026-03-22T23:59:00Z'), 'week'))).toBe('2026-03-16T00:00:00.000Z'); // Sunday
    expect(iso(periodStart(at, 'month'))).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(nextPeriod(t('2026-12-01T00:00:00Z'), 'month'))).toBe('2027-01-01T00:00:00.000Z');
  });

  it('widens a range to whole minutes', () => {
    const range = minuteRange(new Date('2026-01-01T10:00:30Z'), new Date('2026-01-01T10:05:00.001Z'));
    expect([iso(range.from), iso(range.to)]).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:06:00.000Z']);
  });

  it('cuts the first and last bucket to the range and refuses too many', () => {
    const out = buckets(t('2026-01-01T10:30:00Z'), t('2026-01-01T12:15:00Z'), 'hour', 10)!;
    expect(out.map((b) => [iso(b.start), iso(b.end)])).toEqual([
      ['2026-01-01T10:30:00.000Z', '2026-01-01T11:00:00.000Z'],
      ['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z'],
      ['2026-01-01T12:00:00.000Z', '2026-01-01T12:15:00.000Z'],
    ]);
    expect(buckets(t('2026-01-01T00:00:00Z'), t('2026-01-02T00:00:00Z'), 'minute', 1440)).toHaveLength(1440);
    expect(buckets(t('2026-01-01T00:00:00Z'), t('2026-01-02T00:01:00Z'), 'minute', 1440)).toBeNull();
  });
});
