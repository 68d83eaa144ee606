import { InitialSchema1767225600000 } from './1767225600000-initial-schema';

/** Every migration of the users database, oldest first. */
export const migrations = [InitialSchema1767225600000];
