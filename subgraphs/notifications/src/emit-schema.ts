import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildNotificationsSchema } from './schema';

/** Writes schema/notifications.graphql (run by `npm run compose`). */
void emitSchema('notifications', buildNotificationsSchema);
