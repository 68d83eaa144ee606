import { z } from 'zod';
import { baseConfigSchema, loadConfig } from './config';
import { LIVE_NAMESPACE, Namespace, namespaceOf } from './namespace';

describe('namespaces', () => {
  it('is part of every service config, so an in-process config keeps it', () => {
    const schema = baseConfigSchema.extend({ PORT: z.string().default('0') });
    expect(schema.parse({ SG_NAMESPACE: 'run1' }).SG_NAMESPACE).toBe('run1');
    expect(loadConfig(schema, {}).SG_NAMESPACE).toBe('');
    expect(() => loadConfig(schema, { SG_NAMESPACE: 'Bad.Name' })).toThrow(/SG_NAMESPACE/);
  });

  it('names topics, groups, keys and databases inside the namespace, and leaves the live names alone', () => {
    const ns = new Namespace('t1_ab');
    expect([ns.topic('orders.v1'), ns.group('orders'), ns.key('orders:cart'), ns.database('orders')]).toEqual(['t1_ab.orders.v1', 't1_ab.orders', 't1_ab:orders:cart', 't1_ab_orders']);
    expect([LIVE_NAMESPACE.topic('orders.v1'), LIVE_NAMESPACE.group('orders'), LIVE_NAMESPACE.key('orders:cart'), LIVE_NAMESPACE.database('orders')]).toEqual(['orders.v1', 'orders', 'orders:cart', 'orders']);
  });

  it('refuses a test service without a namespace, and databases outside the namespace', () => {
    expect(() => namespaceOf({ SG_NAMESPACE: '', NODE_ENV: 'test' })).toThrow(/SG_NAMESPACE: must be set when NODE_ENV=test/);
    expect(() => namespaceOf({ SG_NAMESPACE: 't1', NODE_ENV: 'test' }, { postgres: ['postgres://u:p@127.0.0.1:5432/orders'] })).toThrow(/"orders" outside namespace "t1"/);
    expect(() => namespaceOf({ SG_NAMESPACE: 't1', NODE_ENV: 'test' }, { mongo: ['products'] })).toThrow(/"products" outside namespace "t1"/);
    expect(namespaceOf({ SG_NAMESPACE: 't1', NODE_ENV: 'test' }, { postgres: ['postgres://u:p@127.0.0.1:5432/t1_orders_x'], mongo: ['t1_products'] }).name).toBe('t1');
    expect(namespaceOf({ SG_NAMESPACE: '', NODE_ENV: 'production' }, { postgres: ['postgres://u:p@127.0.0.1:5432/orders'] }).live).toBe(true);
  });
});
