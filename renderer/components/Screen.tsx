/** A screen's frame (heading, intro, and the empty / loading / failed states every screen shares). */
import { useEffect, useRef, type ReactNode } from 'react';
import { useWallet } from '../app/store-context.js';
import { selectLoad } from '../store/selectors.js';
import type { Collection } from '../store/index.js';
import { Text } from './Text.js';

interface ScreenProps {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}

/** The heading takes focus when the screen opens, so keyboard and screen-reader users land on it. */
export function Screen({ title, intro, children }: ScreenProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section className="screen" aria-label={title}>
      <h1 ref={heading} tabIndex={-1} className="screen-title">
        {title}
      </h1>
      {intro !== undefined && <p className="intro">{intro}</p>}
      {children}
    </section>
  );
}

/** What a newcomer sees when a list is empty: what it is for and what to do next. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty" role="status">
      <p className="empty-title">{title}</p>
      <p>{children}</p>
    </div>
  );
}

/** Shows "Loading…" on a first load and the error (with its code) if a load failed; else the content. */
export function Loaded({ collection, children }: { collection: Collection; children: ReactNode }) {
  const load = useWallet(selectLoad(collection));
  if (load.state === 'error') {
    return (
      <div className="load-error" role="alert">
        <p>
          Could not load this: <Text value={load.error.message} wrap /> <code>{load.error.code}</code>
        </p>
        {load.error.hint !== undefined && <Text value={load.error.hint} wrap />}
      </div>
    );
  }
  if (load.state !== 'ready') return <p className="muted" role="status">Loading…</p>;
  return <>{children}</>;
}
