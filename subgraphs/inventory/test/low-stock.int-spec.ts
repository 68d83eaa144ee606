import { adminViewer, customerViewer, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

const LOW_STOCK = `
  query Low($threshold: Int, $first: Int, $after: String) {
    lowStock(threshold: $threshold, first: $first, after: $after) {
      totalCount
      edges { cursor node { id inStock stock { available onHand reserved } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

type Edge = { cursor: string; node: { id: string; inStock: boolean; stock: { available: number; onHand: number; reserved: number } } };

// Its own database, fed by nothing but this file: the whole list is known.
describe('inventory subgraph: lowStock', () => {
  let inv: TestInventorySubgraph;
  // available: p-a0 0, p-b0 0, p-c1 1, p-d2 2 (via reservations), p-e3 3, p-f5 5, p-g6 6 (above the default threshold)
  const rows: [string, number, number][] = [
    ['p-e3', 3, 0],
    ['p-b0', 4, 4],
    ['p-g6', 6, 0],
    ['p-a0', 0, 0],
    ['p-f5', 9, 4],
    ['p-d2', 10, 8],
    ['p-c1', 1, 0],
  ];

  beforeAll(async () => {
    inv = await startInventorySubgraph();
    for (const [id, onHand, reserved] of rows) await inv.givenStock(id, onHand, reserved);
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('lists products with available <= threshold (default 5), fewest first, then by id, as Product stubs with their stock', async () => {
    const res = await inv.call(LOW_STOCK, {}, adminViewer());
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.lowStock;
    expect(page.totalCount).toBe(6);
    expect(page.edges.map((e: Edge) => e.node.id)).toEqual(['p-a0', 'p-b0', 'p-c1', 'p-d2', 'p-e3', 'p-f5']);
    expect(page.edges[1].node).toEqual({ id: 'p-b0', inStock: false, stock: { available: 0, onHand: 4, reserved: 4 } });
    expect(page.edges[3].node).toEqual({ id: 'p-d2', inStock: true, stock: { available: 2, onHand: 10, reserved: 8 } });
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const zero = await inv.call(LOW_STOCK, { threshold: 0 }, adminViewer());
    expect(zero.body.data!.lowStock.edges.map((e: Edge) => e.node.id)).toEqual(['p-a0', 'p-b0']);
    expect(zero.body.data!.lowStock.totalCount).toBe(2);
  });

  it('pages with a keyset cursor: no gaps, no repeats, totalCount on every page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await inv.call(LOW_STOCK, { threshold: 10, first: 2, after }, adminViewer());
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data!.lowStock;
      expect(page.totalCount).toBe(7);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
      seen.push(...page.edges.map((e: Edge) => e.node.id));
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(['p-a0', 'p-b0', 'p-c1', 'p-d2', 'p-e3', 'p-f5', 'p-g6']);
  });

  it('keeps its place when stock changes between pages (keyset, not offset)', async () => {
    const first = (await inv.call(LOW_STOCK, { first: 3 }, adminViewer())).body.data!.lowStock;
    expect(first.edges.map((e: Edge) => e.node.id)).toEqual(['p-a0', 'p-b0', 'p-c1']);
    await inv.givenStock('p-a0', 50); // leaves the list: an offset would now skip a row
    try {
      const next = (await inv.call(LOW_STOCK, { first: 3, after: first.pageInfo.endCursor }, adminViewer())).body.data!.lowStock;
      expect(next.edges.map((e: Edge) => e.node.id)).toEqual(['p-d2', 'p-e3', 'p-f5']);
    } finally {
      await inv.givenStock('p-a0', 0);
    }
  });

  it('is for ADMINs only and refuses bad arguments with BAD_USER_INPUT', async () => {
    expect((await inv.call(LOW_STOCK, {}, customerViewer())).body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    expect((await inv.call(LOW_STOCK, {})).body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    for (const variables of [{ threshold: -1 }, { first: 101 }, { after: 'garbage' }]) {
      const res = await inv.call(LOW_STOCK, variables, adminViewer());
      expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
