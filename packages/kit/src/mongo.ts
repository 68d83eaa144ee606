import type { DatastoreConfig } from './config';

/**
 * The deadline options of a MongoDB client (a subset of the driver's MongoClientOptions, so the
 * kit needs no driver of its own): `new MongoClient(url, mongoClientOptions(config, { monitorCommands: true }))`.
 */
export interface MongoDeadlineOptions {
  /** TCP connect + handshake of a pooled connection, and the monitor's heartbeat deadline. */
  connectTimeoutMS: number;
  /** How long an operation waits for a usable server before MongoServerSelectionError. */
  serverSelectionTimeoutMS: number;
  /** A reply not read within this long closes the connection (MongoNetworkTimeoutError): the deadline of a hung server. */
  socketTimeoutMS: number;
  /** Waiting for a pooled connection (when maxPoolSize are all busy). */
  waitQueueTimeoutMS: number;
  /** Off: a read that timed out is not retried, which would double its deadline. */
  retryReads: boolean;
  /**
   * The driver's monitor checks the server this often (2000; the driver's default is 10 s), so a
   * lost or returned server shows in `datastore_connected` within seconds even without traffic.
   * An operation waiting for a server makes it check at once; it never stops reconnecting.
   */
  heartbeatFrequencyMS: number;
}

/**
 * Client options with the config's deadlines. Every operation of a client built with them ends
 * within about MONGO_SOCKET_TIMEOUT_MS (a hung server) or MONGO_SERVER_SELECTION_TIMEOUT_MS (an
 * unreachable one); both map to SERVICE_UNAVAILABLE in maskErrors. Reads are not retried (a
 * retry after a socket timeout would double the deadline). `extra` is merged last.
 * (The driver's own `timeoutMS` is deprecated without effect in driver 7, so it is not used.)
 */
export function mongoClientOptions<E extends object = Record<never, never>>(
  config: Pick<DatastoreConfig, 'MONGO_CONNECT_TIMEOUT_MS' | 'MONGO_SERVER_SELECTION_TIMEOUT_MS' | 'MONGO_SOCKET_TIMEOUT_MS'>,
  extra?: E,
): MongoDeadlineOptions & E {
  return {
    connectTimeoutMS: config.MONGO_CONNECT_TIMEOUT_MS,
    serverSelectionTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    socketTimeoutMS: config.MONGO_SOCKET_TIMEOUT_MS,
    waitQueueTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    retryReads: false,
    heartbeatFrequencyMS: 2000,
    ...(extra ?? ({} as E)),
  };
}
