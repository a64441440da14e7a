/**
 * `npm run conformance [-- --suite auth,draft,backcompat,extensions] [--scenario name …] [--jobs 2]
 *   [--timeout ms] [--spec-version V] [--packed-only]`
 *
 * Installs the conformance harness (the packed build in ../shared/tools/conformance, else the
 * registry's 0.1.16 for the auth suite) and Node 22 into .cache/conformance on first use, runs
 * every scenario of the requested suites (all four by default) one client run per scenario with
 * the Latchkey adapter, prints `PASS` / `FAIL` / `SKIP` per scenario as they finish, then one
 * score line per suite (see scoring.ts). Exits 1 when a scored scenario did not pass, 2 on a usage
 * or installation error. `--packed-only` (CI): without the packed build, say so and exit 0 without
 * installing anything, so the run needs no network beyond the packed build's own dependencies.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chooseHarnessSource, ensureHarness, FALLBACK_VERSION, HARNESS_TARBALL, listSuiteScenarios, runScenario, type HarnessInstall } from './harness.js';
import { formatVerdict, judgeScenario } from './results.js';
import { ALL_SUITES, FALLBACK_SUITES, isScored, scoreLine } from './scoring.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** The --command string the harness runs (it appends the server URL and uses a shell). */
export const CLIENT_COMMAND = path.join(here, 'latchkey-client');

interface Options {
  /** Empty with `scenarios` given: run only those. */
  suites: string[] | undefined;
  scenarios: string[];
  jobs: number;
  timeoutMs: number;
  cacheDir: string;
  specVersion: string | undefined;
  packedOnly: boolean;
}

interface Planned {
  /** The suite it is scored in, or `scenarios` for --scenario runs. */
  group: string;
  scenario: string;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      jobs: { type: 'string', default: '2' },
      timeout: { type: 'string', default: '60000' },
      'spec-version': { type: 'string' },
      'packed-only': { type: 'boolean', default: false },
      'cache-dir': { type: 'string', default: path.join(repoRoot, '.cache', 'conformance') },
    },
    strict: true,
  });
  const jobs = Number(values.jobs);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error('--jobs must be a positive integer');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000) throw new Error('--timeout must be at least 1000 (ms)');
  const suites = (values.suite ?? []).flatMap((suite) => suite.split(',')).filter((suite) => suite !== '');
  const scenarios = values.scenario ?? [];
  return {
    suites: suites.length === 0 ? (scenarios.length === 0 ? undefined : []) : suites,
    scenarios,
    jobs,
    timeoutMs,
    cacheDir: path.resolve(values['cache-dir']),
    specVersion: values['spec-version'],
    packedOnly: values['packed-only'],
  };
}

/** Runs `work` over `items` with at most `jobs` in flight, keeping the input order in the result. */
async function mapWithConcurrency<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

/** The suites' scenarios as the installed harness defines them, then the named scenarios. */
async function planRuns(install: HarnessInstall, suites: string[], scenarios: string[]): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const suite of suites) {
    for (const scenario of await listSuiteScenarios(install, suite, repoRoot)) planned.push({ group: suite, scenario });
  }
  for (const scenario of scenarios) planned.push({ group: 'scenarios', scenario });
  return planned;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const started = performance.now();
  const source = chooseHarnessSource(repoRoot);
  let suites = options.suites ?? [...ALL_SUITES];
  const notRun: string[] = [];
  if (source.kind === 'registry' && options.packedOnly) {
    console.log(`conformance: not run: ../shared/tools/conformance/${HARNESS_TARBALL} is not there (--packed-only)`);
    return 0;
  }
  if (source.kind === 'registry') {
    console.error(
      `conformance: ../shared/tools/conformance/${HARNESS_TARBALL} is not there; falling back to the registry's ` +
        `@modelcontextprotocol/conformance@${FALLBACK_VERSION}, which has the auth suite only ` +
        '(draft, backcompat and extensions need the packed build).',
    );
    notRun.push(...suites.filter((suite) => !FALLBACK_SUITES.includes(suite)));
    suites = suites.filter((suite) => FALLBACK_SUITES.includes(suite));
  }
  const install = await ensureHarness(options.cacheDir, source, (line) => console.error(`conformance: ${line}`));
  const outputDir = path.join(options.cacheDir, 'results', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outputDir, { recursive: true });
  console.error(`conformance: harness ${source.version}, results in ${outputDir}`);

  const planned = await planRuns(install, suites, options.scenarios);
  const verdicts = await mapWithConcurrency(planned, options.jobs, async ({ group, scenario }) => {
    const run = await runScenario(install, {
      scenario,
      clientCommand: CLIENT_COMMAND,
      outputDir,
      timeoutMs: options.timeoutMs,
      cwd: repoRoot,
      specVersion: options.specVersion,
    });
    const verdict = judgeScenario(scenario, run);
    console.log(formatVerdict(verdict));
    return { group, verdict };
  });
  console.error(`conformance: done in ${((performance.now() - started) / 1000).toFixed(1)}s`);

  const groups = [...suites, ...(options.scenarios.length > 0 ? ['scenarios'] : [])];
  for (const group of groups) {
    console.log(scoreLine(group, verdicts.filter((v) => v.group === group).map((v) => v.verdict)));
  }
  for (const suite of notRun) console.log(`${suite}: not run (needs the packed harness in ../shared/tools/conformance)`);
  const failedScored = verdicts.some(({ group, verdict }) => isScored(group, verdict.scenario) && !verdict.passed);
  return failedScored ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
