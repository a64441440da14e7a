/**
 * What leaving RFC 8707 `resource` out costs, in one text for every place that offers it: the
 * CLI's `--no-resource` warning and the window's "Don't send the resource parameter" choice.
 */

/** The risk and why it is allowed at all; each caller adds how its own switch is undone. */
export const NO_RESOURCE_RISK =
  'Latchkey will not send the RFC 8707 "resource" parameter for this connection. ' +
  'The MCP specification requires it: it ties each token to this one server, so a token leaked from it cannot be used at another. ' +
  'It is off only because you asked (some authorization servers, such as Microsoft Entra ID, reject it); ' +
  'the choice is kept with the connection';
