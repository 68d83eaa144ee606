import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildShippingSchema } from './schema';

emitSchema('shipping', buildShippingSchema);
