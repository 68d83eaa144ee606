import { randomUUID } from 'node:crypto';
import { eventually } from '@shopgraph/testkit';
import { addReview, customer, DELETE_REVIEW, orderStatusChanged, startReviewsSubgraph, type TestReviewsSubgraph } from './fixtures/reviews-subgraph';

// Events are produced to orders.v1 exactly as the orders subgraph will (same contract). Events of
// one order share its key, hence its partition, so a later "sentinel" event of the same order
// being applied proves the earlier ones were handled too.

describe('reviews subgraph: verified purchases from orders.v1', () => {
  let subgraph: TestReviewsSubgraph;

  beforeAll(async () => {
    subgraph = await startReviewsSubgraph();
  }, 90000);
  afterAll(async () => {
    await subgraph?.stop();
  });

  const verifiedOf = async (reviewId: string): Promise<boolean> =>
    (await subgraph.call(`query($id: ID!) { review(id: $id) { verifiedPurchase } }`, { id: reviewId })).body.data!.review.verifiedPurchase;
  const factsOf = (customerId: string) => subgraph.collections.purchaseFacts.find({ customerId }).sort({ productId: 1 }).toArray();

  it("verifies the author's existing review on CONFIRMED, and later reviews of bought products start verified", async () => {
    const buyer = customer();
    const [bought, alsoBought, notBought] = [randomUUID(), randomUUID(), randomUUID()];
    const review = await addReview(subgraph, buyer, { productId: bought });
    const other = await addReview(subgraph, customer(), { productId: bought });
    const unrelated = await addReview(subgraph, buyer, { productId: notBought });
    expect(review.verifiedPurchase).toBe(false);

    await subgraph.produce(orderStatusChanged({ customerId: buyer.id, status: 'CONFIRMED', productIds: [bought, alsoBought] }));
    await eventually(async () => ((await verifiedOf(review.id)) ? true : undefined), 15000);
    expect(await verifiedOf(other.id)).toBe(false);
    expect(await verifiedOf(unrelated.id)).toBe(false);

    const later = await addReview(subgraph, buyer, { productId: alsoBought });
    expect(later.verifiedPurchase).toBe(true);
    // Deleting and writing again keeps the fact: the new review starts verified too.
    await subgraph.call(DELETE_REVIEW, { id: review.id }, buyer);
    expect((await addReview(subgraph, buyer, { productId: bought })).verifiedPurchase).toBe(true);
  });

  it('changes nothing when the same event is delivered twice', async () => {
    const buyer = customer();
    const productId = randomUUID();
    const review = await addReview(subgraph, buyer, { productId });
    const confirmed = orderStatusChanged({ customerId: buyer.id, status: 'CONFIRMED', productIds: [productId] });
    await subgraph.produce(confirmed);
    await eventually(async () => ((await verifiedOf(review.id)) ? true : undefined), 15000);
    const factsBefore = await factsOf(buyer.id);
    const duplicatesBefore = await subgraph.metric('reviews_events_total', { type: 'OrderStatusChanged', outcome: 'duplicate' });

    const sentinelProduct = randomUUID();
    const shipped = orderStatusChanged({ customerId: buyer.id, status: 'SHIPPED', productIds: [sentinelProduct], orderId: confirmed.payload.orderId, version: 2 });
    await subgraph.produce(confirmed, shipped);
    await eventually(async () => ((await factsOf(buyer.id)).some((f) => f.productId === sentinelProduct) ? true : undefined), 15000);

    expect(await subgraph.metric('reviews_events_total', { type: 'OrderStatusChanged', outcome: 'duplicate' })).toBe(duplicatesBefore + 1);
    const factsAfter = await factsOf(buyer.id);
    expect(factsAfter.filter((f) => f.productId !== sentinelProduct)).toEqual(factsBefore);
    expect(factsAfter).toHaveLength(factsBefore.length + 1);
    expect(await subgraph.service.db.collection<{ _id: string }>('processed_events').countDocuments({ _id: `reviews:${confirmed.id}` })).toBe(1);
  });

  it('does not verify on PENDING or CANCELLED orders', async () => {
    const buyer = customer();
    const [productId, sentinelProduct] = [randomUUID(), randomUUID()];
    const review = await addReview(subgraph, buyer, { productId });
    const orderId = randomUUID();
    await subgraph.produce(
      orderStatusChanged({ customerId: buyer.id, status: 'PENDING', productIds: [productId], orderId, version: 1 }),
      orderStatusChanged({ customerId: buyer.id, status: 'AWAITING_PAYMENT', productIds: [productId], orderId, version: 2 }),
      orderStatusChanged({ customerId: buyer.id, status: 'CANCELLED', productIds: [productId], orderId, version: 3 }),
      // Same key, so handled after the three above: once its fact exists, they were all seen.
      orderStatusChanged({ customerId: buyer.id, status: 'DELIVERED', productIds: [sentinelProduct], orderId, version: 4 }),
    );
    await eventually(async () => ((await factsOf(buyer.id)).length > 0 ? true : undefined), 15000);
    expect((await factsOf(buyer.id)).map((f) => f.productId)).toEqual([sentinelProduct]);
    expect(await verifiedOf(review.id)).toBe(false);
    expect((await addReview(subgraph, buyer, { productId: sentinelProduct })).verifiedPurchase).toBe(true);
  });
});
