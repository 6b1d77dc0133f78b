// A confidential web application (client_secret_basic) signs Globex's admin in through a local
// password: authorization code with PKCE, userinfo, refresh with rotation and replay detection,
// revocation, RP-initiated logout. Each test builds on the state the one before left.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, CONFIDENTIAL, PASSWORD, Browser, assertAtHash, authorizationUrl, authorize, checks,
  client, confidential, locationOf, refusal,
} from "./lib.mjs";

const SIGN_IN = { account: "globex", login: "it@globex.com", password: PASSWORD };
const browser = new Browser();
let config;
let first; // the tokens of the first sign-in
let sub;

before(async () => {
  config = await confidential();
});

/** A code for the confidential client, the browser signing in if it must; then the tokens. */
async function signIn(extra = {}) {
  const c = await checks();
  const url = authorizationUrl(config, CONFIDENTIAL.redirect, c, extra);
  const back = await authorize(browser, url, SIGN_IN);
  assert.equal(back.origin + back.pathname, CONFIDENTIAL.redirect);
  assert.equal(back.searchParams.get("iss"), BASE, "RFC 9207 iss in the response");
  const tokens = await client.authorizationCodeGrant(config, back, {
    pkceCodeVerifier: c.pkceCodeVerifier,
    expectedState: c.expectedState,
    expectedNonce: c.expectedNonce,
    idTokenExpected: true,
  });
  return { tokens, nonce: c.expectedNonce };
}

test("discovery: the issuer is the public URL and the metadata asks for what the flows use", () => {
  const server = config.serverMetadata();
  assert.equal(server.issuer, BASE);
  assert.deepEqual(server.code_challenge_methods_supported, ["S256"]);
  assert.equal(server.authorization_response_iss_parameter_supported, true);
  assert.ok(server.token_endpoint_auth_methods_supported.includes("client_secret_basic"));
  assert.ok(server.token_endpoint_auth_methods_supported.includes("none"));
  assert.equal(server.jwks_uri, `${BASE}/oauth/jwks`);
});

test("authorization code + PKCE through a password sign-in: the ID token passes every check", async () => {
  const { tokens, nonce } = await signIn();
  first = tokens;
  const claims = tokens.claims();
  sub = claims.sub;
  assert.equal(claims.iss, BASE);
  assert.equal(claims.aud, CONFIDENTIAL.id);
  assert.equal(claims.nonce, nonce);
  assert.deepEqual(claims.amr, ["pwd"]);
  assert.equal(claims.account, "globex");
  assert.equal(claims.preferred_username, "it@globex.com");
  assert.ok(claims.exp > claims.iat && claims.exp - claims.iat <= 600);
  assert.ok(typeof claims.sid === "string" && claims.sid.length > 0);
  assertAtHash(claims, tokens.access_token);
  assert.ok(tokens.refresh_token, "offline_access gives a refresh token");
  assert.equal(tokens.token_type, "bearer");
});

test("userinfo: the same person, with account, roles and amr", async () => {
  const info = await client.fetchUserInfo(config, first.access_token, sub);
  assert.equal(info.sub, sub);
  assert.equal(info.preferred_username, "it@globex.com");
  assert.equal(info.email, "it@globex.com");
  assert.equal(info.account, "globex");
  assert.deepEqual(info.roles, ["setup_admin"]);
  assert.deepEqual(info.amr, ["pwd"]);
});

test("refresh rotates; the old refresh token replayed ends the grant, the new one with it", async () => {
  const refreshed = await client.refreshTokenGrant(config, first.refresh_token, {
    scope: "openid offline_access",
  });
  assert.notEqual(refreshed.refresh_token, first.refresh_token, "a new refresh token");
  const claims = refreshed.claims();
  assert.equal(claims.sub, sub);
  assert.equal(claims.auth_time, first.claims().auth_time, "auth_time is the original sign-in's");
  assertAtHash(claims, refreshed.access_token);
  assert.equal((await client.fetchUserInfo(config, refreshed.access_token, sub)).sub, sub);

  assert.equal(await refusal(client.refreshTokenGrant(config, first.refresh_token)), "invalid_grant");
  assert.equal(await refusal(client.refreshTokenGrant(config, refreshed.refresh_token)), "invalid_grant");
  assert.equal(await refusal(client.fetchUserInfo(config, refreshed.access_token, sub)), "invalid_token");
});

test("revocation: a revoked refresh token ends its grant", async () => {
  const { tokens } = await signIn();
  assert.equal(tokens.claims().sub, sub, "the browser's session answered without a new sign-in");
  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: "refresh_token" });
  assert.equal(await refusal(client.refreshTokenGrant(config, tokens.refresh_token)), "invalid_grant");
  assert.equal(await refusal(client.fetchUserInfo(config, tokens.access_token, sub)), "invalid_token");
});

test("RP-initiated logout with id_token_hint: back to the application with state, session gone", async () => {
  const { tokens } = await signIn();
  const state = client.randomState();
  const url = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: CONFIDENTIAL.postLogout,
    state,
  });
  const back = locationOf(await browser.get(url));
  assert.equal(back.origin + back.pathname, CONFIDENTIAL.postLogout);
  assert.equal(back.searchParams.get("state"), state);
  assert.equal(await refusal(client.refreshTokenGrant(config, tokens.refresh_token)), "invalid_grant");

  const c = await checks();
  const silent = locationOf(
    await browser.get(authorizationUrl(config, CONFIDENTIAL.redirect, c, { prompt: "none" })),
  );
  assert.equal(silent.origin + silent.pathname, CONFIDENTIAL.redirect);
  // The library reads the error response itself, after checking its state and iss.
  const error = await refusal(
    client.authorizationCodeGrant(config, silent, {
      pkceCodeVerifier: c.pkceCodeVerifier,
      expectedState: c.expectedState,
      expectedNonce: c.expectedNonce,
    }),
  );
  assert.equal(error, "login_required");
});
