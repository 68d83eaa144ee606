import { z } from 'zod';

/** A boolean environment variable: `true`/`false` (or `1`/`0`), with a default. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

/** A comma-separated list of Kafka brokers (`host:port,host:port`). */
export const brokerList = (fallback = '127.0.0.1:9092') =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'at least one broker'));

/** The Kafka settings a subgraph reads (see `kafkaConfig`). */
export interface KafkaConfig<N extends string = string> {
  KAFKA_BROKERS: string[];
  KAFKA_GROUP_ID: string;
  KAFKA_FROM_BEGINNING: boolean;
  KAFKA_START_TIMEOUT_MS: number;
  CONSUMERS: N[];
}

/**
 * The shared Kafka fragment of a subgraph's config, to spread into `baseConfigSchema.extend({...})`
 * (the topic namespace, SG_NAMESPACE, is already part of the kit's base config):
 *
 *   KAFKA_BROKERS        comma-separated brokers (default 127.0.0.1:9092)
 *   KAFKA_GROUP_ID       the consumer group, named in the namespace at run time (default: `groupId`)
 *   KAFKA_FROM_BEGINNING whether a brand-new group reads the history of the topics its replicas
 *                        need (consumers declared `fromBeginning: true`); commands and replies
 *                        always start at the newest offset (default true)
 *   KAFKA_START_TIMEOUT_MS how long start waits for each consumer's first fetch (default 60000)
 *   CONSUMERS            comma-separated subset of `consumers` this process runs; empty runs none
 *                        (an API-only replica, or a test). Default: all of them.
 */
export function kafkaConfig<const N extends string>(options: { groupId: string; consumers?: readonly N[]; fromBeginning?: boolean }) {
  const names = [...(options.consumers ?? [])] as string[];
  const list = z
    .string()
    .default(names.join(','))
    .transform((value) => value.split(',').map((c) => c.trim()).filter(Boolean));
  const consumers = (
    names.length > 0
      ? list.pipe(z.array(z.enum(names as [string, ...string[]])))
      : list.pipe(z.array(z.string()).max(0, 'this service has no consumers'))
  ) as unknown as z.ZodType<N[], string | undefined>;
  return {
    KAFKA_BROKERS: brokerList(),
    KAFKA_GROUP_ID: z.string().min(1).default(options.groupId),
    KAFKA_FROM_BEGINNING: flag(options.fromBeginning ?? true),
    KAFKA_START_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
    CONSUMERS: consumers,
  };
}
