import { describeCommittedSchema } from '@shopgraph/service';
import { buildInventorySchema } from './schema';

describeCommittedSchema('inventory', buildInventorySchema, [/type Product\s+@key\(fields: "id"\)/]);
