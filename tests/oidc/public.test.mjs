// A public (native) client: no secret (client authentication None), PKCE, a loopback redirect
// URI on whatever port is free (RFC 8252 section 7.3), registered as http://127.0.0.1/cb.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import {
  BASE, PASSWORD, PUBLIC_ID, Browser, assertAtHash, authorizationUrl, authorize, checks, client,
  discover, refusal,
} from "./lib.mjs";

const SIGN_IN = { account: "globex", login: "it@globex.com", password: PASSWORD };

let config;
let listener;
let redirectUri;
const received = [];

before(async () => {
  config = await discover(PUBLIC_ID, client.None());
  listener = createServer((request, response) => {
    received.push(new URL(request.url, redirectUri));
    response.end("signed in; you may close this window");
  });
  await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve));
  redirectUri = `http://127.0.0.1:${listener.address().port}/cb`;
});

after(() => listener?.close());

test("a public client on a loopback port: PKCE, no secret, the callback reaches the app", async () => {
  const browser = new Browser();
  const c = await checks();
  const back = await authorize(browser, authorizationUrl(config, redirectUri, c), SIGN_IN);
  assert.equal(back.origin + back.pathname, redirectUri);
  await fetch(back); // the browser lands on the app's loopback listener
  assert.equal(received.length, 1);
  const tokens = await client.authorizationCodeGrant(config, received[0], {
    pkceCodeVerifier: c.pkceCodeVerifier,
    expectedState: c.expectedState,
    expectedNonce: c.expectedNonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.aud, PUBLIC_ID);
  assert.equal(claims.iss, BASE);
  assertAtHash(claims, tokens.access_token);
  assert.equal((await client.fetchUserInfo(config, tokens.access_token, claims.sub)).sub, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(refreshed.claims().sub, claims.sub);
});

test("a public client's code is worthless without its verifier", async () => {
  const browser = new Browser();
  const c = await checks();
  const back = await authorize(browser, authorizationUrl(config, redirectUri, c), SIGN_IN);
  const error = await refusal(
    client.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: client.randomPKCECodeVerifier(),
      expectedState: c.expectedState,
      expectedNonce: c.expectedNonce,
    }),
  );
  assert.equal(error, "invalid_grant");
});
