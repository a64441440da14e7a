/**
 * The words that only introduce sub-commands (`latchkey agent add`), with their help.
 */
/** Command groups: a word that only introduces sub-commands. */
export const GROUPS: Record<string, { summary: string; description: string }> = {
  client: {
    summary: 'Manage the OAuth clients Latchkey uses with each authorization server.',
    description: 'Latchkey registers itself where it can (client metadata document or dynamic registration). Use these when a server needs a client you registered yourself.',
  },
  enterprise: {
    summary: "Enterprise-managed connections: your organisation's identity provider and your one sign-in there.",
    description: 'set names the identity provider, sign-in signs you in once in the browser, and every connection made with latchkey connect URL --enterprise gets its tokens from that sign-in, without a browser.',
  },
  agent: {
    summary: 'Enrol, list and remove the local agents that may ask Latchkey for tokens.',
    description: 'An agent is a program (a coding assistant, a CI job) with its own secret. It gets tokens only under grants you give it or requests you approve.',
  },
  session: {
    summary: 'End an agent session (see latchkey sessions).',
    description: 'A session is one run of an agent under latchkey run, with its own short-lived secret.',
  },
  grant: {
    summary: 'Decide which agent may get tokens for which server, with which scopes and for how long.',
    description: 'A grant is agent × server × scopes × longest token lifetime × optional expiry × mode (allow, or ask each time). Without a grant an agent\'s request waits for your approval.',
  },
  policy: {
    summary: 'Keep your agents, grants and allowed sites in a file: export it, review it like code, apply it.',
    description: 'export writes the file (never a secret), diff shows what a file would change, apply makes the change after you confirm it.',
  },
};
