import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { paymentsSubgraph } from './server';

runSubgraph(paymentsSubgraph());
