import { OrderItemEntity } from './order-item.entity';
import { OrderStatusChangeEntity } from './order-status-change.entity';
import { OrderEntity } from './order.entity';
import { ProductReplicaEntity } from './product-replica.entity';

/** Every TypeORM entity of the orders database. */
export const entities = [OrderEntity, OrderItemEntity, OrderStatusChangeEntity, ProductReplicaEntity];
