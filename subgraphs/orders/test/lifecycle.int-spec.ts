import { createTestDatabase, namespaceEnv, stackEnv, TEST_INTERNAL_SECRET, uniqueId } from '@shopgraph/testkit';
import { ordersConfigSchema } from '../src/config';
import { createOrdersService } from '../src/server';

describe('orders service lifecycle', () => {
  it('starts and stops repeatedly on one database, and a second stop is harmless', async () => {
    const db = await createTestDatabase('orders');
    try {
      const config = ordersConfigSchema.parse({
        NODE_ENV: 'test',
        ...namespaceEnv(),
        LOG_LEVEL: 'silent',
        PORT: '0',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
        KAFKA_GROUP_ID: uniqueId('orders-life'),
        KAFKA_FROM_BEGINNING: 'false',
        CART_KEY_PREFIX: uniqueId('orders-life-cart'),
        INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
      });
      for (let round = 0; round < 3; round++) {
        const service = await createOrdersService(config);
        const { url } = await service.start();
        const ready = await fetch(url.replace('/graphql', '/health/ready'));
        expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok', kafka: 'ok', consumer: 'ok', outboxListener: 'ok' } });
        await service.stop();
        await service.stop();
        await expect(fetch(url.replace('/graphql', '/health/live'))).rejects.toThrow();
      }
    } finally {
      await db.drop();
    }
  });
});
