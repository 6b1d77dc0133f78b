// What the judge's tests share: the server's address, a browser (fetch with a cookie jar,
// following no redirect by itself), the local sign-ins, and the relying party's configuration
// as openid-client discovers it. The library's own checks stay on: only http is allowed (the
// throwaway server has no TLS), and ID token signatures are verified against the JWKS.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as client from "openid-client";

export const BASE = process.env.GATEHOUSE_URL;
export const PASSWORD = "correct horse battery staple";
export const CONFIDENTIAL = {
  id: process.env.CONFIDENTIAL_ID,
  secret: process.env.CONFIDENTIAL_SECRET,
  redirect: "https://hr.example.test/callback",
  postLogout: "https://hr.example.test/signed-out",
};
export const PUBLIC_ID = process.env.PUBLIC_ID;

/** The relying party's configuration, from discovery, with signatures checked. */
export async function discover(clientId, authentication, metadata) {
  const config = await client.discovery(new URL(BASE), clientId, metadata, authentication, {
    execute: [client.allowInsecureRequests],
  });
  client.enableNonRepudiationChecks(config);
  return config;
}

export function confidential() {
  return discover(CONFIDENTIAL.id, client.ClientSecretBasic(CONFIDENTIAL.secret), CONFIDENTIAL.secret);
}

/** A browser: one cookie jar for the one host, redirects returned, not followed. */
export class Browser {
  constructor() {
    this.cookies = new Map();
  }

  absorb(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) || value === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async request(url, init = {}) {
    const target = new URL(url, BASE);
    const headers = new Headers(init.headers);
    if (target.origin === new URL(BASE).origin && this.cookies.size) {
      headers.set("cookie", this.header());
    }
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    this.absorb(response);
    return response;
  }

  get(url) {
    return this.request(url);
  }

  /** A form post from one of our pages: the Origin a browser sends with it. */
  post(url, fields) {
    return this.request(url, {
      method: "POST",
      headers: { origin: new URL(BASE).origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** Where a redirect points, as an absolute URL. */
export function locationOf(response) {
  assert.ok([302, 303, 307].includes(response.status), `a redirect, not ${response.status}`);
  return new URL(response.headers.get("location"), BASE);
}

/** The value of a hidden field of a page of ours. */
export function field(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(match, `the page has a ${name} field`);
  return match[1]
    .replaceAll("&#x2F;", "/")
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** Sets a password through a one-time link (as the person who got it from the CLI does). */
export async function setPassword(browser, link, password) {
  const page = await browser.get(link);
  assert.equal(page.status, 200, "the link's page");
  const html = await page.text();
  const done = await browser.post("/password/set", {
    token: field(html, "token"),
    password,
    confirm: password,
    csrf: field(html, "csrf"),
  });
  assert.equal(done.status, 200, await done.text());
}

/**
 * Opens an authorization URL in `browser`; when Gatehouse sends it to /login, signs in there
 * with a password and follows the way back to /oauth/authorize. Returns the final redirect
 * to the application.
 */
export async function authorize(browser, url, signIn) {
  let response = await browser.get(url);
  let next = locationOf(response);
  if (next.pathname === "/login") {
    assert.ok(signIn, "Gatehouse asked for a sign-in");
    const form = await browser.get(next);
    assert.equal(form.status, 200);
    const html = await form.text();
    const posted = await browser.post("/login", {
      account: signIn.account,
      login: signIn.login,
      password: signIn.password,
      csrf: field(html, "csrf"),
      next: field(html, "next"),
    });
    next = locationOf(posted);
    assert.equal(next.pathname, "/oauth/authorize", "back to the authorization request");
    response = await browser.get(next);
    next = locationOf(response);
  }
  return next;
}

/** A fresh signed response of the test IdP for `nameId`, IdP-initiated. */
export function samlResponse(nameId) {
  return execFileSync(process.env.SAML_RESPONSE_BIN, [`${BASE}/saml/acme`, nameId, "-"], {
    encoding: "utf8",
  }).trim();
}

/** What an authorization request needs to remember: PKCE verifier, state and nonce. */
export async function checks() {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  return {
    pkceCodeVerifier,
    codeChallenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  };
}

export function authorizationUrl(config, redirectUri, c, extra = {}) {
  return client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile email offline_access",
    code_challenge: c.codeChallenge,
    code_challenge_method: "S256",
    state: c.expectedState,
    nonce: c.expectedNonce,
    ...extra,
  });
}

/**
 * at_hash (OpenID Connect Core 3.1.3.6), which openid-client does not check in the code flow:
 * the left half of SHA-256 of the access token, base64url.
 */
export function assertAtHash(claims, accessToken) {
  const digest = createHash("sha256").update(accessToken, "ascii").digest();
  assert.equal(claims.at_hash, digest.subarray(0, 16).toString("base64url"), "at_hash");
}

/** The OAuth error code of a refused grant, as openid-client reports it. */
export async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    return error.error ?? error.cause?.[0]?.parameters?.error ?? error.code;
  }
  assert.fail("the request was accepted");
}

export { client };
