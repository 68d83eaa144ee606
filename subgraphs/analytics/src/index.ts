import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { analyticsSubgraph } from './server';

runSubgraph(analyticsSubgraph);
