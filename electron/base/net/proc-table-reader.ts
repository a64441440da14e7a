/**
 * Reads kernel tables such as /proc/net/tcp off the event loop (threat T35). The kernel hands these
 * files out one 4 KiB page per read(): a 3 MB table under a flood is 750 reads. Asynchronous reads
 * would each wait for a turn of the busy event loop (seconds in all under a flood) and synchronous
 * ones would stall it, so one worker thread reads them, keeps only the lines that contain one of
 * the given strings, and sends those back in one message.
 */
import { Worker } from 'node:worker_threads';

/** Port: the lines of each file that contain one of `needles` (every line when none); null when a file cannot be read. */
export interface TableSource {
  readLines(paths: readonly string[], needles: readonly string[]): Promise<Array<string | null>>;
  close(): void;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
function keep(text, needles) {
  if (needles.length === 0) return text;
  const lines = [];
  for (const needle of needles) {
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at)) {
      const start = text.lastIndexOf('\\n', at) + 1;
      const end = text.indexOf('\\n', at);
      lines.push(text.slice(start, end < 0 ? text.length : end));
      if (end < 0) break;
      at = end;
    }
  }
  return lines.join('\\n');
}
parentPort.on('message', ({ id, paths, needles }) => {
  const texts = paths.map((path) => {
    try { return keep(readFileSync(path, 'latin1'), needles); } catch { return null; }
  });
  parentPort.postMessage({ id, texts });
});
`;

interface Answer {
  id: number;
  texts: Array<string | null>;
}

interface Waiter {
  resolve: (texts: Array<string | null>) => void;
  reject: (error: Error) => void;
}

/** One worker thread, started on the first read, keeping the process alive only while a read is pending. */
export class WorkerTableReader implements TableSource {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiter>();

  readLines(paths: readonly string[], needles: readonly string[]): Promise<Array<string | null>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      const worker = this.started();
      // Alive while a read is pending, like any other I/O; idle, it keeps no process running.
      worker.ref();
      worker.postMessage({ id, paths, needles });
    });
  }

  close(): void {
    const worker = this.worker;
    this.fail(new Error('the table reader was closed'));
    void worker?.terminate();
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    // Plain CommonJS whatever flags this process runs with (--input-type=module, loaders).
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      waiter?.resolve(answer.texts);
    });
    // A closed worker's late events must not touch its successor.
    worker.on('error', (error: Error) => this.worker === worker && this.fail(error));
    worker.on('exit', () => this.worker === worker && this.fail(new Error('the table reader stopped')));
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    this.worker = undefined;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
