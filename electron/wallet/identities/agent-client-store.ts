/**
 * Agents' own clients (protocol.md R5), kept in the vault under 'agentClients': per agent and MCP
 * server (resource), the client id at the server's authorization server, the secret or the
 * private JWK, its DPoP key when the server's authorization server offers DPoP, and that server's
 * metadata as discovered when the client was added. Summaries (what the owner sees) carry the
 * method and the keys' thumbprints, never the secret or a private key.
 */
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { VaultSection, type Vault } from '../vault/index.js';
import { AgentClientRecord } from '../oauth/client-credentials.js';
import { DpopKey } from '../oauth/records.js';
import { describeWorkloadSource } from './workload-token.js';

export const AgentClientEntry = AgentClientRecord.extend({
  agentId: z.string().min(1),
  /** The canonical MCP server URL the agent's grants name. */
  resource: z.string().min(1),
  /** The authorization server's metadata, as discovered and validated when the client was added. */
  serverMetadata: z.record(z.string(), z.unknown()),
  /** Send RFC 8707 `resource` on token requests. */
  sendResource: z.boolean().default(true),
  /** The client's DPoP key (A8): its tokens are bound to it; made when the AS advertises ES256 proofs. */
  dpopKey: DpopKey.optional(),
});
export type AgentClientEntry = z.infer<typeof AgentClientEntry>;

const Section = z.object({ agentClients: z.record(z.string(), AgentClientEntry) });
type Section = z.infer<typeof Section>;

/** What the owner sees of an agent's own client. */
export interface AgentClientSummary {
  agentId: string;
  resource: string;
  issuer: string;
  clientId: string;
  method: AgentClientEntry['auth']['method'];
  /** private_key_jwt: the RFC 7638 thumbprint of the key (its kid). */
  keyThumbprint?: string;
  /** workload_token: where the platform token is read (never the token). */
  workloadSource?: string;
  /** The RFC 7638 thumbprint of the client's DPoP key, when its tokens are DPoP-bound. */
  dpopThumbprint?: string;
  createdAt: number;
}

export function agentClientKey(agentId: string, resource: string): string {
  return `${agentId} ${resource}`;
}

export function summaryOf(entry: AgentClientEntry): AgentClientSummary {
  const kid = entry.auth.method === 'private_key_jwt' ? entry.auth.privateJwk.kid : undefined;
  return {
    agentId: entry.agentId,
    resource: entry.resource,
    issuer: entry.issuer,
    clientId: entry.clientId,
    method: entry.auth.method,
    ...(kid === undefined ? {} : { keyThumbprint: kid }),
    ...(entry.auth.method === 'workload_token' ? { workloadSource: describeWorkloadSource(entry.auth.source) } : {}),
    ...(entry.dpopKey === undefined ? {} : { dpopThumbprint: entry.dpopKey.thumbprint }),
    createdAt: entry.createdAt,
  };
}

export class AgentClientStore {
  private readonly section: VaultSection<'agentClients', Section>;

  constructor(vault: Vault) {
    this.section = new VaultSection(vault, { keys: ['agentClients'], schema: Section, what: "agents' own clients", hint: 'Upgrade Latchkey.' });
  }

  get(agentId: string, resource: string): AgentClientEntry | undefined {
    return this.section.read().agentClients[agentClientKey(agentId, resource)];
  }

  /** The agent's clients as stored (for their public keys): only the wallet sees these. */
  entries(agentId: string): AgentClientEntry[] {
    return Object.values(this.section.read().agentClients).filter((entry) => entry.agentId === agentId);
  }

  list(agentId?: string): AgentClientSummary[] {
    return Object.values(this.section.read().agentClients)
      .filter((entry) => agentId === undefined || entry.agentId === agentId)
      .map(summaryOf);
  }

  /** Adds or replaces the agent's client for the resource (one per agent and resource). */
  async put(entry: AgentClientEntry): Promise<AgentClientSummary> {
    const parsed = AgentClientEntry.parse(entry);
    await this.section.update((draft) => {
      draft.agentClients[agentClientKey(parsed.agentId, parsed.resource)] = parsed;
    });
    return summaryOf(parsed);
  }

  /** Removes the agent's client for one resource, or all of the agent's; resolves with what went. */
  async remove(agentId: string, resource?: string): Promise<AgentClientSummary[]> {
    const removed = await this.section.update((draft) => {
      const gone = Object.entries(draft.agentClients).filter(([, entry]) => entry.agentId === agentId && (resource === undefined || entry.resource === resource));
      for (const [key] of gone) delete draft.agentClients[key];
      return gone.map(([, entry]) => summaryOf(entry));
    });
    if (resource !== undefined && removed.length === 0) {
      throw new LatchkeyError(ErrorCode.ClientNotFound, `The agent has no client of its own for ${resource}.`, { hint: 'See them with `latchkey agent list`.' });
    }
    return removed;
  }
}
