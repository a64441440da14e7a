/** A URL to be opened: the whole address as text, the site it goes to in bold, and any warnings. */
import { Text } from './Text.js';
import { urlFacts } from '../../shared/url-facts.js';

/** `server`: the MCP server that asks (its site is compared). `showUrl` false when the address is already on screen (e.g. in a field to copy). */
export function UrlFactsView({ url, server, showUrl = true }: { url: string; server?: string | undefined; showUrl?: boolean }) {
  const facts = urlFacts(url, { server });
  return (
    <div className="url-facts">
      {showUrl && <Text value={url} ltr wrap />}
      {facts === undefined ? (
        <p className="warning" role="alert">
          This is not a valid address.
        </p>
      ) : (
        <>
          <p>
            Goes to{' '}
            <strong data-testid="url-site">
              <Text value={facts.site} ltr />
            </strong>
            {facts.host !== facts.site && (
              <span className="muted">
                {' '}
                (<Text value={facts.host} ltr />)
              </span>
            )}
          </p>
          {facts.warnings.length > 0 && (
            <ul className="warning" aria-label="Warnings">
              {facts.warnings.map((warning) => (
                <li key={warning.code} data-warning={warning.code}>
                  {warning.text}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
