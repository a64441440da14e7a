/**
 * The owner API contract (shared/api.ts) bound to a Wallet: one entry per method. Transports
 * (the owner socket today, IPC and the headless host next) validate params with the contract's
 * schemas and then call this table.
 */
import type { OwnerMethodName, OwnerParams, OwnerResult } from '../../../shared/api.js';
import type { Wallet } from '../wallet-api.js';

type Dispatch = { [M in OwnerMethodName]: (wallet: Wallet, params: OwnerParams<M>) => Promise<OwnerResult<M>> };

export const ownerDispatch: Dispatch = {
  status: async (w) => {
    const bridge = w.bridgeStatus?.();
    return bridge === undefined ? w.vaultStatus : { ...w.vaultStatus, bridge };
  },
  listConnections: (w) => w.listConnections(),
  accessToken: (w, p) => w.accessToken(p.url, p.minTtlSeconds === undefined ? {} : { minTtlSeconds: p.minTtlSeconds }),
  handleAuthChallenge: (w, p) => w.handleAuthChallenge(p.url, p.status, p.wwwAuthenticate),
  disconnect: (w, p) => w.disconnect(p.url),
  listClients: (w) => w.listClients(),
  setClient: async (w, p) => {
    await w.setClient(p);
    return null;
  },
  removeClient: (w, p) => w.removeClient(p.issuer),
  listAgents: (w) => w.listAgents(),
  enrolAgent: (w, p) => w.enrolAgent(p.name, p.kind),
  removeAgent: (w, p) => w.removeAgent(p.agent),
  listSessions: (w, p) => w.listSessions(p),
  startSession: (w, p) => w.startSession(p.agent, { ttlSeconds: p.ttlSeconds, ...(p.pid === undefined ? {} : { pid: p.pid }), ...(p.command === undefined ? {} : { command: p.command }) }),
  endSession: async (w, p) => {
    await w.endSession(p.id, p.reason);
    return null;
  },
  listGrants: (w, p) => w.listGrants(p),
  createGrant: (w, p) => w.createGrant(p),
  updateGrant: (w, p) => w.updateGrant(p),
  revokeGrant: (w, p) => w.revokeGrant(p.id),
  listApprovals: (w, p) => w.listApprovals(p),
  decideApproval: (w, p) => w.decideApproval(p.id, p.decision, p.remember === undefined ? {} : { remember: p.remember }),
  listAllowedSites: (w, p) => w.listAllowedSites(p),
  removeAllowedSite: (w, p) => w.removeAllowedSite(p.server, p.site),
  queryAudit: (w, p) => w.queryAudit(p),
  verifyAudit: (w) => w.verifyAudit(),
};
