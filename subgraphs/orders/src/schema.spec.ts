import { describeCommittedSchema } from '@shopgraph/service';
import { buildOrdersSchema } from './schema';

describeCommittedSchema('orders', buildOrdersSchema, [/type Order\s+@key\(fields: "id"\)/]);
