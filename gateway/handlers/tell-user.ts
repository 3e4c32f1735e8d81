import { type GatewayServices } from '../deps';

/** An ephemeral message to the user through a response_url; a failure is logged, not thrown. */
export async function tellEphemeral(
  services: GatewayServices,
  responseUrl: string | undefined,
  text: string,
): Promise<void> {
  if (!responseUrl) {
    services.log.warn({ text }, 'no response_url to tell the user');
    return;
  }
  try {
    await services.respond(responseUrl, { response_type: 'ephemeral', replace_original: false, text });
  } catch (err) {
    services.log.warn({ err }, 'could not post to the response_url');
  }
}
