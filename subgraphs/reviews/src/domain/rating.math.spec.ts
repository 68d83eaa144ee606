import { bucketOf, bucketsOf, summarize } from './rating.math';

describe('rating summary math', () => {
  it('has a null average and zero counts without ratings', () => {
    expect(summarize(null)).toEqual({ average: null, count: 0, histogram: [0, 0, 0, 0, 0] });
    expect(summarize({ r3: 0 })).toEqual({ average: null, count: 0, histogram: [0, 0, 0, 0, 0] });
  });

  it('computes the average from the histogram', () => {
    expect(summarize({ r5: 2, r4: 1, r1: 1 })).toEqual({ average: 3.75, count: 4, histogram: [1, 0, 0, 1, 2] });
    expect(summarize({ r2: 3 })).toEqual({ average: 2, count: 3, histogram: [0, 3, 0, 0, 0] });
  });

  it('rounds the average to two decimals', () => {
    expect(summarize({ r5: 2, r4: 1 }).average).toBe(4.67); // 14 / 3 = 4.666…
    expect(summarize({ r4: 2, r5: 1 }).average).toBe(4.33); // 13 / 3 = 4.333…
    expect(summarize({ r1: 1, r2: 1, r5: 1 }).average).toBe(2.67); // 8 / 3
  });

  it('clamps buckets that a crash left negative instead of reporting nonsense', () => {
    expect(summarize({ r1: -1, r5: 1 })).toEqual({ average: 5, count: 1, histogram: [0, 0, 0, 0, 1] });
  });

  it('maps ratings to buckets and refuses anything outside 1..5', () => {
    expect(bucketOf(1)).toBe('r1');
    expect(bucketOf(5)).toBe('r5');
    expect(() => bucketOf(0)).toThrow(RangeError);
    expect(() => bucketOf(6)).toThrow(RangeError);
    expect(() => bucketOf(2.5)).toThrow(RangeError);
    expect(bucketsOf([5, 5, 3, 1])).toEqual({ r1: 1, r2: 0, r3: 1, r4: 0, r5: 2 });
  });
});
