import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { reviewsSubgraph } from './server';

runSubgraph(reviewsSubgraph);
