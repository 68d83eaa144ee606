import { GraphQLError } from 'graphql';
import pino from 'pino';
import { maskErrors } from './errors';
import { DeadlineExceededError, isStoreUnavailable, serviceUnavailable, withDeadline } from './unavailable';

const named = (name: string, message = 'x', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('isStoreUnavailable', () => {
  it.each([
    ['ioredis command timeout', new Error('Command timed out')],
    ['ioredis offline', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['ioredis closed', new Error('Connection is closed.')],
    ['ioredis retries', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).')],
    ['pg read timeout', new Error('Query read timeout')],
    ['pg pool acquire', new Error('timeout exceeded when trying to connect')],
    ['pg connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pg connection lost', new Error('Connection terminated unexpectedly')],
    ['pg statement_timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
    ['pg connection exception', Object.assign(new Error('x'), { code: '08006' })],
    ['TypeORM wrapping pg', named('QueryFailedError', 'Query read timeout', { driverError: new Error('Query read timeout') })],
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['mongo selection', named('MongoServerSelectionError', 'Server selection timed out after 2000 ms')],
    ['mongo socket', named('MongoNetworkTimeoutError', 'connection 3 to 127.0.0.1:1 timed out')],
    ['mongo maxTimeMS', named('MongoServerError', 'operation exceeded time limit', { code: 50 })],
    ['kafkajs', named('KafkaJSRequestTimeoutError', 'Request Produce timed out')],
    ['kit deadline', new DeadlineExceededError('cache', 50)],
    ['wrapped in a cause', new Error('outer', { cause: new Error('Command timed out') })],
    ['resolver error', new GraphQLError('x', { originalError: new Error('Query read timeout') })],
  ])('%s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation', named('QueryFailedError', 'duplicate key value violates unique constraint', { code: '23505' })],
    ['a mongo duplicate key', named('MongoServerError', 'E11000 duplicate key error', { code: 11000 })],
    ['nothing', undefined],
  ])('not %s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});

describe('withDeadline', () => {
  it('rejects with DeadlineExceededError after the deadline, and ignores a late failure', async () => {
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 400));
    await expect(withDeadline(late, 10, 'redis')).rejects.toBeInstanceOf(DeadlineExceededError);
    await new Promise((r) => setTimeout(r, 450)); // no unhandled rejection from `late`
  });

  it('settles like the promise within the deadline', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });
});

describe('maskErrors and unavailable stores', () => {
  const format = maskErrors(pino({ level: 'silent' }));
  const asResolverError = (original: Error) => new GraphQLError(original.message, { path: ['product'], originalError: original });

  it('answers a driver timeout SERVICE_UNAVAILABLE with retryAfter, without the driver message or a stack', () => {
    const error = asResolverError(new Error('Command timed out'));
    const out = format({ message: 'Command timed out', path: ['product'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } }, error);
    expect(out).toEqual({
      message: 'The service is temporarily unavailable; try again shortly',
      path: ['product'],
      extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 },
    });
  });

  it('passes an explicit serviceUnavailable through with its own message and retryAfter', () => {
    const error = serviceUnavailable('Sign-in is temporarily unavailable; try again shortly', 7);
    const out = format({ message: error.message, extensions: { ...error.extensions, stacktrace: ['at y'] } }, error);
    expect(out.message).toBe('Sign-in is temporarily unavailable; try again shortly');
    expect(out.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 7 });
  });

  it('still masks anything else as INTERNAL_SERVER_ERROR', () => {
    const error = asResolverError(new TypeError('boom'));
    const out = format({ message: 'boom', path: ['product'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(out.message).toBe('Internal server error');
  });
});
