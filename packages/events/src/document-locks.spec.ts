import { DocumentLocks } from './document-locks';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('DocumentLocks', () => {
  it('runs work on one key one at a time, in arrival order', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        locks.run('a', async () => {
          log.push(`start ${n}`);
          await tick();
          log.push(`end ${n}`);
        }),
      ),
    );
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('lets different keys run concurrently and releases the lock when work fails', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    const a = locks.run('a', async () => {
      log.push('a');
      await tick();
      throw new Error('boom');
    });
    const b = locks.run('b', async () => void log.push('b'));
    await expect(a).rejects.toThrow('boom');
    await b;
    expect(log).toEqual(['a', 'b']);
    expect(await locks.run('a', async () => 'free again')).toBe('free again');
  });
});
