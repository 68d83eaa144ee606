import 'reflect-metadata';
import { emitSchema } from '@shopgraph/service';
import { buildUsersSchema } from './schema';

emitSchema('users', buildUsersSchema);
