/** Light, dark, or the system's choice; kept between runs. */
import { useWallet } from '../../app/store-context.js';
import { selectTheme } from '../../store/selectors.js';
import type { ThemeChoice as Choice } from '../../store/index.js';

const CHOICES: ReadonlyArray<{ value: Choice; label: string }> = [
  { value: 'system', label: 'Same as the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function ThemeChoice() {
  const theme = useWallet(selectTheme);
  const setTheme = useWallet((s) => s.setTheme);
  return (
    <section className="card" aria-label="Appearance">
      <h2 className="card-title">Appearance</h2>
      <fieldset className="radios">
        <legend>Theme</legend>
        {CHOICES.map((choice) => (
          <label key={choice.value} className="radio">
            <input type="radio" name="theme" value={choice.value} checked={theme === choice.value} onChange={() => setTheme(choice.value)} />
            {choice.label}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
