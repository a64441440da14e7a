/**
 * The worker-thread table reader (T35): lines kept by the strings asked for, a missing file as
 * null, closing it mid-read, and an idle reader never keeping a process alive.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerTableReader } from '../../../../electron/base/net/proc-table-reader.js';

const readers: WorkerTableReader[] = [];
afterEach(() => readers.splice(0).forEach((reader) => reader.close()));

function reader(): WorkerTableReader {
  const made = new WorkerTableReader();
  readers.push(made);
  return made;
}

describe('WorkerTableReader', () => {
  it('keeps the lines that hold one of the strings, every line when none is given, and null for a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lk-table-'));
    try {
      const file = join(dir, 'table');
      await writeFile(file, 'head\n 1: aa bb x\n 2: cc dd x\n 3: bb ee x\n 4: ff gg');
      const tables = reader();
      expect(await tables.readLines([file, join(dir, 'missing')], [' bb ', ' gg'])).toEqual([' 1: aa bb x\n 3: bb ee x\n 4: ff gg', null]);
      expect(await tables.readLines([file], [])).toEqual(['head\n 1: aa bb x\n 2: cc dd x\n 3: bb ee x\n 4: ff gg']);
      expect(await tables.readLines([file], ['zz'])).toEqual(['']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('closing it rejects what is waiting, and the next read starts a new worker', async () => {
    const tables = reader();
    const pending = tables.readLines(['/proc/self/status'], ['Name:']);
    tables.close();
    await expect(pending).rejects.toThrow('closed');
    const [status] = await tables.readLines(['/proc/self/status'], ['Name:']);
    expect(status).toMatch(/^Name:/);
  });

  it('keeps a process alive while a read is pending, and not once it is idle', async () => {
    const module = resolve(import.meta.dirname, '../../../../electron/base/net/proc-table-reader.ts');
    const script = `
      const { WorkerTableReader } = await import(${JSON.stringify(module)});
      const [status] = await new WorkerTableReader().readLines(['/proc/self/status'], ['Name:']);
      console.log(status.startsWith('Name:') ? 'read' : 'wrong');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 15_000 });
    expect(stdout.trim()).toBe('read');
  });
});
