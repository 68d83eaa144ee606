import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { usersSubgraph } from './server';

runSubgraph(usersSubgraph);
