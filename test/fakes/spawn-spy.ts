/**
 * A stand-in for `child_process.spawn` that records every call and starts nothing.
 * `outcome: 'spawn'` emits the 'spawn' event, `'error'` emits an ENOENT-like error.
 */
import { EventEmitter } from 'node:events';
import type { SpawnOptions } from 'node:child_process';
import type { SpawnedProcess, SpawnFunction } from '../../electron/base/opener/index.js';

export interface SpawnCall {
  command: string;
  args: readonly string[];
  options: SpawnOptions;
}

export interface SpawnSpy {
  spawn: SpawnFunction;
  calls: SpawnCall[];
  unrefCount(): number;
}

class FakeChild extends EventEmitter implements SpawnedProcess {
  unrefs = 0;
  unref(): void {
    this.unrefs += 1;
  }
}

export function createSpawnSpy(outcome: 'spawn' | 'error' | 'throw' = 'spawn'): SpawnSpy {
  const calls: SpawnCall[] = [];
  const children: FakeChild[] = [];
  const spawn: SpawnFunction = (command, args, options) => {
    calls.push({ command, args: [...args], options });
    if (outcome === 'throw') throw Object.assign(new Error('spawn EINVAL'), { code: 'EINVAL' });
    const child = new FakeChild();
    children.push(child);
    queueMicrotask(() => {
      if (outcome === 'spawn') child.emit('spawn');
      else child.emit('error', Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' }));
    });
    return child;
  };
  return { spawn, calls, unrefCount: () => children.reduce((n, c) => n + c.unrefs, 0) };
}
