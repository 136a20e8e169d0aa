// The official WorkOS Node SDK (@workos-inc/node, pinned in package-lock.json)
// against a Latchkey on loopback: authorization URL, SSO through the dev-idp,
// code exchange, JWKS verification, refresh rotation and the SDK's own
// sealed-session path. nodesdk_test.go starts the servers and runs this file
// with LATCHKEY_URL, CLIENT_ID, API_KEY, ORG_ID and CONN_ID set.
//
// Any difference from WorkOS's wire format is fixed in Latchkey, never
// patched around here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { WorkOS } from '@workos-inc/node';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this file through nodesdk_test.go`);
  return v;
}

const LATCHKEY_URL = env('LATCHKEY_URL'); // e.g. http://127.0.0.1:41234
const CLIENT_ID = env('CLIENT_ID');
const API_KEY = env('API_KEY');
const ORG_ID = env('ORG_ID');
const CONN_ID = env('CONN_ID');
const REDIRECT_URI = 'http://localhost:3000/callback';
const LOGOUT_URI = 'http://localhost:3000/'; // the configured logout_redirect_uris
const EMAIL = 'dev@example.test';
// A state with characters that are easy to mangle in transit.
const STATE = 'st &=?#+/%20 "q" <é> ü😀 ~.-_';

const base = new URL(LATCHKEY_URL);

function newWorkOS() {
  return new WorkOS(API_KEY, {
    apiHostname: base.hostname,
    port: Number(base.port),
    https: false,
    clientId: CLIENT_ID,
    // Access tokens' iss is Latchkey's public URL; make the SDK enforce it.
    issuer: LATCHKEY_URL,
    // A server error must fail the test, not be retried into a success.
    maxRetries: 0,
  });
}

function base64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

function pkce() {
  const codeVerifier = base64url(crypto.randomBytes(32));
  const codeChallenge = base64url(crypto.createHash('sha256').update(codeVerifier).digest());
  return { codeVerifier, codeChallenge };
}

