import { type GrantInput } from '../../workflows/grant/grant-types';
import { type GatewayServices } from '../deps';

/**
 * Break-glass in a group with step-up starts only after the requester signs in again (gateway/step-up/): the DM with
 * their link, or the refusal when this gateway has no identity provider. Undefined: no sign-in needed, or given.
 * Once signed in, `start` runs with the sign-in in the input (the submit's checks again, then the grant).
 */
export function breakGlassSignIn(
  services: GatewayServices,
  input: GrantInput,
  stepUp: boolean,
  label: string,
  start: (signedIn: GrantInput) => Promise<string>,
): string | undefined {
  const breakGlass = input.breakGlass;
  if (!breakGlass || !stepUp || breakGlass.stepUp !== undefined) return undefined;
  if (!services.stepUp) {
    return `:no_entry: Break-glass access to ${label} needs a fresh sign-in, and this gateway has no identity provider set up (STEP_UP_OIDC_ISSUER). Nothing was started; tell whoever runs it.`;
  }
  const requester = input.requester.slackUserId;
  const link = services.stepUp.begin({
    clicker: requester,
    what: 'break-glass request',
    // Posting to a user ID opens (or reuses) the app's DM with them.
    tell: (text) => services.slack.chat.postMessage({ channel: requester, text }),
    complete: async (proof, told) => {
      const text = await start({ ...input, breakGlass: { ...breakGlass, stepUp: proof } });
      if (text !== '') await told(text);
    },
  });
  const minutes = Math.round(services.stepUp.maxAgeSeconds / 60);
  return `:closed_lock_with_key: Break-glass access to ${label} needs a fresh sign-in. <${link}|Sign in to take break-glass access> within ${minutes} min; access starts once you have. Only you can use this link.`;
}
