import { describeCommittedSchema } from '@shopgraph/service';
import { buildUsersSchema } from './schema';

describeCommittedSchema('users', buildUsersSchema, [/type User\s+@key\(fields: "id"\)/]);