// signIn plays the browser: it follows redirects one by one, keeping cookies
// in a name→value jar (every host is 127.0.0.1, and cookies ignore ports),
// until the Location is the application's redirect URI.
async function signIn(authorizationUrl) {
  const jar = new Map();
  let next = authorizationUrl;
  for (let hop = 0; hop < 15; hop++) {
    if (next.startsWith(REDIRECT_URI)) return new URL(next);
    const headers = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(next, { redirect: 'manual', headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const body = await res.text();
    assert.ok(res.status >= 300 && res.status < 400,
      `GET ${next} = ${res.status}, want a redirect; body: ${body.slice(0, 500)}`);
    const location = res.headers.get('location');
    assert.ok(location, `GET ${next} = ${res.status} without a Location`);
    next = new URL(location, next).toString();
  }
  assert.fail('too many redirects');
}

// codeFrom checks the final redirect and returns its code.
function codeFrom(final) {
  const q = final.searchParams;
  assert.equal(q.get('error'), null, `sign-in failed: ${q.get('error')}: ${q.get('error_description')}`);
  assert.equal(q.get('state'), STATE, 'state must come back byte for byte');
  const code = q.get('code');
  assert.ok(code && code.length >= 43, `final redirect ${final} lacks a code`);
  return code;
}

async function authorize(workos, selector) {
  const { codeVerifier, codeChallenge } = pkce();
  const url = workos.userManagement.getAuthorizationUrl({
    ...selector,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    state: STATE,
    loginHint: EMAIL,
    codeChallenge,
    codeChallengeMethod: 'S256',
    providerScopes: ['profile', 'email'],
  });
  assert.ok(url.startsWith(`${LATCHKEY_URL}/user_management/authorize?`), url);
  const code = codeFrom(await signIn(url));
  return { code, codeVerifier };
}

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// verifyAccessToken checks the RS256 signature against the JWKS at url with
// node:crypto alone, then the claims, and returns them.
async function verifyAccessToken(token, jwksUrl) {
  const parts = token.split('.');
  assert.equal(parts.length, 3, 'the access token is a JWS in compact form');
  const header = decodePart(parts[0]);
  assert.equal(header.alg, 'RS256');
  assert.ok(header.kid, 'the token header names its key (kid)');

  const res = await fetch(jwksUrl);
  assert.equal(res.status, 200, `GET ${jwksUrl}`);
  assert.ok(res.headers.get('cache-control'), 'the JWKS is served with cache headers');
  const jwks = await res.json();
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0, 'the JWKS has keys');
  for (const k of jwks.keys) {
    assert.ok(k.kid && k.alg && k.use, `every key has kid, alg and use: ${JSON.stringify(k)}`);
    assert.equal(k.d, undefined, 'no private key material is published');
  }
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `the JWKS has the token's key ${header.kid}`);
  assert.equal(jwk.kty, 'RSA');
  assert.equal(jwk.alg, 'RS256');
  assert.equal(jwk.use, 'sig');

  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`),
    key, Buffer.from(parts[2], 'base64url'));
  assert.ok(ok, 'the access token signature verifies against the JWKS');

  const claims = decodePart(parts[1]);
  const now = Math.floor(Date.now() / 1000);
  assert.equal(claims.iss, LATCHKEY_URL);
  assert.ok(typeof claims.exp === 'number' && claims.exp > now, `exp ${claims.exp} is in the future`);
  assert.ok(claims.exp <= now + 3600, `exp ${claims.exp} is not far in the future`);
  assert.ok(typeof claims.iat === 'number' && claims.iat <= now + 5, 'iat is set');
  assert.ok(claims.jti, 'jti is set');
  return claims;
}

function checkAuthentication(auth, wantOrg = ORG_ID) {
  assert.equal(auth.user.object, 'user');
  assert.match(auth.user.id, /^user_[0-9A-Z]{26}$/);
  assert.equal(auth.user.email, EMAIL);
  assert.equal(typeof auth.user.emailVerified, 'boolean');
  assert.ok(auth.user.createdAt && auth.user.updatedAt, 'the user has timestamps');
  assert.equal(typeof auth.user.lastSignInAt, 'string', 'last_sign_in_at is set by a sign-in');
  // Required by the OpenAPI document (nullable) and typed string | null by
  // the SDK, which passes them through as they come: absent would be undefined.
  for (const f of ['firstName', 'lastName', 'profilePictureUrl', 'externalId']) {
    assert.notEqual(auth.user[f], undefined, `user.${f} is sent (null when unknown)`);
  }
  assert.equal(auth.organizationId, wantOrg);
  assert.equal(auth.authenticationMethod, 'SSO');
  assert.ok(auth.accessToken, 'an access token');
  assert.ok(auth.refreshToken, 'a refresh token');
}

async function rejects(promise, status, error) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, 'OauthException', `${err.name}: ${err.message}`);
    assert.equal(err.status, status);
    assert.equal(err.error, error);
    assert.ok(err.errorDescription, 'the error has an error_description');
    assert.match(err.requestID, /^[A-Z2-7]{8}$/, 'X-Request-ID carries the trace ID');
    assert.ok(err.errorDescription.includes(`[${err.requestID}]`), 'the description quotes the same trace ID');
    return true;
  });
}

test('authorization code, JWKS and refresh through organizationId', async () => {
  const workos = newWorkOS();
  const { code, codeVerifier } = await authorize(workos, { organizationId: ORG_ID });

  const auth = await workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
  checkAuthentication(auth);

  const jwksUrl = workos.userManagement.getJwksUrl(CLIENT_ID);
  assert.equal(jwksUrl, `${LATCHKEY_URL}/sso/jwks/${CLIENT_ID}`);
  const claims = await verifyAccessToken(auth.accessToken, jwksUrl);
  assert.equal(claims.sub, auth.user.id);
  assert.match(claims.sid, /^session_[0-9A-Z]{26}$/);
  assert.equal(claims.org_id, ORG_ID);

  const refreshed = await workos.userManagement.authenticateWithRefreshToken({
    clientId: CLIENT_ID, refreshToken: auth.refreshToken,
  });
  checkAuthentication(refreshed);
  assert.equal(refreshed.user.id, auth.user.id);
  assert.notEqual(refreshed.refreshToken, auth.refreshToken, 'refresh rotates the refresh token');
  const refreshedClaims = await verifyAccessToken(refreshed.accessToken, jwksUrl);
  assert.equal(refreshedClaims.sid, claims.sid, 'a refresh keeps the session');
  assert.equal(refreshedClaims.sub, auth.user.id);

  // Reusing the rotated-out token is refused, and revokes the whole session.
  await rejects(workos.userManagement.authenticateWithRefreshToken({
    clientId: CLIENT_ID, refreshToken: auth.refreshToken,
  }), 400, 'invalid_grant');
  await rejects(workos.userManagement.authenticateWithRefreshToken({
    clientId: CLIENT_ID, refreshToken: refreshed.refreshToken,
  }), 400, 'invalid_grant');
});

test('authorization code through connectionId, with a wrong verifier refused', async () => {
  const workos = newWorkOS();
  const first = await authorize(workos, { connectionId: CONN_ID });
  // PKCE binds the code even though the SDK also sends the API key.
  await rejects(workos.userManagement.authenticateWithCode({
    clientId: CLIENT_ID, code: first.code, codeVerifier: pkce().codeVerifier,
  }), 400, 'invalid_grant');

  const { code, codeVerifier } = await authorize(workos, { connectionId: CONN_ID });
  const auth = await workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier });
  checkAuthentication(auth);
  const claims = await verifyAccessToken(auth.accessToken, workos.userManagement.getJwksUrl(CLIENT_ID));
  assert.equal(claims.sub, auth.user.id);

  // A code is single-use, and its reuse revokes the session it created.
  await rejects(workos.userManagement.authenticateWithCode({ clientId: CLIENT_ID, code, codeVerifier }),
    400, 'invalid_grant');
  await rejects(workos.userManagement.authenticateWithRefreshToken({
    clientId: CLIENT_ID, refreshToken: auth.refreshToken,
  }), 400, 'invalid_grant');
});

test('sealed session: sealSession, loadSealedSession().authenticate() and refresh()', async () => {
  const cookiePassword = crypto.randomBytes(32).toString('base64url');
  const signer = newWorkOS();
  const { code, codeVerifier } = await authorize(signer, { organizationId: ORG_ID });
  const auth = await signer.userManagement.authenticateWithCode({
    clientId: CLIENT_ID, code, codeVerifier, session: { sealSession: true, cookiePassword },
  });
  checkAuthentication(auth);
  assert.ok(typeof auth.sealedSession === 'string' && auth.sealedSession.length > 0, 'a sealed session');

  // A fresh client, as in another request of a web app: it fetches
  // /sso/jwks/{client_id} itself (with jose) to verify the access token.
  const workos = newWorkOS();
  const session = workos.userManagement.loadSealedSession({ sessionData: auth.sealedSession, cookiePassword });
  const result = await session.authenticate();
  assert.equal(result.authenticated, true, `authenticate(): ${JSON.stringify(result)}`);
  assert.equal(result.user.id, auth.user.id);
  assert.equal(result.user.email, EMAIL);
  assert.equal(result.organizationId, ORG_ID);
  assert.match(result.sessionId, /^session_[0-9A-Z]{26}$/);
  assert.equal(result.authenticationMethod, 'SSO');
  assert.equal(result.accessToken, auth.accessToken);
  assert.equal(typeof result.role, 'string', 'the access token carries role');
  for (const f of ['roles', 'permissions', 'entitlements', 'featureFlags']) {
    assert.ok(Array.isArray(result[f]), `the access token carries ${f} as an array`);
  }

  // refresh() sends the refresh token with the token's organization_id.
  const refreshed = await session.refresh();
  assert.equal(refreshed.authenticated, true, `refresh(): ${JSON.stringify(refreshed)}`);
  assert.equal(refreshed.user.id, auth.user.id);
  assert.equal(refreshed.organizationId, ORG_ID);
  assert.equal(refreshed.sessionId, result.sessionId);
  assert.notEqual(refreshed.sealedSession, auth.sealedSession);
  const again = await workos.userManagement
    .loadSealedSession({ sessionData: refreshed.sealedSession, cookiePassword }).authenticate();
  assert.equal(again.authenticated, true, `authenticate() after refresh(): ${JSON.stringify(again)}`);
  assert.equal(again.sessionId, result.sessionId);

  // The logout URL the SDK builds ends the session and returns to the
  // application's registered logout redirect URI.
  const logoutUrl = await session.getLogoutUrl({ returnTo: LOGOUT_URI });
  assert.ok(logoutUrl.startsWith(`${LATCHKEY_URL}/user_management/sessions/logout?`), logoutUrl);
  const res = await fetch(logoutUrl, { redirect: 'manual' });
  await res.text();
  assert.equal(res.status, 302, `GET ${logoutUrl}`);
  assert.equal(res.headers.get('location'), LOGOUT_URI);
  const afterLogout = await session.refresh();
  assert.equal(afterLogout.authenticated, false, `refresh() after logout: ${JSON.stringify(afterLogout)}`);
  assert.equal(afterLogout.reason, 'invalid_grant');
});
