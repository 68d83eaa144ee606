import { describeCommittedSchema } from '@shopgraph/service';
import { buildReviewsSchema } from './schema';

describeCommittedSchema('reviews', buildReviewsSchema, [/type Review\s+@key\(fields: "id"\)/]);
