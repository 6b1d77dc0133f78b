// The admin console in Debian's chromium. One browser session walks through the flows an IT
// admin uses, in order: each test builds on the state the previous one left, as a person would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.GATEHOUSE_URL;
const SETUP_LINK = process.env.SETUP_LINK;
const CERTS = process.env.CERTS;
const SHOTS = process.env.SCREENSHOTS;
const PASSWORD = "correct horse battery staple";
const cert = (name) => readFileSync(join(CERTS, name), "utf8");

let browser;
let page;

before(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function flash() {
  return (await page.locator("[role=status]").textContent())?.trim();
}

async function pasteCertificate(text) {
  await page.goto(`${BASE}/admin/integration`);
  await page.fill("textarea[name=certificate]", text);
  await page.click("text=Check certificate");
}

/** Creates a person through SCIM as Entra would; returns their id. */
async function provision(token, userName, given, family) {
  const response = await fetch(`${BASE}/scim/v2/Users`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
    body: JSON.stringify({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName, active: true, externalId: userName,
      name: { givenName: given, familyName: family },
      emails: [{ type: "work", value: userName, primary: true }],
      title: "Engineer",
    }),
  });
  const body = await response.text();
  assert.equal(response.status, 201, body);
  return JSON.parse(body).id;
}

test("first admin: the CLI link sets a password, then the admin signs in", async () => {
  await page.goto(SETUP_LINK);
  await shot("01-password-setup");
  await page.fill("input[name=password]", PASSWORD);
  await page.fill("input[name=confirm]", PASSWORD);
  await page.click("text=Save password");
  await shot("01b-password-saved");
  await page.waitForSelector("text=Password saved");
  await page.click("a:has-text('Sign in')");
  // The company's own sign-in page: the work email first, then the password.
  await page.waitForURL(`${BASE}/a/acme/login?next=%2Fadmin`);
  assert.equal(await page.locator("input[name=password]").count(), 0);
  await page.fill("input[name=email]", "it@acme.com");
  await shot("02-sign-in-email");
  await page.click("button:has-text('Continue')");
  assert.equal(await page.inputValue("input[name=login]"), "it@acme.com");
  await page.fill("input[name=password]", PASSWORD);
  await shot("02b-sign-in-password");
  await page.click("button:has-text('Sign in')");
  await page.waitForURL(`${BASE}/admin`);
  assert.match(await page.textContent("h1"), /Overview/);
  assert.match(await page.textContent(".tiles"), /33\s*active people/);
  await shot("03-overview");
});

test("certificate paste: garbage and an expired certificate are refused in plain words", async () => {
  await pasteCertificate("this is not a certificate at all");
  assert.match(await page.textContent(".notice.error"), /this is not a certificate: a certificate in Base64 starts with MII/);
  await shot("04-certificate-garbage");
  await pasteCertificate(cert("expired-cert.pem"));
  assert.match(await page.textContent(".notice.error"), /expired on 2021-01-01/);
  await shot("05-certificate-expired");
  await pasteCertificate(readFileSync(join(CERTS, "idp-key.pem"), "utf8"));
  assert.match(await page.textContent(".notice.error"), /private key/);
  assert.equal(await page.locator("article.cert").count(), 0, "nothing was trusted");
});

test("certificate paste: a good one is shown before it is trusted, then trusted as active", async () => {
  await pasteCertificate(cert("idp-cert.pem"));
  const preview = await page.textContent("#preview");
  assert.match(preview, /Gatehouse test IdP/);
  assert.match(preview, /[0-9A-F]{40}/, "SHA-1 thumbprint shown");
  assert.match(preview, /Valid until/);
  await shot("06-certificate-preview");
  await page.click("text=Trust as the active certificate");
  await page.waitForURL(/done=certificate-added/);
  const certs = page.locator("article.cert");
  assert.equal(await certs.count(), 1);
  assert.match(await certs.first().textContent(), /active/);
});

