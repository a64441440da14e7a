/**
 * Sites whose pages a server may open without asking (chosen with "Always allow" on a page
 * request). Removing one makes that server ask again.
 */
import type { AllowedSite } from '../../../shared/api.js';
import { useWallet } from '../../app/store-context.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { formatStamp, formatTime } from '../../components/format.js';
import { EmptyState, Loaded } from '../../components/Screen.js';
import { Text } from '../../components/Text.js';
import { selectAllowedSites } from '../../store/selectors.js';

export function AllowedSites() {
  const sites = useWallet(selectAllowedSites);
  return (
    <section className="allowed-sites" aria-labelledby="allowed-sites-title">
      <h2 id="allowed-sites-title" className="section-title">
        Allowed sites
      </h2>
      <p className="muted">
        When a server asks you to open a page, Latchkey asks you first. For the sites below, that server&apos;s pages open without asking.
      </p>
      <Loaded collection="allowedSites">
        {sites.length === 0 ? (
          <EmptyState title="No allowed sites.">
            Every page a server wants opened asks you first. Tick &ldquo;Always allow pages on this site&rdquo; on a request to skip the
            question for that server and site.
          </EmptyState>
        ) : (
          <AllowedSitesTable sites={sites} />
        )}
      </Loaded>
    </section>
  );
}

function AllowedSitesTable({ sites }: { sites: AllowedSite[] }) {
  const remove = useWallet((s) => s.removeAllowedSite);
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Allowed sites">
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Site</th>
            <th scope="col">Since</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sites.map((entry) => (
            <tr key={`${entry.server} ${entry.site}`}>
              <td className="cell-url">
                <Text value={entry.server} ltr />
              </td>
              <td>
                <strong>
                  <Text value={entry.site} ltr />
                </strong>
              </td>
              <td title={formatTime(entry.createdAt)}>{formatStamp(entry.createdAt)}</td>
              <td>
                <div className="row-actions">
                  <ConfirmButton small label="Remove" title="Remove this allowed site?" onConfirm={() => remove(entry.server, entry.site)}>
                    <p>
                      Pages on <Text value={entry.site} ltr /> from <Text value={entry.server} ltr wrap /> will ask you again before they open.
                    </p>
                  </ConfirmButton>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
