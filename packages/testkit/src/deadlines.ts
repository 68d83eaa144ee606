// No imports: the fault harness loads this file alone (`@shopgraph/testkit/dist/deadlines`), since
// loading the kit through Playwright's module loader (the storefront's global setup) fails.

/**
 * Store deadlines for services a test starts on a busy machine. The kit's defaults (a Redis
 * command 250 ms, a pooled PostgreSQL connection 1 s, …) are production's answer to a HUNG store;
 * on the 2-core machines that run `npm test`, dozens of test processes share the CPU, and a
 * healthy store's answer can wait longer than that for a turn (a clean-clone run saw 20
 * concurrent placeOrders get SERVICE_UNAVAILABLE from the pool wait). Such an answer says nothing
 * about what those tests check, so fixtures start services with these; the files that test the
 * deadlines themselves (hung-stores, hung-redis) pass `KIT_DEADLINES_ENV`, the kit's own defaults.
 */
export const CONTENDED_DEADLINES_ENV: Record<string, string> = {
  REDIS_COMMAND_TIMEOUT_MS: '3000',
  REDIS_SOCKET_TIMEOUT_MS: '10000',
  /** A cache read past it is skipped for a cooldown: a contended run once read products' cache past 100 ms. */
  CACHE_TIMEOUT_MS: '2000',
  PG_CONNECT_TIMEOUT_MS: '15000',
  PG_STATEMENT_TIMEOUT_MS: '10000',
  MONGO_SERVER_SELECTION_TIMEOUT_MS: '10000',
  MONGO_SOCKET_TIMEOUT_MS: '10000',
};

/**
 * The gateway's deadline for a subgraph's answer in tests on a busy machine (its default is 3 s):
 * a CI run saw createProduct and a logout right after a login (password hashing) answer past 3 s
 * beside other shops, and the client get SUBGRAPH_UNAVAILABLE. The files that test the deadline
 * (partial-failure) set their own.
 */
export const CONTENDED_GATEWAY_ENV: Record<string, string> = {
  SUBGRAPH_TIMEOUT_MS: '10000',
};
