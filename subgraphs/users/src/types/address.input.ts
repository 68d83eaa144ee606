export { AddressInput } from '@shopgraph/kit';
