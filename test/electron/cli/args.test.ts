/**
 * The parser finds the verb with every command's options, then parses argv again with that
 * command's own: one option name may mean different things in two commands (`connect --resource`
 * is a switch, `audit --resource URL` a filter, `run --delegate --resource URL` repeatable).
 */
import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../electron/cli/args.js';

const MCP = 'https://mcp.example.com/mcp';

function valuesOf(argv: string[]): Record<string, unknown> {
  const invocation = parseInvocation(argv);
  if (invocation.kind !== 'command') throw new Error(`not a command: ${invocation.kind}`);
  return invocation.values;
}

describe('option names shared between commands', () => {
  it('connect --resource is a switch, audit --resource takes a URL, run --resource repeats', () => {
    expect(valuesOf(['connect', MCP, '--resource'])['resource']).toBe(true);
    expect(valuesOf(['audit', '--resource', MCP])['resource']).toBe(MCP);
    expect(valuesOf(['run', '--delegate', '--resource', MCP, '--resource', `${MCP}2`, '--', 'true'])['resource']).toEqual([MCP, `${MCP}2`]);
  });

  it('positionals are the command\'s own: a switch does not swallow the next word', () => {
    const invocation = parseInvocation(['connect', '--resource', MCP]);
    expect(invocation.kind === 'command' ? invocation.positionals : []).toEqual([MCP]);
  });
});
