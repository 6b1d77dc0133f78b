// Sign-in with Microsoft in Debian's chromium, over https as in production: Gatehouse behind a
// TLS proxy (started here), and the "Entra" page that posts the SAML response served from another
// site, so the POST to the ACS is cross-site exactly as Entra's is. Proves what reqwest cannot:
// which cookies a real browser sends with that POST.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { connect } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { chromium } from "playwright-core";

const BASE = process.env.SSO_URL; // https://127.0.0.1:PORT, the proxy below
const UPSTREAM = Number(process.env.SSO_UPSTREAM_PORT);
const SIGNER = process.env.SAML_RESPONSE_BIN;
const SHOTS = process.env.SCREENSHOTS;
const SP = `${BASE}/saml/acme`;
const SESSION = "__Host-gatehouse_session";

let browser;
let proxy;
let idp;
let idpUrl;

/** A fresh signed response of the test IdP. */
function signed(nameId, objectId, inResponseTo = "-") {
  return execFileSync(SIGNER, [SP, nameId, inResponseTo, objectId], { encoding: "utf8" }).trim();
}

/** The ID of a deflated, Base64 AuthnRequest (HTTP-Redirect binding). */
function requestIdOf(encoded) {
  const xml = inflateRawSync(Buffer.from(encoded, "base64")).toString("utf8");
  return xml.match(/ ID="([^"]+)"/)[1];
}

/** The auto-posting page Entra serves, here from https://localhost (another site than 127.0.0.1). */
function postingPage(samlResponse, auto = true) {
  return `<!doctype html><html><body${auto ? ' onload="document.forms[0].submit()"' : ""}>
    <form method="post" action="${SP}/acs">
      <input type="hidden" name="SAMLResponse" value="${samlResponse}">
      <button type="submit">Continue</button>
    </form></body></html>`;
}

before(async () => {
  const tls = {
    key: readFileSync(process.env.TLS_KEY),
    cert: readFileSync(process.env.TLS_CERT),
  };
  proxy = createTlsServer(tls, (client) => {
    const server = connect(UPSTREAM, "127.0.0.1");
    client.pipe(server).pipe(client);
    const close = () => { client.destroy(); server.destroy(); };
    client.on("error", close);
    server.on("error", close);
  });
  await new Promise((resolve) => proxy.listen(Number(new URL(BASE).port), "127.0.0.1", resolve));
  // The stand-in for Entra, on another site: GET /post?r=... serves the posting page for a
  // response the test made; GET /saml2?SAMLRequest=... (the account's sign-on URL) hands the
  // AuthnRequest's id and the login_hint beside it to `idp.onRequest`, which answers with a page.
  const pending = new Map();
  idp = createServer(tls, (req, res) => {
    const url = new URL(req.url, "https://localhost");
    res.writeHead(200, { "content-type": "text/html" });
    if (url.pathname === "/saml2") {
      res.end(idp.onRequest(requestIdOf(url.searchParams.get("SAMLRequest")), url.searchParams.get("login_hint")));
    } else {
      res.end(postingPage(pending.get(url.searchParams.get("r")) ?? "", false));
    }
  });
  idp.pending = pending;
  await new Promise((resolve) => idp.listen(Number(process.env.IDP_PORT), "127.0.0.1", resolve));
  idpUrl = `https://localhost:${process.env.IDP_PORT}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
});

after(async () => {
  await browser?.close();
  proxy?.close();
  idp?.close();
});

/** Signs in through the "Entra" page of another site; returns the page after the redirects. */
async function signInFromEntra(page, samlResponse) {
  const id = String(idp.pending.size);
  idp.pending.set(id, samlResponse);
  // Entra's page posts itself on load; here the test presses its button, so that no navigation
  // races the page's own load. Either way it is a top-level cross-site POST.
  await page.goto(`${idpUrl}/post?r=${id}`);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${SP}/acs`),
    page.click("button"),
  ]);
  await page.waitForLoadState();
  return answer;
}

async function me(context) {
  const response = await context.request.get(`${BASE}/api/me`);
  return response.status() === 200 ? await response.json() : null;
}

