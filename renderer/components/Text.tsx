/**
 * Every string that came from a server or an agent goes through here: rendered as text, isolated
 * from the surrounding direction (bidi), invisible and direction-changing characters made visible,
 * long strings cut visually with the whole text in the tooltip. Never HTML, never a link.
 */

/** Direction overrides and isolates, marks, zero-width characters: shown as ⟨U+XXXX⟩. */
const HIDDEN = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Characters put in the page at most; the tooltip holds the rest. */
const MAX_SHOWN = 300;
const MAX_TITLE = 8_192;

export function reveal(text: string): string {
  return text.replace(HIDDEN, (ch) => `⟨U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

interface TextProps {
  value: string;
  /** Left-to-right for URLs, scopes and ids; names follow their own first strong character. */
  ltr?: boolean;
  /** Wrap instead of cutting at one line. */
  wrap?: boolean;
  className?: string;
}

export function Text({ value, ltr = false, wrap = false, className }: TextProps) {
  const shown = reveal(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
  const full = reveal(value.length > MAX_TITLE ? `${value.slice(0, MAX_TITLE)}…` : value);
  const classes = ['text', wrap ? 'text-wrap' : 'text-cut', className].filter(Boolean).join(' ');
  return (
    <bdi className={classes} dir={ltr ? 'ltr' : 'auto'} title={full}>
      {shown}
    </bdi>
  );
}

/** A list of scopes, each as inert text. */
export function Scopes({ scopes }: { scopes: readonly string[] | undefined }) {
  if (scopes === undefined || scopes.length === 0) return <span className="muted">no scopes</span>;
  return (
    <ul className="scopes" aria-label="Scopes">
      {scopes.map((scope, index) => (
        <li key={`${index}:${scope}`}>
          <Text value={scope} ltr />
        </li>
      ))}
    </ul>
  );
}
