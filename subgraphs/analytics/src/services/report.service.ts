import { badUserInput, money } from '@shopgraph/kit';
import { CANCELLATION_REASONS } from '@shopgraph/events';
import type { FiguresStore } from '../stores/figures.store';
import { CancellationCount, CheckoutFunnel, ProductSales, SalesBucket, type CancellationReason, type ReportInterval } from '../types/analytics.types';
import { emptyCounters } from '../domain/fold';
import { buckets, minuteRange, type ReportUnit } from '../domain/periods';

const known = new Set<string>(CANCELLATION_REASONS);
/** Years of data are fine; a range beyond this is a typo. */
const MAX_RANGE_MS = 20 * 366 * 86_400_000;
export const MAX_TOP_PRODUCTS = 100;

/** Answers the analytics queries from the folded figures (the caller has checked the viewer is an ADMIN). */
export class ReportService {
  constructor(
    private readonly figures: FiguresStore,
    private readonly currency: string,
    private readonly maxBuckets: number,
  ) {}

  async salesReport(from: Date, to: Date, interval: ReportInterval): Promise<SalesBucket[]> {
    const range = this.range(from, to);
    const unit = interval.toLowerCase() as ReportUnit;
    const periods = buckets(range.from, range.to, unit, this.maxBuckets);
    if (!periods) throw badUserInput(`That is more than ${this.maxBuckets} ${interval} buckets; choose a longer interval or a shorter range`, ['interval']);
    const rows = new Map((await this.figures.salesByPeriod(new Date(range.from), new Date(range.to), unit)).map((r) => [r.period.getTime(), r]));
    return periods.map(({ period, start, end }) => {
      const c = rows.get(period) ?? emptyCounters();
      return Object.assign(new SalesBucket(), {
        start: new Date(start),
        end: new Date(end),
        ordersPlaced: c.ordersPlaced,
        ordersConfirmed: c.ordersConfirmed,
        ordersCancelled: c.ordersCancelled,
        itemsSold: c.itemsSold,
        revenue: money(c.revenue, this.currency),
        refunds: money(c.refunds, this.currency),
        netRevenue: money(c.revenue - c.refunds, this.currency),
        averageOrderValue: c.ordersConfirmed > 0 ? money(Math.round(c.confirmedValue / c.ordersConfirmed), this.currency) : null,
      });
    });
  }

  async topProducts(from: Date, to: Date, first: number): Promise<ProductSales[]> {
    const range = this.range(from, to);
    if (!Number.isInteger(first) || first < 1 || first > MAX_TOP_PRODUCTS) throw badUserInput(`first must be between 1 and ${MAX_TOP_PRODUCTS}`, ['first']);
    const rows = await this.figures.topProducts(new Date(range.from), new Date(range.to), first);
    return rows.map((r) =>
      Object.assign(new ProductSales(), { product: { id: r.productId }, unitsSold: r.units, revenue: money(r.revenue, this.currency) }),
    );
  }

  async checkoutFunnel(from: Date, to: Date): Promise<CheckoutFunnel> {
    const range = this.range(from, to);
    const all = await this.figures.totals(new Date(range.from), new Date(range.to));
    return Object.assign(new CheckoutFunnel(), {
      cartsCreated: all.cartsCreated,
      ordersPlaced: all.ordersPlaced,
      ordersConfirmed: all.ordersConfirmed,
      conversionRate: all.cartsCreated > 0 ? all.ordersConfirmed / all.cartsCreated : 0,
    });
  }

  async cancellations(from: Date, to: Date): Promise<CancellationCount[]> {
    const range = this.range(from, to);
    const rows = await this.figures.cancellations(new Date(range.from), new Date(range.to));
    // A reason newer than this build is left out rather than failing the enum.
    return rows.filter((r) => known.has(r.reason)).map((r) => Object.assign(new CancellationCount(), { reason: r.reason as CancellationReason, count: r.count }));
  }

  private range(from: Date, to: Date): { from: number; to: number } {
    if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw badUserInput('from is not a valid date-time', ['from']);
    if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw badUserInput('to is not a valid date-time', ['to']);
    if (from.getTime() >= to.getTime()) throw badUserInput('from must be before to', ['from']);
    if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw badUserInput('The range may span at most 20 years', ['to']);
    return minuteRange(from, to);
  }
}
