import 'reflect-metadata';
import { describeCommittedSchema } from '@shopgraph/service';
import { buildNotificationsSchema } from './schema';

describeCommittedSchema('notifications', buildNotificationsSchema, [
  /type User\s+@key\(fields: "id"\)/,
  /resendNotification\(\s+"""[^"]*"""\s+id: ID!\s+\): Boolean!/,
]);
