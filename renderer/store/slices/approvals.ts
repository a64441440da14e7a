/** Pending consents and enrolments, and the owner's decisions on them. */
import { singleFlight } from '../single-flight.js';
import type { ApprovalsSlice, SliceContext } from '../types.js';

export function createApprovalsSlice({ client, set, get, report, track }: SliceContext): ApprovalsSlice {
  const load = singleFlight(() =>
    track('approvals', async () => {
      const approvals = await client.call('listApprovals', { status: 'pending' });
      set({ approvals: [...approvals].sort((a, b) => a.createdAt - b.createdAt) });
    }),
  );

  return {
    approvals: [],
    loadApprovals: load,
    decideApproval: async (id, decision, remember) => {
      try {
        await client.call('decideApproval', { id, decision, ...(remember === true ? { remember: true } : {}) });
        set({ approvals: get().approvals.filter((approval) => approval.id !== id) });
        return true;
      } catch (error) {
        report(decision === 'approve' ? 'Approve' : 'Deny', error);
        await load();
        return false;
      }
    },
  };
}
