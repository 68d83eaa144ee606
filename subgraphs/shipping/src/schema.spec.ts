import { describeCommittedSchema } from '@shopgraph/service';
import { buildShippingSchema } from './schema';

describeCommittedSchema('shipping', buildShippingSchema, [
  /type ShippingMethod\s+@key\(fields: "id"\)/,
  /shippingMethods\(/,
  /type Shipment\s+@key\(fields: "id"\)/,
  /includeInactive: Boolean = false/,
  /shipments: \[Shipment!\]/,
]);
