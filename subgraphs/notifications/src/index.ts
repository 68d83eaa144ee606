import 'reflect-metadata';
import { runSubgraph } from '@shopgraph/service';
import { notificationsSubgraph } from './server';

void runSubgraph(notificationsSubgraph);
