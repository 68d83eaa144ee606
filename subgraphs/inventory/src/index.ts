import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { inventorySubgraph } from './server';

runSubgraph(inventorySubgraph);
