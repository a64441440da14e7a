/**
 * WWW-Authenticate parsing (RFC 9110 §11.6.1, protocol.md P1). The header is server-controlled:
 * the parser is a single linear scan that never throws and skips what it cannot read, so one
 * broken challenge or parameter does not hide the others.
 *
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *
 * (oauth4webapi has such a parser but does not export it, and it gives up on the whole header at
 * the first thing it does not understand.)
 */

export interface Challenge {
  /** Lower-case auth scheme, e.g. "bearer". */
  scheme: string;
  /** Parameters by lower-case name; the first occurrence of a name wins. */
  params: Record<string, string>;
  token68?: string;
}

export interface BearerChallenge {
  resourceMetadata?: string;
  scope?: string[];
  error?: string;
  errorDescription?: string;
}

/** Headers longer than this are cut: no legitimate challenge comes close. */
const MAX_HEADER_LENGTH = 16 * 1024;

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const LOOSE_VALUE_STOP = /[,"\s]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  if (typeof header !== 'string') return [];
  return new ChallengeScanner(header.slice(0, MAX_HEADER_LENGTH)).challenges();
}

/**
 * The first Bearer challenge of the header, else its DPoP one (RFC 9449 §7.1: a server that takes
 * only DPoP-bound tokens challenges with that scheme alone), reduced to what OAuth clients use
 * (RFC 6750, RFC 9728).
 */
export function bearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  const challenges = parseWwwAuthenticate(header);
  const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'dpop');
  if (challenge === undefined) return undefined;
  const { params } = challenge;
  const out: BearerChallenge = {};
  if (params['resource_metadata'] !== undefined && params['resource_metadata'] !== '') out.resourceMetadata = params['resource_metadata'];
  if (params['scope'] !== undefined) {
    const scopes = params['scope'].split(/[ \t]+/).filter((s) => s !== '');
    if (scopes.length > 0) out.scope = [...new Set(scopes)];
  }
  if (params['error'] !== undefined && params['error'] !== '') out.error = params['error'];
  if (params['error_description'] !== undefined) out.errorDescription = params['error_description'];
  return out;
}

class ChallengeScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  challenges(): Challenge[] {
    const out: Challenge[] = [];
    while (this.skipSeparators()) {
      const start = this.pos;
      const scheme = this.readToken();
      if (scheme === '' || (!this.atEnd() && !this.atWhitespace() && this.peek() !== ',')) {
        this.skipItem(start);
        continue;
      }
      out.push(this.readChallengeBody(scheme.toLowerCase()));
    }
    return out;
  }

  private readChallengeBody(scheme: string): Challenge {
    const params: Record<string, string> = Object.create(null) as Record<string, string>;
    const challenge: Challenge = { scheme, params };
    this.skipWhitespace();
    const token68 = this.tryToken68();
    if (token68 !== undefined) {
      challenge.token68 = token68;
      return challenge;
    }
    // #auth-param: parameters until a comma that is followed by something other than a parameter.
    for (;;) {
      this.skipWhitespace();
      if (this.atEnd() || this.peek() === ',') {
        if (!this.nextIsParamAfterCommas()) return challenge;
        this.skipSeparators();
        continue;
      }
      const start = this.pos;
      const param = this.tryParam();
      if (param === undefined) {
        this.skipItem(start);
        continue;
      }
      const [name, value] = param;
      if (!(name in params)) params[name] = value;
    }
  }

  /** token68 is allowed only as the whole challenge body: followed by end or a comma. */
  private tryToken68(): string | undefined {
    const start = this.pos;
    while (!this.atEnd() && TOKEN68_CHAR.test(this.peek())) this.pos += 1;
    if (this.pos === start) return undefined;
    while (!this.atEnd() && this.peek() === '=') this.pos += 1;
    const value = this.text.slice(start, this.pos);
    this.skipWhitespace();
    if (this.atEnd() || this.peek() === ',') return value;
    this.pos = start;
    return undefined;
  }

  private tryParam(): [string, string] | undefined {
    const name = this.readToken();
    if (name === '') return undefined;
    this.skipWhitespace();
    if (this.peek() !== '=') return undefined;
    this.pos += 1;
    this.skipWhitespace();
    const value = this.peek() === '"' ? this.readQuoted() : this.readLooseValue();
    if (value === undefined) return undefined;
    this.skipWhitespace();
    if (!this.atEnd() && this.peek() !== ',') return undefined;
    return [name.toLowerCase(), value];
  }

  /** After one or more commas: is the next item an auth-param (token BWS "=") of this challenge? */
  private nextIsParamAfterCommas(): boolean {
    const saved = this.pos;
    this.skipSeparators();
    const name = this.readToken();
    this.skipWhitespace();
    // "name=" is a parameter; "name==" can only be a token68, which never follows a comma.
    const isParam = name !== '' && this.peek() === '=' && this.text[this.pos + 1] !== '=';
    this.pos = saved;
    return isParam;
  }

  private readQuoted(): string | undefined {
    this.pos += 1; // opening quote
    let value = '';
    while (!this.atEnd()) {
      const c = this.peek();
      this.pos += 1;
      if (c === '"') return value;
      if (c === '\\') {
        if (this.atEnd()) return undefined;
        value += this.peek();
        this.pos += 1;
      } else value += c;
    }
    return undefined; // unterminated
  }

  /**
   * An unquoted value. RFC 9110 allows only a token, but servers send bare URLs
   * (resource_metadata=https://…): accept anything up to a comma, whitespace or quote.
   */
  private readLooseValue(): string | undefined {
    const start = this.pos;
    while (!this.atEnd() && !LOOSE_VALUE_STOP.test(this.peek())) this.pos += 1;
    return this.pos === start ? undefined : this.text.slice(start, this.pos);
  }

  private readToken(): string {
    const start = this.pos;
    while (!this.atEnd() && TOKEN_CHAR.test(this.peek())) this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  /** Skips a broken item up to the next comma outside a quoted string; always advances. */
  private skipItem(start: number): void {
    if (this.pos === start) this.pos += 1;
    let quoted = false;
    while (!this.atEnd()) {
      const c = this.peek();
      if (quoted && c === '\\') this.pos += 1;
      else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) return;
      this.pos += 1;
    }
  }

  /** Skips whitespace and commas; false at the end of the header. */
  private skipSeparators(): boolean {
    while (!this.atEnd() && (this.peek() === ',' || this.atWhitespace())) this.pos += 1;
    return !this.atEnd();
  }

  private skipWhitespace(): void {
    while (this.atWhitespace()) this.pos += 1;
  }

  private atWhitespace(): boolean {
    const c = this.text[this.pos];
    return c === ' ' || c === '\t';
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }
}
