import type { RequestContext } from '@shopgraph/kit';
import type { ReportService } from './services/report.service';

/** What every analytics resolver receives. */
export interface AnalyticsContext extends RequestContext {
  reports: ReportService;
}
