/**
 * Help text, built from the command specs so it cannot drift from what the parser accepts.
 */
import { GROUPS } from './commands/groups.js';
import { COMMAND_TABLE } from './commands/table.js';
import { GLOBAL_OPTIONS, type CommandHelp, type OptionSpec } from './spec.js';

const WIDTH = 100;

/** Word-wraps `text` to WIDTH columns; lines after the first are indented by `indent` spaces. */
export function wrap(text: string, indent = 0, firstLineUsed = 0): string {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - firstLineUsed;
  for (const word of text.split(/\s+/u).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

function optionLabel(name: string, option: OptionSpec): string {
  const short = option.short === undefined ? '' : `-${option.short}, `;
  const value = option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : '';
  return `${short}--${name}${value}`;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const entries = Object.entries(options);
  const width = Math.max(0, ...entries.map(([name, option]) => optionLabel(name, option).length));
  return entries.map(([name, option]) => `  ${optionLabel(name, option).padEnd(width)}  ${wrap(option.description, width + 4, width + 4)}`);
}

function commandLines(commands: readonly CommandHelp[], extra: Array<[string, string]> = []): string[] {
  const rows: Array<[string, string]> = [
    ...commands.map((command): [string, string] => [[command.path.join(' '), ...command.positionals].join(' '), command.summary]),
    ...extra,
  ];
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, summary]) => `  ${label.padEnd(width)}  ${wrap(summary, width + 4, width + 4)}`);
}

export function renderMainHelp(version: string): string {
  return [
    `latchkey ${version}: an agent-identity wallet. It holds your OAuth grants for MCP servers`,
    'and hands out short-lived access tokens.',
    '',
    'Usage: latchkey <command> [options]',
    '',
    'Commands:',
    ...commandLines(COMMAND_TABLE, [['help [command]', 'Show help for a command.']]),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Environment: LATCHKEY_HOME, LATCHKEY_VAULT, LATCHKEY_PASSPHRASE, LATCHKEY_ALLOW_INSECURE_LOOPBACK,',
    'LATCHKEY_ALLOWED_HOSTS, LATCHKEY_CLIENT_METADATA_URL, and BROWSER (the command that opens sign-in pages;',
    'it gets the URL as one argument, or in place of %s, and runs without a shell).',
    '',
    'Example:',
    '  latchkey connect https://mcp.example.com/mcp',
    '',
    'Run "latchkey <command> --help" for more about a command.',
    '',
  ].join('\n');
}

export function renderCommandHelp(command: CommandHelp): string {
  const own = Object.keys(command.options).length === 0 ? [] : ['Options:', ...optionLines(command.options), ''];
  return [
    `Usage: ${command.usage}`,
    '',
    wrap(command.summary),
    wrap(command.description),
    '',
    ...own,
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    command.examples.length === 1 ? 'Example:' : 'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
  ].join('\n');
}

export function renderGroupHelp(group: string): string {
  const info = GROUPS[group];
  const members = COMMAND_TABLE.filter((command) => command.path[0] === group);
  return [
    `Usage: latchkey ${group} <${members.map((command) => command.path[1]).join('|')}> [options]`,
    '',
    wrap(info?.summary ?? ''),
    wrap(info?.description ?? ''),
    '',
    'Commands:',
    ...commandLines(members),
    '',
    'Example:',
    `  ${members[0]?.examples[0] ?? `latchkey ${group} --help`}`,
    '',
    `Run "latchkey ${group} <command> --help" for more.`,
    '',
  ].join('\n');
}

export function renderHelpTopic(topic: string[], version: string): string | undefined {
  if (topic.length === 0) return renderMainHelp(version);
  const command = COMMAND_TABLE.find((c) => c.path.join(' ') === topic.join(' '));
  if (command !== undefined) return renderCommandHelp(command);
  if (topic.length === 1 && topic[0] !== undefined && topic[0] in GROUPS) return renderGroupHelp(topic[0]);
  return undefined;
}
