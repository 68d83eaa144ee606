import { describeCommittedSchema } from '@shopgraph/service';
import { buildAnalyticsSchema } from './schema';

describeCommittedSchema('analytics', buildAnalyticsSchema, [/type Product\s+@key\(fields: "id", resolvable: false\)/, /salesReport\(/]);
