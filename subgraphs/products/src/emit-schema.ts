import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildProductsSchema } from './schema';

emitSchema('products', buildProductsSchema);
