// Shared with every PostgreSQL subgraph: the kit holds them (order ids are UUIDs; anything else
// cannot name an order and must not reach a uuid column).
export { isUuid, updateReturning } from '@shopgraph/kit';
