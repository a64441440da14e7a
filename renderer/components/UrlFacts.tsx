/** A URL to be opened: the whole address as text, the site it goes to in bold, and any warnings. */
import { Text } from './Text.js';
import { urlFacts } from './url-facts.js';

/** `showUrl` false when the address is already on screen (e.g. in a field to copy). */
export function UrlFactsView({ url, showUrl = true }: { url: string; showUrl?: boolean }) {
  const facts = urlFacts(url);
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
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
