import { money } from '@shopgraph/kit';
import type { OrderItemEntity } from '../entities/order-item.entity';
import type { OrderStatusChangeEntity } from '../entities/order-status-change.entity';
import type { OrderEntity } from '../entities/order.entity';
import { CancellationReason, Order, OrderItem, OrderStatus, OrderStatusChange, ShippingAddress } from './order.type';
import { productRef, variantRef } from './product.type';

/** The API view of a stored order (lines and history resolve through their own loaders). */
export function toOrder(row: OrderEntity): Order {
  return Object.assign(new Order(), {
    id: row.id,
    number: row.number,
    status: row.status as OrderStatus,
    cancellationReason: (row.cancellationReason as CancellationReason | null) ?? null,
    subtotal: money(row.subtotal, row.currency),
    total: money(row.total, row.currency),
    shippingAddress: Object.assign(new ShippingAddress(), row.shippingAddress),
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    customerId: row.customerId,
    currency: row.currency,
  });
}

export function toOrderItem(row: OrderItemEntity, currency: string): OrderItem {
  return Object.assign(new OrderItem(), {
    product: productRef(row.productId),
    variant: variantRef(row.variantId),
    productName: row.productName,
    sku: row.sku,
    variantTitle: row.variantTitle,
    unitPrice: money(row.unitPrice, currency),
    quantity: row.quantity,
    lineTotal: money(row.unitPrice * row.quantity, currency),
  });
}

export function toStatusChange(row: OrderStatusChangeEntity): OrderStatusChange {
  return Object.assign(new OrderStatusChange(), { status: row.status as OrderStatus, reason: row.reason, at: row.at });
}
