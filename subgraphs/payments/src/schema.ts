import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { PaymentsContext } from './context';
import { OrderPaymentResolver } from './resolvers/order-payment.resolver';
import { PaymentResolver } from './resolvers/payment.resolver';
import { Order } from './types/order.type';
import { Payment } from './types/payment.type';

/** The payments subgraph schema: Payment references through the batching loader, Order stubs by id. */
export function buildPaymentsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [PaymentResolver, OrderPaymentResolver], orphanedTypes: [Payment, Order] },
    {
      Payment: {
        __resolveReference: async (ref: { id: unknown }, ctx: PaymentsContext) => {
          const payment = await ctx.loaders.paymentById.load(String(ref.id).toLowerCase());
          return payment ? ctx.services.payments.visible(ctx, payment) : null;
        },
      },
      Order: {
        __resolveReference: (ref: { id: unknown }) => Object.assign(new Order(), { id: String(ref.id) }),
      },
    },
  );
}
