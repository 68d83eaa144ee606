import { PaymentEntity } from './payment.entity';
import { RefundEntity } from './refund.entity';

/** Every TypeORM entity of the payments database. */
export const entities = [PaymentEntity, RefundEntity];
