import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { shippingSubgraph } from './server';

runSubgraph(shippingSubgraph);
