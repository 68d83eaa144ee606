import pino from 'pino';
import { PeriodicTask } from './periodic-task';

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PeriodicTask', () => {
  it('runs repeatedly, never overlapping, and keeps going after a failure', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const task = new PeriodicTask('test', 5, async () => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs++;
      await sleep(10);
      concurrent--;
      if (runs === 2) throw new Error('transient');
    }, log);
    task.start();
    // Wait for runs rather than a fixed time: a loaded CI machine may delay timers.
    for (let waited = 0; runs < 4 && waited < 5000; waited += 20) await sleep(20);
    await task.stop();
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(maxConcurrent).toBe(1);
  });

  it('waits for the run in progress on stop, and runs no more after', async () => {
    let finished = 0;
    const task = new PeriodicTask('test', 1, async () => {
      await sleep(30);
      finished++;
    }, log, { runAtStart: true });
    task.start();
    await sleep(5);
    await task.stop();
    expect(finished).toBe(1);
    expect(task.stopped).toBe(true);
    await sleep(40);
    expect(finished).toBe(1);
  });
});
