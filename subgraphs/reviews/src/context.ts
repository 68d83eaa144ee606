import type { RequestContext } from '@shopgraph/kit';
import type { ReviewsLoaders } from './loaders';
import type { ReviewService } from './services/review.service';

export * from './loaders';

/** The subgraph's services, shared by every request. */
export interface ReviewsServices {
  reviews: ReviewService;
}

/** What every reviews resolver receives. */
export interface ReviewsContext extends RequestContext {
  services: ReviewsServices;
  loaders: ReviewsLoaders;
}
