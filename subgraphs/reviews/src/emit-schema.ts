import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildReviewsSchema } from './schema';

emitSchema('reviews', buildReviewsSchema);
