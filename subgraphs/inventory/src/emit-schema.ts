import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildInventorySchema } from './schema';

emitSchema('inventory', buildInventorySchema);
