// Gatehouse's webhooks judged from outside by npm standardwebhooks, the Standard Webhooks
// project's own verifier: a receiver on a loopback port verifies every message it gets, fails
// the first two attempts, and records what came. The subscription is made with the CLI, the
// changes come through the CLI (a CSV import) and SCIM, and what arrived is compared with the
// account's change feed read through the directory API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const gatehouse = env("GATEHOUSE_BIN");
const base = env("GATEHOUSE_URL");
const work = env("WORK");

const got = [];
let secret = null;
const receiver = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const entry = {
      id: request.headers["webhook-id"],
      timestamp: Number(request.headers["webhook-timestamp"]),
      signature: request.headers["webhook-signature"],
      contentType: request.headers["content-type"],
      body,
      headers: { ...request.headers },
      verified: false,
      error: null,
    };
    try {
      entry.payload = new Webhook(secret).verify(body, request.headers);
      entry.verified = true;
    } catch (error) {
      entry.error = String(error);
    }
    // The first two attempts fail: a 500, then a 503 asking to come back in a second.
    const attempt = got.push(entry);
    if (!entry.verified) entry.status = 400;
    else if (attempt === 1) entry.status = 500;
    else if (attempt === 2) entry.status = 503;
    else entry.status = 200;
    const headers = attempt === 2 ? { "Retry-After": "1" } : {};
    response.writeHead(entry.status, headers).end();
  });
});
await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/gatehouse`;

const cli = (...args) => execFileSync(gatehouse, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

async function scim(method, path, body) {
  const response = await fetch(`${base}/scim/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${env("SCIM_TOKEN")}`, "content-type": "application/scim+json" },
    body: body && JSON.stringify(body),
  });
  assert.ok(response.ok, `SCIM ${method} ${path}: ${response.status}`);
  return response.json();
}

async function feed() {
  const tokenResponse = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: "Basic " + Buffer.from(`${env("CLIENT_ID")}:${env("CLIENT_SECRET")}`).toString("base64"),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials&scope=directory.read",
  });
  assert.equal(tokenResponse.status, 200);
  const { access_token } = await tokenResponse.json();
  const response = await fetch(`${base}/api/v1/accounts/acme/events?limit=1000`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()).data;
}

async function until(what, check) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("every event arrives signed as Standard Webhooks describes, in feed order, after the first attempts fail", async () => {
  secret = cli("client", "webhook", "add", env("CLIENT_ID"), "--account", "acme", "--url", hookUrl).trim();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);

  // Changes through two channels: a CSV import (three people), then SCIM (a create, a deactivation).
  writeFileSync(
    `${work}/people.csv`,
    "user_name,email,given_name,family_name,job_title,department\n" +
      "ann@acme.com,ann@acme.com,Ann,Lee,Nurse,Care\n" +
      "bob@acme.com,bob@acme.com,Bob,Berg,Doctor,Care\n" +
      "cem@acme.com,cem@acme.com,Cem,Kaya,Porter,Facilities\n",
  );
  cli("employee", "import", "acme", `${work}/people.csv`);
  const dana = await scim("POST", "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    externalId: "e-dana",
    userName: "dana@acme.com",
    active: true,
    emails: [{ primary: true, type: "work", value: "dana@acme.com" }],
    name: { givenName: "Dana", familyName: "Scott" },
  });
  await scim("PATCH", `/Users/${dana.id}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", path: "active", value: false }],
  });

  const events = await feed();
  assert.ok(events.length >= 5, `${events.length} events in the feed`);
  const acknowledged = () => got.filter((g) => g.status === 200).map((g) => g.id);
  await until("every event acknowledged", () => acknowledged().length >= events.length);
  writeFileSync(`${work}/received.json`, JSON.stringify(got, null, 2));

  for (const message of got) {
    assert.ok(message.verified, `${message.id}: ${message.error}`);
    assert.equal(message.contentType, "application/json");
    assert.equal(message.payload.id, message.id, "webhook-id is the event id");
    assert.equal(message.payload.account, "acme");
  }
  // The first event was sent three times, re-signed each time with a later timestamp.
  const [first, second, third] = got;
  assert.deepEqual([first.status, second.status, third.status], [500, 503, 200]);
  assert.equal(second.id, first.id);
  assert.equal(third.id, first.id);
  assert.ok(second.timestamp >= first.timestamp + 5, "retried after the back-off, re-signed");
  assert.ok(third.timestamp > second.timestamp);
  assert.notEqual(second.signature, first.signature);

  // Each event once, in the feed's order, with the feed's content.
  assert.deepEqual(acknowledged(), events.map((e) => e.id));
  for (const event of events) {
    const message = got.find((g) => g.id === event.id && g.status === 200);
    const { account, ...published } = message.payload;
    assert.deepEqual(published, event);
  }
  const types = events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t === "employee.created").length, 4, types.join(" "));
  assert.ok(types.includes("employee.deactivated"), types.join(" "));

  // The verifier is not a rubber stamp: a changed body, an old timestamp, another secret fail.
  const sample = got[got.length - 1];
  assert.throws(() => new Webhook(secret).verify(sample.body + " ", sample.headers));
  const stale = { ...sample.headers, "webhook-timestamp": String(sample.timestamp - 600) };
  assert.throws(() => new Webhook(secret).verify(sample.body, stale));
  assert.throws(() => new Webhook("whsec_" + Buffer.alloc(24, 7).toString("base64")).verify(sample.body, sample.headers));

  // The command line shows the webhook caught up.
  const listed = cli("client", "webhook", "list", env("CLIENT_ID"));
  assert.match(listed, /\tup to date\n$/);
  receiver.close();
});
