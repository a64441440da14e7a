/**
 * What the conformance client does once connected, per scenario. The authorization scenarios
 * need one flow (list tools, call test-tool); the draft client-layer scenarios each observe
 * something else (which requests are sent, with which headers, how input requests are answered).
 */
import type { Client, ClientCapabilities, ElicitRequest, ElicitResult } from '@modelcontextprotocol/client';
import { z } from 'zod';

export interface Exercise {
  capabilities?: ClientCapabilities;
  /** Registers handlers before connecting. */
  prepare?: (client: Client) => void;
  /** Returns a one-line description of what happened; throws when the flow failed. */
  run: (client: Client) => Promise<string>;
}

/** Tool calls the harness asks for in MCP_CONFORMANCE_CONTEXT (`toolCalls`). */
const ToolCalls = z.array(z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }));

function describeToolResult(result: unknown): string {
  if (typeof result !== 'object' || result === null || !('content' in result) || !Array.isArray(result.content)) return 'no content';
  const texts: unknown[] = result.content.map((part: unknown) =>
    typeof part === 'object' && part !== null && 'text' in part ? part.text : '[non-text]',
  );
  return texts.map(String).join(' ');
}

async function listToolNames(client: Client): Promise<string[]> {
  const listed = await client.listTools();
  return listed.tools.map((tool) => tool.name);
}

/** The flow every authorization scenario expects: tools/list, then tools/call test-tool when listed. */
const callTestTool: Exercise = {
  async run(client) {
    const tools = await listToolNames(client);
    if (!tools.includes('test-tool')) return `tools=[${tools.join(',')}]`;
    const result = await client.callTool({ name: 'test-tool', arguments: {} });
    if (result.isError === true) throw new Error(`test-tool returned an error: ${describeToolResult(result)}`);
    return `tools=[${tools.join(',')}] test-tool="${describeToolResult(result)}"`;
  },
};

/** Only tools/list: the server answers nothing else (request metadata, schema `$ref` scenarios). */
const listOnly: Exercise = {
  async run(client) {
    return `tools=[${(await listToolNames(client)).join(',')}]`;
  },
};

/** Calls every tool the client kept after listing (the SDK drops tools it must reject). */
const callEveryTool: Exercise = {
  async run(client) {
    const tools = await listToolNames(client);
    for (const name of tools) await client.callTool({ name, arguments: {} });
    return `called [${tools.join(',')}]`;
  },
};

/** Answers a form elicitation with a value of the requested type for every field. */
function acceptElicitation(request: ElicitRequest): ElicitResult {
  const params = request.params;
  const properties = 'requestedSchema' in params ? params.requestedSchema.properties : {};
  const content: Record<string, string | number | boolean> = {};
  for (const [field, schema] of Object.entries(properties)) {
    content[field] = schema.type === 'boolean' ? true : schema.type === 'number' || schema.type === 'integer' ? 1 : 'ok';
  }
  return { action: 'accept', content };
}

/** Multi-round-trip requests: the SDK answers `input_required` through the elicitation handler and retries. */
const answerInputRequests: Exercise = {
  capabilities: { elicitation: { form: {} } },
  prepare(client) {
    client.setRequestHandler('elicitation/create', (request) => acceptElicitation(request));
  },
  run: callEveryTool.run,
};

function callFromContext(context: Record<string, unknown>): Exercise {
  const calls = ToolCalls.parse(context['toolCalls'] ?? []);
  return {
    async run(client) {
      const tools = await listToolNames(client);
      for (const call of calls) await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
      return `tools=[${tools.join(',')}] called [${calls.map((call) => call.name).join(',')}]`;
    },
  };
}

export function exerciseFor(scenario: string, context: Record<string, unknown>): Exercise {
  switch (scenario) {
    case 'request-metadata':
    case 'json-schema-ref-no-deref':
      return listOnly;
    case 'http-custom-headers':
      return callFromContext(context);
    case 'http-standard-headers':
    case 'http-invalid-tool-headers':
      return callEveryTool;
    case 'sep-2322-client-request-state':
      return answerInputRequests;
    default:
      return callTestTool;
  }
}
