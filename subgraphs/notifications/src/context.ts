import type { RequestContext } from '@shopgraph/kit';
import type { NotificationService } from './services/notification.service';

/** The subgraph's services, shared by every request. */
export interface NotificationsServices {
  notifications: NotificationService;
}

/** What every notifications resolver receives. */
export interface NotificationsContext extends RequestContext {
  services: NotificationsServices;
}
