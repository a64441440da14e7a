/** How times and durations read in the window. */

/** "45s", "2m 05s", "1h 03m", "3d 4h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A token lifetime or similar, in whole minutes when it is one. */
export function formatSeconds(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : formatDuration(seconds * 1000);
}

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A short stamp for dense tables ("Nov 22, 10:10:18 PM"); the full one goes in a title. */
export function formatStamp(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3m ago", "in 5m", or "never". */
export function formatRelative(epochMs: number | undefined, now: number): string {
  if (epochMs === undefined) return 'never';
  const delta = epochMs - now;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}
