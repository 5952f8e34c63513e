/**
 * An unsecured OAUTHBEARER token (RFC 7515 JWS with `"alg": "none"` and no signature), as Kafka's
 * default OAUTHBEARER validator (`OAuthBearerUnsecuredValidatorCallbackHandler`) accepts it: a
 * `sub` claim naming the principal, and `iat`/`exp`. For the harness broker only: a production
 * listener validates signed tokens (`sasl.oauthbearer.jwks.endpoint.url`).
 */
export function unsecuredKafkaToken(options: {
  readonly principal: string;
  /** Seconds until `exp`; negative for an already expired token. Default 3600. */
  readonly lifetimeSeconds?: number;
}): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (json: object) => Buffer.from(JSON.stringify(json)).toString('base64url');
  const header = part({ alg: 'none' });
  const claims = part({ sub: options.principal, iat: now, exp: now + (options.lifetimeSeconds ?? 3600) });
  return `${header}.${claims}.`;
}
