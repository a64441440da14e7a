/** Failed actions, each with its code and what to do next, until dismissed. */
import { Text } from '../components/Text.js';
import { useWallet } from './store-context.js';
import { selectNotices } from '../store/selectors.js';

export function Notices() {
  const notices = useWallet(selectNotices);
  const dismiss = useWallet((s) => s.dismissNotice);
  return (
    <div className="notices" aria-live="assertive" aria-label="Notices" role="region">
      {notices.map((notice) => (
        <div key={notice.id} className="notice" role="alert">
          <p>
            <strong>{notice.action} failed:</strong> <Text value={notice.message} wrap /> <code>{notice.code}</code>
          </p>
          {notice.hint !== undefined && (
            <p>
              <Text value={notice.hint} wrap />
            </p>
          )}
          <button type="button" className="button small" onClick={() => dismiss(notice.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
