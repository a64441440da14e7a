/** The MCP servers the wallet holds grants for; add one by URL. */
import { useWallet } from '../../app/store-context.js';
import { EmptyState, Loaded, Screen } from '../../components/Screen.js';
import { selectConnections } from '../../store/selectors.js';
import { AddConnection } from './AddConnection.js';
import { AllowedSites } from './AllowedSites.js';
import { ConnectionsTable } from './ConnectionsTable.js';

export function ConnectionsScreen() {
  const connections = useWallet(selectConnections);
  return (
    <Screen title="Connections" intro="The MCP servers you signed in to. Agents get short-lived, narrowed tokens for them; the refresh tokens stay here.">
      <AddConnection />
      <Loaded collection="connections">
        {connections.length === 0 ? (
          <EmptyState title="No connections yet.">
            Paste an MCP server&apos;s URL above and choose Connect (or run <code>latchkey connect &lt;mcp-url&gt;</code>). You sign
            in at the server&apos;s authorization page in your browser; Latchkey keeps the grant.
          </EmptyState>
        ) : (
          <ConnectionsTable connections={connections} />
        )}
      </Loaded>
      <AllowedSites />
    </Screen>
  );
}