test("rollover: a next certificate beside the active one, promoted, the old one removed", async () => {
  await pasteCertificate(cert("idp-next-cert.pem"));
  await page.click("text=Trust as next (beside the active one)");
  await page.waitForURL(/done=certificate-added/);
  const next = page.locator("article.cert", { has: page.locator(".badge.next") });
  assert.equal(await page.locator("article.cert").count(), 2);
  assert.match(await next.textContent(), /next/);
  await shot("07-certificates-active-and-next");
  // The next one is made active; the former active one stays trusted as next.
  const nextSubject = (await next.locator("header strong").textContent()).trim();
  await next.locator("button:has-text('Make active')").click();
  await page.waitForURL(/done=certificate-promoted/);
  const active = page.locator("article.cert", { has: page.locator(".badge.active") });
  assert.equal((await active.locator("header strong").textContent()).trim(), nextSubject);
  const former = page.locator("article.cert", { has: page.locator(".badge.next") });
  await former.locator("button:has-text('Remove')").click();
  await page.waitForURL(/done=certificate-removed/);
  assert.equal(await page.locator("article.cert").count(), 1);
  assert.equal((await page.locator("article.cert header strong").textContent()).trim(), nextSubject);
  assert.match(await page.textContent("#changes"), /certificate promoted/);
});

test("SSO toggle: on once the IdP is set, then off again", async () => {
  await page.goto(`${BASE}/admin/integration`);
  await page.click("text=Enter the identifier and login URL by hand");
  await page.fill("input[name=entity_id]", "https://sts.windows.net/0c9e5fd0-6a8a-4d1f-9d56-3a0b1f1d2e3f/");
  await page.fill("input[name=sso_url]", "https://login.microsoftonline.com/0c9e5fd0-6a8a-4d1f-9d56-3a0b1f1d2e3f/saml2");
  await page.click("text=Save identity provider");
  await page.waitForURL(/done=idp/);
  await page.check("#sso");
  await page.check("input[name=nameid][value=mail]");
  await page.click("text=Save sign-in settings");
  await page.waitForURL(/done=sso/);
  assert.match(await flash(), /Sign-in settings saved/);
  assert.ok(await page.isChecked("#sso"));
  assert.ok(await page.isChecked("input[name=nameid][value=mail]"));
  await shot("08-integration-sso-on");
  await page.uncheck("#sso");
  await page.click("text=Save sign-in settings");
  await page.waitForURL(/done=sso/);
  assert.ok(!(await page.isChecked("#sso")));
  assert.match(await page.textContent("#changes"), /SSO off/);
});

let scimToken;
let federatedId;

