/** Sites whose pages a server may open without asking (the owner chose "always allow"), and removing one. */
import { singleFlight } from '../single-flight.js';
import type { AllowedSitesSlice, SliceContext } from '../types.js';

export function createAllowedSitesSlice({ client, set, get, report, track }: SliceContext): AllowedSitesSlice {
  const load = singleFlight(() =>
    track('allowedSites', async () => {
      const sites = await client.call('listAllowedSites', {});
      set({ allowedSites: [...sites].sort((a, b) => a.server.localeCompare(b.server) || a.site.localeCompare(b.site)) });
    }),
  );

  return {
    allowedSites: [],
    loadAllowedSites: load,
    removeAllowedSite: async (server, site) => {
      try {
        await client.call('removeAllowedSite', { server, site });
        set({ allowedSites: get().allowedSites.filter((entry) => !(entry.server === server && entry.site === site)) });
        return true;
      } catch (error) {
        report('Remove allowed site', error);
        return false;
      } finally {
        await load();
      }
    },
  };
}
