/**
 * The top self-time entries of a V8 .cpuprofile (what `--cpu-prof` writes for a benchmark host):
 * sampled time per function, file and line, largest first. `node --import tsx bench/profile-top.ts
 * FILE [N]` prints them; `npm run bench -- --cpu-prof DIR` prints them for every profile in DIR.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './bench-dirs.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  return file === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** The `count` functions with the most sampled self time (idle included, as V8 reports it). */
export async function topSelfTime(path: string, count = 10): Promise<SelfTime[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const names = new Map(profile.nodes.map((node) => [node.id, frameName(node)]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const name = names.get(id) ?? '(unknown)';
    self.set(name, (self.get(name) ?? 0) + micros);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: total > 0 ? micros / total : 0 }));
}

export function renderTop(entries: readonly SelfTime[]): string {
  return entries.map((e) => `${e.ms.toFixed(0).padStart(7)} ms ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`).join('\n');
}

/** The top entries of every .cpuprofile in `dir`, one block each. */
export async function renderProfiles(dir: string, count = 10): Promise<string> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort();
  const blocks: string[] = [];
  for (const file of files) blocks.push(`${file}: top ${count} by self time\n${renderTop(await topSelfTime(join(dir, file), count))}`);
  return blocks.join('\n\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, count] = process.argv.slice(2);
  if (path === undefined) throw new Error('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [N]');
  console.log(renderTop(await topSelfTime(path, count === undefined ? 10 : Number(count))));
}
