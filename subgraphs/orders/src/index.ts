import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { ordersSubgraph } from './server';

runSubgraph(ordersSubgraph);
