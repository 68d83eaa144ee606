import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildAnalyticsSchema } from './schema';

emitSchema('analytics', buildAnalyticsSchema);