test("SCIM token: generated, shown once, works; regenerating ends the old one once the new one is used", async () => {
  await page.goto(`${BASE}/admin/integration`);
  await page.click("#generate-token");
  scimToken = (await page.textContent("#v-token")).trim();
  assert.match(scimToken, /^ghs_/);
  await shot("09-scim-token-shown-once");
  federatedId = await provision(scimToken, "fed.person@acme.com", "Fiona", "Federated");
  await page.goto(`${BASE}/admin/integration`);
  assert.equal(await page.locator("#v-token").count(), 0, "not shown again");
  await page.click("#generate-token");
  const fresh = (await page.textContent("#v-token")).trim();
  assert.notEqual(fresh, scimToken);
  // The old token keeps working while the admin pastes the new one into Entra, and ends when
  // the new one is first used.
  const users = (token) => fetch(`${BASE}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await users(scimToken)).status, 200, "grace period");
  const now = await fetch(`${BASE}/scim/v2/Users/${federatedId}`, { headers: { Authorization: `Bearer ${fresh}` } });
  assert.equal(now.status, 200);
  assert.equal((await users(scimToken)).status, 401, "the new one was used: the old one ends");
  scimToken = fresh;
});

test("employee search and paging, with and without inactive people", async () => {
  await page.goto(`${BASE}/admin/employees`);
  assert.match(await page.textContent("main"), /34 people/);
  assert.equal(await page.locator("table.people tbody tr").count(), 25);
  await page.click("text=Next →");
  assert.equal(await page.locator("table.people tbody tr").count(), 9);
  await page.fill("input[name=q]", "LEE");
  await page.click("button:has-text('Search')");
  const rows = page.locator("table.people tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /ann\.lee@acme\.com/);
  await shot("10-employees-search");
});

test("edit master data of a person Gatehouse manages; Entra's fields are read-only", async () => {
  await page.goto(`${BASE}/admin/employees?q=ann.lee`);
  await page.click("text=Ann Lee");
  await page.fill("input[name=job_title]", "Head nurse");
  await page.fill("input[name=approver_login]", "bob.stone@acme.com");
  await page.click("text=Save master data");
  await page.waitForURL(/done=saved/);
  assert.equal(await page.inputValue("input[name=job_title]"), "Head nurse");
  const history = await page.textContent("#history");
  assert.match(history, /job_title/);
  assert.match(history, /Head nurse/);
  await page.check("input[type=checkbox][name=approver]");
  await page.fill("input[name=departments]", "Care, Night shift");
  await page.click("text=Save roles");
  await page.waitForURL(/done=roles/);
  assert.equal(await page.inputValue("input[name=departments]"), "Care, Night shift");
  await shot("11-employee-edit");
  await page.goto(`${BASE}/admin/employees/${federatedId}`);
  assert.match(await page.textContent("#master-data"), /come from Entra ID/);
  assert.ok(await page.locator("input[name=job_title]").getAttribute("readonly") !== null);
  assert.equal(await page.locator("text=Save master data").count(), 0);
  await shot("12-employee-federated");
});

test("release: the confirmation explains the hard-delete rules, then the person is released", async () => {
  await page.goto(`${BASE}/admin/employees?q=bob.stone`);
  await page.click("text=Bob Stone");
  await page.click("text=Release…");
  const explanation = await page.textContent(".consequences");
  assert.match(explanation, /released/);
  assert.match(explanation, /termination date/);
  await shot("13-release-confirm");
  await page.click("button:has-text('Release')");
  await page.waitForURL(/done=released/);
  assert.match(await page.textContent("h1"), /released/);
  await page.goto(`${BASE}/admin/employees?q=bob`);
  assert.equal(await page.locator("table.people tbody tr").count(), 0);
  await page.check("input[name=inactive]");
  await page.click("button:has-text('Search')");
  assert.match(await page.textContent("table.people"), /released/);
});

test("remove from federation: explained, then SCIM loses the person and a password link follows", async () => {
  await page.goto(`${BASE}/admin/employees/${federatedId}`);
  await page.click("text=Remove from federation…");
  const explanation = await page.textContent(".consequences");
  assert.match(explanation, /no longer sign in through Microsoft/);
  assert.match(explanation, /local password/);
  await shot("14-defederate-confirm");
  await page.click("button:has-text('Remove from federation')");
  await page.waitForURL(/done=defederated/);
  assert.match(await page.textContent("main"), /removed from federation/);
  const scim = await fetch(`${BASE}/scim/v2/Users/${federatedId}`, { headers: { Authorization: `Bearer ${scimToken}` } });
  assert.equal(scim.status, 404);
  await page.fill("input[name=job_title]", "Contractor");
  await page.click("text=Save master data");
  await page.waitForURL(/done=saved/);
  await page.click("text=Send password setup link");
  const link = (await page.textContent("#v-link")).trim();
  assert.match(link, /\/password\/set\?token=/);
  await shot("15-password-link");
});

test("logs: provisioning and sign-ins, filtered, failures with their hint", async () => {
  await page.goto(`${BASE}/admin/logs?log=provisioning`);
  assert.match(await page.textContent("table.log"), /POST \/scim\/v2\/Users/);
  await page.fill("input[name=person]", "fed.person");
  await page.click("button:has-text('Filter')");
  assert.match(await page.textContent("table.log"), /fed\.person@acme\.com/);
  await page.goto(`${BASE}/admin/logs?log=provisioning&outcome=failure`);
  // the GET after the person left the federation
  assert.match(await page.textContent("table.log"), /404/);
  assert.match(await page.textContent("table.log .hint"), /not in Gatehouse for Entra/);
  await shot("16-logs-provisioning");
  await page.goto(`${BASE}/admin/logs`);
  assert.match(await page.textContent("table.log"), /it@acme\.com/);
  await shot("17-logs-sign-ins");
});

test("CSV import shows a preview and changes nothing until applied", async () => {
  await page.goto(`${BASE}/admin/import`);
  await page.setInputFiles("input[name=file]", {
    name: "people.csv", mimeType: "text/csv",
    buffer: Buffer.from("user_name,email,given_name,family_name,department\nnew.hire@acme.com,new.hire@acme.com,Nia,Hire,Care\nann.lee@acme.com,ann.lee@acme.com,Ann,Lee,Surgery\n"),
  });
  await page.click("text=Preview import");
  assert.match(await page.textContent("#summary"), /1\s*to create,\s*1\s*to update/);
  await shot("18-import-preview");
  const before = await fetch(`${BASE}/admin/employees?q=new.hire`, { headers: { Cookie: await cookies() } });
  assert.match(await before.text(), /0 people/);
  await page.click("text=Apply import");
  assert.match(await flash(), /1 created, 1 updated/);
  await page.goto(`${BASE}/admin/employees?q=new.hire`);
  assert.equal(await page.locator("table.people tbody tr").count(), 1);
});

async function cookies() {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
}

test("tenant move page walks through the steps", async () => {
  await page.goto(`${BASE}/admin/tenant-move`);
  await page.click("text=Revoke SCIM token");
  await page.waitForURL(/tenant-move\?done=scim-revoked/);
  const revoked = await fetch(`${BASE}/scim/v2/Users`, { headers: { Authorization: `Bearer ${scimToken}` } });
  assert.equal(revoked.status, 401);
  await shot("19-tenant-move");
});

test("a form posted without its CSRF token is refused and changes nothing", async () => {
  await page.goto(`${BASE}/admin/integration`);
  const before = await page.textContent("#scim");
  const refused = page.waitForResponse((r) => r.url().endsWith("/admin/integration/scim-token"));
  await page.evaluate(() => {
    const form = document.querySelector("form[action='/admin/integration/scim-token']");
    form.querySelector("input[name=csrf]").remove();
    form.submit();
  });
  assert.equal((await refused).status(), 403);
  await page.waitForURL(`${BASE}/admin/integration/scim-token`);
  await page.waitForLoadState();
  assert.match(await page.textContent("body"), /This form has expired or was sent from another site/);
  await shot("20-csrf-refused");
  await page.goto(`${BASE}/admin/integration`);
  assert.equal(await page.textContent("#scim"), before);
});

test("an admin of one account reaches nothing of another's", async () => {
  const globexId = await provision(process.env.GLOBEX_TOKEN, "gina@globex.com", "Gina", "Globex");
  const own = await fetch(`${BASE}/admin/employees/${federatedId}`, { headers: { Cookie: await cookies() } });
  assert.equal(own.status, 200, "own person reachable");
  const foreign = await fetch(`${BASE}/admin/employees/${globexId}`, { headers: { Cookie: await cookies() } });
  assert.equal(foreign.status, 404);
  const listed = await fetch(`${BASE}/admin/employees?q=gina`, { headers: { Cookie: await cookies() } });
  assert.doesNotMatch(await listed.text(), /gina@globex\.com/);
});

test("narrow screen: the pages stay usable on a phone", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [path, name] of [["/admin", "21-narrow-overview"], ["/admin/integration", "22-narrow-integration"], ["/admin/employees", "23-narrow-employees"]]) {
    await page.goto(`${BASE}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${path} is ${width}px wide on a 390px screen`);
    await shot(name);
  }
});
