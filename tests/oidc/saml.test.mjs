// The same confidential application, the person signed in by the test IdP over SAML: the
// authorization request waits as the RelayState of an IdP-initiated response posted to Acme's
// ACS, and comes back with a code once the ACS has signed the browser in.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import {
  BASE, CONFIDENTIAL, Browser, assertAtHash, authorizationUrl, checks, client, confidential,
  locationOf, samlResponse,
} from "./lib.mjs";

let config;

before(async () => {
  config = await confidential();
});

test("authorization code + PKCE through a SAML sign-in: amr is saml", async () => {
  const browser = new Browser();
  const c = await checks();
  const url = authorizationUrl(config, CONFIDENTIAL.redirect, c, { account: "acme" });
  const login = locationOf(await browser.get(url));
  assert.equal(login.pathname, "/login", "not signed in yet: sent to sign in");

  const relayState = url.pathname + url.search;
  const acs = await browser.request("/saml/acme/acs", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: samlResponse("ann@acme.com"), RelayState: relayState }),
  });
  const next = locationOf(acs);
  assert.equal(next.pathname + next.search, relayState, "the ACS goes on with the request");

  const back = locationOf(await browser.get(next));
  assert.equal(back.origin + back.pathname, CONFIDENTIAL.redirect);
  const tokens = await client.authorizationCodeGrant(config, back, {
    pkceCodeVerifier: c.pkceCodeVerifier,
    expectedState: c.expectedState,
    expectedNonce: c.expectedNonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.iss, BASE);
  assert.deepEqual(claims.amr, ["saml"]);
  assert.equal(claims.account, "acme");
  assert.equal(claims.preferred_username, "ann@acme.com");
  assertAtHash(claims, tokens.access_token);
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.deepEqual(info.amr, ["saml"]);
  assert.equal(info.email, "ann@acme.com");
  assert.equal(info.given_name, "Ann");
  assert.deepEqual(info.roles, []);
});
