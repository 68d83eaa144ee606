// Shared with every Mongo subgraph: the kit holds it (FerretDB's UNIQUE constraint InternalError counts too).
export { isDuplicateKeyError } from '@shopgraph/kit';
