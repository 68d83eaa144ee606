import { describeCommittedSchema } from '@shopgraph/service';
import { buildPaymentsSchema } from './schema';

describeCommittedSchema('payments', buildPaymentsSchema, [/type Payment\s+@key\(fields: "id"\)/]);
