import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildOrdersSchema } from './schema';

emitSchema('orders', buildOrdersSchema);
