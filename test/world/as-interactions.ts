/**
 * The test authorization server's own login and consent interaction (instead of oidc-provider's
 * devInteractions): a real form with username and password, and a consent page with Allow and
 * Deny. A browser has to fill them; nothing here is a shortcut around the user step.
 */
import express, { type Request, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { z } from 'zod';
import { renderConsentPage, renderLoginPage } from './as-pages.js';

/** Live settings the interaction reads on every request (tests may change them mid-run). */
export interface InteractionSettings {
  /** The password the login form accepts (any non-empty username). */
  password: string;
  /** When true, consent is refused with access_denied whatever the user clicks. */
  denyConsent: boolean;
}

const consentDetailsSchema = z.object({
  missingOIDCScope: z.array(z.string()).optional(),
  missingOIDCClaims: z.array(z.string()).optional(),
  missingResourceScopes: z.record(z.string(), z.array(z.string())).optional(),
});

const loginFormSchema = z.object({ username: z.string().trim().min(1).max(200), password: z.string().max(200) });
const consentFormSchema = z.object({ decision: z.enum(['approve', 'deny']) });

export function createInteractionRouter(provider: Provider, settings: InteractionSettings): Router {
  const router = express.Router();
  const parseForm = express.urlencoded({ extended: false, limit: '8kb' });

  router.get('/:uid', async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    res.type('html').set('cache-control', 'no-store');
    if (interaction.prompt.name === 'login') {
      res.send(renderLoginPage({ uid: interaction.uid, clientName: await readClientName(provider, interaction) }));
      return;
    }
    res.send(
      renderConsentPage({
        uid: interaction.uid,
        clientName: await readClientName(provider, interaction),
        accountId: interaction.session?.accountId ?? '',
        scopes: splitScope(interaction.params.scope),
        resources: listParam(interaction.params.resource),
      }),
    );
  });

  router.post('/:uid/login', parseForm, async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    const form = loginFormSchema.safeParse(req.body);
    if (interaction.prompt.name !== 'login' || !form.success || form.data.password !== settings.password) {
      res.status(200).type('html').set('cache-control', 'no-store');
      res.send(
        renderLoginPage({
          uid: interaction.uid,
          clientName: await readClientName(provider, interaction),
          error: 'Wrong username or password.',
          username: form.success ? form.data.username : '',
        }),
      );
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.data.username } }, { mergeWithLastSubmission: false });
  });

  router.post('/:uid/consent', parseForm, async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    const form = consentFormSchema.safeParse(req.body);
    if (!form.success || form.data.decision === 'deny' || settings.denyConsent || interaction.prompt.name !== 'consent') {
      await finishWithDenial(provider, req, res);
      return;
    }
    const grantId = await saveGrant(provider, interaction);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });

  return router;
}

async function finishWithDenial(provider: Provider, req: Request, res: Response): Promise<void> {
  await provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: 'The user denied the authorization request.' },
    { mergeWithLastSubmission: false },
  );
}

/** Grants exactly what the prompt reports missing: OIDC scopes/claims and per-resource scopes. */
async function saveGrant(provider: Provider, interaction: Interaction): Promise<string> {
  const accountId = interaction.session?.accountId;
  const clientId = interaction.params.client_id;
  if (accountId === undefined || typeof clientId !== 'string') {
    throw new Error('consent without a signed-in account or client_id');
  }
  const existing = interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const details = consentDetailsSchema.parse(interaction.prompt.details);
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

async function readClientName(provider: Provider, interaction: Interaction): Promise<string> {
  const clientId = interaction.params.client_id;
  if (typeof clientId !== 'string') return 'an application';
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

function splitScope(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}

function listParam(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
