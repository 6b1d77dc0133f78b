// The HR application reading the directory API on its own behalf: openid-client's
// client_credentials grant (its own validation of the token response), then the token at work
// on the change feed, and what a public client or another scope gets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, PUBLIC_ID, client, confidential, discover, refusal } from "./lib.mjs";

test("client_credentials: the confidential client gets a directory.read token that reads the feed", async () => {
  const config = await confidential();
  assert.ok(config.serverMetadata().grant_types_supported.includes("client_credentials"));
  const tokens = await client.clientCredentialsGrant(config, { scope: "directory.read" });
  assert.equal(tokens.token_type.toLowerCase(), "bearer");
  assert.equal(tokens.scope, "directory.read");
  assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 600);
  assert.equal(tokens.refresh_token, undefined);
  assert.equal(tokens.id_token, undefined);

  const response = await fetch(`${BASE}/api/v1/accounts/acme/events?limit=5`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(response.status, 200);
  const page = await response.json();
  assert.ok(Array.isArray(page.data) && typeof page.next_cursor === "string");
  assert.ok(page.data.length > 0, "the import of Ann is in the feed");
});

test("client_credentials: another scope is invalid_scope, a public client unauthorized_client", async () => {
  const config = await confidential();
  assert.equal(await refusal(client.clientCredentialsGrant(config, { scope: "openid" })), "invalid_scope");
  const publicConfig = await discover(PUBLIC_ID, client.None());
  assert.equal(await refusal(client.clientCredentialsGrant(publicConfig, { scope: "directory.read" })), "unauthorized_client");
});
