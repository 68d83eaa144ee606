import { baseConfigSchema } from '@shopgraph/kit';
import { flag, kafkaConfig } from './config';

describe('kafkaConfig', () => {
  const schema = baseConfigSchema.extend(kafkaConfig({ groupId: 'inventory', consumers: ['products', 'commands'] }));

  it('defaults: local broker, the service group, history on, every consumer', () => {
    const config = schema.parse({});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.KAFKA_GROUP_ID).toBe('inventory');
    expect(config.KAFKA_FROM_BEGINNING).toBe(true);
    expect(config.CONSUMERS).toEqual(['products', 'commands']);
  });

  it('parses broker lists, consumer subsets (empty = none) and flags', () => {
    const config = schema.parse({ KAFKA_BROKERS: ' a:1, b:2 ,', CONSUMERS: ' commands ', KAFKA_FROM_BEGINNING: 'false', KAFKA_GROUP_ID: 'g' });
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.CONSUMERS).toEqual(['commands']);
    expect(config.KAFKA_FROM_BEGINNING).toBe(false);
    expect(config.KAFKA_GROUP_ID).toBe('g');
    expect(schema.parse({ CONSUMERS: '' }).CONSUMERS).toEqual([]);
  });

  it('refuses unknown consumers, an empty broker list and non-boolean flags', () => {
    expect(() => schema.parse({ CONSUMERS: 'products,shipping' })).toThrow();
    expect(() => schema.parse({ KAFKA_BROKERS: ' , ' })).toThrow(/at least one broker/);
    expect(() => schema.parse({ KAFKA_FROM_BEGINNING: 'yes' })).toThrow();
  });

  it('a service without consumers accepts only an empty CONSUMERS', () => {
    const none = baseConfigSchema.extend(kafkaConfig({ groupId: 'products' }));
    expect(none.parse({}).CONSUMERS).toEqual([]);
    expect(() => none.parse({ CONSUMERS: 'anything' })).toThrow(/no consumers/);
  });
});

describe('flag', () => {
  it('reads true/false and 1/0, with a default', () => {
    expect(flag(true).parse(undefined)).toBe(true);
    expect(flag(false).parse(undefined)).toBe(false);
    expect(flag(false).parse('1')).toBe(true);
    expect(flag(true).parse('0')).toBe(false);
    expect(flag(true).parse('false')).toBe(false);
  });
});
