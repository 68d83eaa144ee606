/** Histogram bucket field of a rating: 1 -> "r1" … 5 -> "r5". */
export type BucketField = 'r1' | 'r2' | 'r3' | 'r4' | 'r5';

export const BUCKETS: BucketField[] = ['r1', 'r2', 'r3', 'r4', 'r5'];

/** The bucket a (valid, 1..5) rating counts in. */
export function bucketOf(rating: number): BucketField {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new RangeError(`rating ${rating} is not an integer in 1..5`);
  return BUCKETS[rating - 1];
}

/** A rating summary as the API shows it. */
export interface RatingFigures {
  average: number | null;
  count: number;
  histogram: number[];
}

/**
 * Average, count and histogram from bucket counts (missing buckets count 0, negative ones
 * are clamped). The average is rounded to two decimals; null when there are no ratings.
 */
export function summarize(buckets: Partial<Record<BucketField, number>> | null | undefined): RatingFigures {
  const histogram = BUCKETS.map((b) => Math.max(0, Math.trunc(buckets?.[b] ?? 0)));
  const count = histogram.reduce((a, n) => a + n, 0);
  if (count === 0) return { average: null, count: 0, histogram };
  const total = histogram.reduce((a, n, i) => a + n * (i + 1), 0);
  return { average: Math.round((total / count) * 100) / 100, count, histogram };
}

/** Bucket counts of a list of ratings (used to rebuild summaries from the reviews themselves). */
export function bucketsOf(ratings: number[]): Record<BucketField, number> {
  const buckets: Record<BucketField, number> = { r1: 0, r2: 0, r3: 0, r4: 0, r5: 0 };
  for (const r of ratings) buckets[bucketOf(r)] += 1;
  return buckets;
}
