/**
 * `npm run conformance -- --suite auth [--suite …] [--scenario name …] [--jobs 2] [--timeout ms]`
 *
 * Installs the pinned MCP conformance harness and Node 22 into .cache/conformance on first use,
 * runs every scenario of the requested suite(s) with the Latchkey adapter as the client, prints
 * `PASS name` / `FAIL name: reason` per scenario and `<suite>: N/total passed` per suite.
 * Exits 1 when any scenario fails, 2 on a usage or installation error.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureHarness, listSuiteScenarios, runScenario, type HarnessInstall } from './harness.js';
import { formatVerdict, judgeScenario, type ScenarioVerdict } from './results.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** The --command string the harness runs (it appends the server URL and uses a shell). */
export const CLIENT_COMMAND = path.join(here, 'latchkey-client');

interface Options {
  suites: string[];
  scenarios: string[];
  jobs: number;
  timeoutMs: number;
  cacheDir: string;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      jobs: { type: 'string', default: '2' },
      timeout: { type: 'string', default: '60000' },
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
    suites: suites.length === 0 && scenarios.length === 0 ? ['auth'] : suites,
    scenarios,
    jobs,
    timeoutMs,
    cacheDir: path.resolve(values['cache-dir']),
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

async function runGroup(
  label: string,
  scenarios: string[],
  install: HarnessInstall,
  options: Options,
  outputDir: string,
): Promise<ScenarioVerdict[]> {
  const verdicts = await mapWithConcurrency(scenarios, options.jobs, async (scenario) => {
    const run = await runScenario(install, {
      scenario,
      clientCommand: CLIENT_COMMAND,
      outputDir,
      timeoutMs: options.timeoutMs,
      cwd: repoRoot,
    });
    const verdict = judgeScenario(scenario, run);
    console.log(formatVerdict(verdict));
    return verdict;
  });
  const passed = verdicts.filter((verdict) => verdict.passed).length;
  console.log(`${label}: ${passed}/${verdicts.length} passed`);
  return verdicts;
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
  const install = await ensureHarness(options.cacheDir, (line) => console.error(`conformance: ${line}`));
  const outputDir = path.join(options.cacheDir, 'results', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(outputDir, { recursive: true });
  console.error(`conformance: harness results in ${outputDir}`);

  const verdicts: ScenarioVerdict[] = [];
  for (const suite of options.suites) {
    const scenarios = await listSuiteScenarios(install, suite, repoRoot);
    verdicts.push(...(await runGroup(suite, scenarios, install, options, outputDir)));
  }
  if (options.scenarios.length > 0) {
    verdicts.push(...(await runGroup('scenarios', options.scenarios, install, options, outputDir)));
  }
  console.error(`conformance: done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return verdicts.every((verdict) => verdict.passed) ? 0 : 1;
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
