import type { Logger } from '@shopgraph/kit';

/**
 * What has been opened or started, to undo in reverse order. Each step that acquires something
 * pushes its undo right after (or, for an acquisition that may half-succeed, right before) it;
 * `unwind()` runs the undos last-first, every one of them even when some fail, and can be called
 * again (it has nothing left to do).
 */
export class Teardown {
  private readonly steps: Array<{ name: string; undo: () => unknown }> = [];

  constructor(private readonly log: Logger) {}

  push(name: string, undo: () => unknown): void {
    this.steps.push({ name, undo });
  }

  /** Names of the steps still to undo, oldest first. */
  get pending(): string[] {
    return this.steps.map((s) => s.name);
  }

  /** Undoes every step, last first; failures are logged and returned, never thrown. */
  async unwind(): Promise<Array<{ step: string; error: unknown }>> {
    const failures: Array<{ step: string; error: unknown }> = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push({ step: step.name, error });
        this.log.error({ err: error, step: step.name }, 'error while stopping; carrying on with the rest');
      }
    }
    return failures;
  }
}
