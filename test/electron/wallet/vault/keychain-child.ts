/**
 * Child process of the V4 locked-keychain test, run inside its own private D-Bus session with a
 * real gnome-keyring. Usage: keychain-child.js <create|open> <dir> [canary]. Prints one JSON line:
 * {"ok":true,"document":…,"generation":n} or {"ok":false,"code":…,"message":…,"hint":…}.
 */
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { isLatchkeyError } from '../../../../shared/errors.js';

async function run(step: string, dir: string, canary: string | undefined): Promise<void> {
  const vault = await openVault({ dir, mode: 'keychain' }); // the real keytar SecretStore
  if (step === 'create') {
    await vault.update((doc) => {
      doc.canary = canary;
    });
  }
  process.stdout.write(`${JSON.stringify({ ok: true, document: vault.read(), generation: vault.generation, backend: vault.backend })}\n`);
  await vault.close();
}

const [step = '', dir = '', canary] = process.argv.slice(2);
run(step, dir, canary).catch((error: unknown) => {
  const result = isLatchkeyError(error)
    ? { ok: false, code: error.code, message: error.message, hint: error.hint }
    : { ok: false, code: 'unexpected', message: String(error) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
