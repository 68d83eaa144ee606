import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { productsSubgraph } from './server';

runSubgraph(productsSubgraph);