async function sessionCookie(context) {
  return (await context.cookies(BASE)).find((c) => c.name === SESSION)?.value;
}

test("a new sign-in from Entra's cross-site POST replaces the browser's earlier session", async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const first = await signInFromEntra(page, signed("ann@acme.com", "0a0a0a0a-0000-4000-8000-00000000000a"));
  assert.equal(first.status(), 303);
  assert.equal((await me(context))?.user_name, "ann@acme.com");
  const annSession = await sessionCookie(context);
  assert.ok(annSession, "Ann's session cookie is set");

  const second = await signInFromEntra(page, signed("bob@acme.com", "0b0b0b0b-0000-4000-8000-00000000000b"));
  assert.equal(second.status(), 303);
  assert.equal((await me(context))?.user_name, "bob@acme.com");
  await page.screenshot({ path: join(SHOTS, "sso-second-sign-in.png"), fullPage: true });

  // Ann's old cookie, carried elsewhere, no longer opens a session.
  const elsewhere = await browser.newContext({ ignoreHTTPSErrors: true });
  await elsewhere.addCookies([{ name: SESSION, value: annSession, url: BASE, secure: true }]);
  assert.equal(await me(elsewhere), null, "the earlier session ended");
  await elsewhere.close();
  await context.close();
});

test("SP-initiated sign-in: the request's browser cookie comes back on Entra's cross-site POST", async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  idp.onRequest = (requestId) =>
    postingPage(signed("ann@acme.com", "0a0a0a0a-0000-4000-8000-00000000000a", requestId));
  const acs = page.waitForResponse((r) => r.url() === `${SP}/acs`);
  await page.goto(`${SP}/login?RelayState=%2Fapi%2Fme`);
  assert.equal((await acs).status(), 303);
  await page.waitForURL(`${BASE}/api/me`);
  assert.equal((await me(context))?.user_name, "ann@acme.com");

  // An answer to a request this browser started, carried into another browser (login CSRF),
  // is refused there.
  let requestId;
  idp.onRequest = (id) => { requestId = id; return "<p>Entra</p>"; };
  await page.goto(`${SP}/login`);
  assert.ok(requestId);
  const other = await browser.newContext({ ignoreHTTPSErrors: true });
  const victim = await other.newPage();
  const refused = await signInFromEntra(
    victim, signed("ann@acme.com", "0a0a0a0a-0000-4000-8000-00000000000a", requestId));
  assert.equal(refused.status(), 403);
  assert.match(await refused.text(), /start the sign-in again/);
  await victim.screenshot({ path: join(SHOTS, "sso-other-browser.png"), fullPage: true });
  assert.equal(await me(other), null);
  await other.close();
  await context.close();
});

test("identifier-first: the work email at the company's domain goes to Microsoft with the login hint", async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  let hint;
  idp.onRequest = (requestId, loginHint) => {
    hint = loginHint;
    return postingPage(signed("ann@acme.com", "0a0a0a0a-0000-4000-8000-00000000000a", requestId));
  };
  await page.goto(`${BASE}/login?next=%2Fapi%2Fme`);
  assert.equal(await page.locator("input[name=password]").count(), 0, "the address comes first");
  await page.fill("input[name=email]", "ann@acme.com");
  await page.screenshot({ path: join(SHOTS, "sso-identifier-first.png"), fullPage: true });
  const acs = page.waitForResponse((r) => r.url() === `${SP}/acs`);
  await page.click("button:has-text('Continue')");
  assert.equal((await acs).status(), 303);
  await page.waitForURL(`${BASE}/api/me`);
  assert.equal(hint, "ann@acme.com", "Entra got the address as its login hint");
  assert.equal((await me(context))?.user_name, "ann@acme.com");

  // "Sign in with a password" stays on our side: the password step of the same company.
  await page.goto(`${BASE}/login`);
  await page.fill("input[name=email]", "bob@acme.com");
  await page.click("button:has-text('Sign in with a password')");
  assert.equal(await page.inputValue("input[name=login]"), "bob@acme.com");
  assert.equal(await page.locator("input[name=password]").count(), 1);
  await context.close();
});
