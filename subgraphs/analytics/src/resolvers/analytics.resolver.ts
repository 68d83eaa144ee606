import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { requireAdmin } from '@shopgraph/kit';
import type { AnalyticsContext } from '../context';
import { CancellationCount, CheckoutFunnel, ProductSales, ReportInterval, SalesBucket } from '../types/analytics.types';

/** The admin's sales analytics; every field is ADMIN only (a customer gets FORBIDDEN, nobody signed in UNAUTHENTICATED). */
@Resolver()
export class AnalyticsResolver {
  @Query(() => [SalesBucket], {
    description:
      'Sales in [from, to) per interval (UTC), one bucket per period even when nothing happened, by when each fact happened. The figures are kept per minute: from is taken down and to up to a whole minute. ADMIN only.',
  })
  salesReport(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('interval', () => ReportInterval) interval: ReportInterval,
    @Ctx() ctx: AnalyticsContext,
  ): Promise<SalesBucket[]> {
    requireAdmin(ctx);
    return ctx.reports.salesReport(from, to, interval);
  }

  @Query(() => [ProductSales], { description: 'The best-selling products of orders confirmed in [from, to), by units (at most 100). ADMIN only.' })
  topProducts(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('first', () => Int, { nullable: true, defaultValue: 10 }) first: number,
    @Ctx() ctx: AnalyticsContext,
  ): Promise<ProductSales[]> {
    requireAdmin(ctx);
    return ctx.reports.topProducts(from, to, first);
  }

  @Query(() => CheckoutFunnel, { description: 'Carts created, orders placed and orders confirmed in [from, to). ADMIN only.' })
  checkoutFunnel(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: AnalyticsContext): Promise<CheckoutFunnel> {
    requireAdmin(ctx);
    return ctx.reports.checkoutFunnel(from, to);
  }

  @Query(() => [CancellationCount], { description: 'Orders cancelled in [from, to), per reason, most frequent first. ADMIN only.' })
  cancellations(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: AnalyticsContext): Promise<CancellationCount[]> {
    requireAdmin(ctx);
    return ctx.reports.cancellations(from, to);
  }
}
