import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildPaymentsSchema } from './schema';

emitSchema('payments', buildPaymentsSchema);
