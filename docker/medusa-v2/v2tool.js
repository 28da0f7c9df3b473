// Helper for the medusa-v2 image's entrypoint (uses the `pg` module Medusa brings).
// Never prints passwords or API keys.
//
//   node v2tool.js wait SECONDS         wait until DATABASE_URL accepts a query
//   node v2tool.js migrated             exit 0 if the user, auth and api_key tables exist
//   node v2tool.js user-exists EMAIL    exit 0 if a live user with that e-mail exists (case-sensitive, as v2)
//   node v2tool.js ready PORT SECONDS   wait until http://127.0.0.1:PORT/health answers 200
//   node v2tool.js api-key PORT EMAIL   log in as EMAIL (password: $MEDUSA_ADMIN_PASSWORD_FOR_TOOL),
//                                       create a secret API key with POST /admin/api-keys; with
//                                       $MEDUSA_API_TOKEN (sk_...) set that key's token to it, else
//                                       write the generated token to $API_KEY_FILE (mode 0600);
//                                       then check that the key authenticates an admin route.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KEY_TITLE = "medusa-conformance";
const API_KEY_FILE = process.env.API_KEY_FILE || "/opt/medusa/secrets/api-key";

async function withClient(fn) {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const { Client } = require("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function call(port, method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const h = { ...headers };
    if (data !== undefined) {
      h["content-type"] = "application/json";
      h["content-length"] = Buffer.byteLength(data);
    }
    const req = http.request({ host: "127.0.0.1", port, method, path, headers: h, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = JSON.parse(text);
        } catch (_) {
          json = undefined;
        }
        resolve({ status: res.statusCode, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// What @medusajs/api-key 2.21.2 stores for a secret key (ApiKeyModuleService.generateSecretKey:
// hex scrypt(token, salt, 64) with a random hex salt; redacted = first 6 *** last 3).
// The check at the end of api-key proves Medusa accepts it.
function hashKey(token) {
  const salt = crypto.randomBytes(16).toString("hex");
  const hash = crypto.scryptSync(token, salt, 64).toString("hex");
  return { salt, hash, redacted: [token.slice(0, 6), token.slice(-3)].join("***") };
}

async function keyWorks(port, token) {
  const basic = Buffer.from(`${token}:`).toString("base64");
  const r = await call(port, "GET", "/admin/users?limit=1", { headers: { authorization: `Basic ${basic}` } });
  return r.status === 200;
}

async function apiKey(port, email) {
  const password = process.env.MEDUSA_ADMIN_PASSWORD_FOR_TOOL;
  if (!password) {
    console.error("v2tool: no admin password given");
    return 2;
  }
  const wanted = process.env.MEDUSA_API_TOKEN || "";
  if (wanted && !/^sk_[0-9A-Za-z]{16,}$/.test(wanted)) {
    console.error("v2tool: MEDUSA_API_TOKEN must be sk_ followed by at least 16 letters or digits");
    return 2;
  }
  if (wanted && (await keyWorks(port, wanted))) return 0; // a restarted container
  const login = await call(port, "POST", "/auth/user/emailpass", { body: { email, password } });
  if (login.status !== 200 || !login.json || typeof login.json.token !== "string") {
    console.error(`v2tool: the admin could not log in: HTTP ${login.status}`);
    return 1;
  }
  const created = await call(port, "POST", "/admin/api-keys", {
    body: { title: KEY_TITLE, type: "secret" },
    headers: { authorization: `Bearer ${login.json.token}` },
  });
  const key = created.json && created.json.api_key;
  if (created.status !== 200 || !key || typeof key.token !== "string" || !key.token.startsWith("sk_")) {
    console.error(`v2tool: POST /admin/api-keys answered HTTP ${created.status} without a secret key`);
    return 1;
  }
  let token = key.token;
  if (wanted) {
    const { salt, hash, redacted } = hashKey(wanted);
    const r = await withClient((c) =>
      c.query("update api_key set token = $1, salt = $2, redacted = $3 where id = $4 and type = 'secret'", [
        hash,
        salt,
        redacted,
        key.id,
      ])
    );
    if (r.rowCount !== 1) {
      console.error(`v2tool: expected to update 1 api key, updated ${r.rowCount}`);
      return 1;
    }
    token = wanted;
  } else {
    fs.mkdirSync(require("path").dirname(API_KEY_FILE), { recursive: true, mode: 0o700 });
    fs.writeFileSync(API_KEY_FILE, token + "\n", { mode: 0o600 });
  }
  if (!(await keyWorks(port, token))) {
    console.error("v2tool: the new secret API key does not authenticate GET /admin/users");
    return 1;
  }
  console.log(`secret API key ${key.id} created${wanted ? " (token from MEDUSA_API_TOKEN)" : ` (token in ${API_KEY_FILE})`}`);
  return 0;
}

async function main() {
  const [cmd, a, b] = process.argv.slice(2);
  switch (cmd) {
    case "wait": {
      const deadline = Date.now() + Number(a || 60) * 1000;
      let last;
      while (Date.now() < deadline) {
        try {
          await withClient((c) => c.query("select 1"));
          return 0;
        } catch (e) {
          last = e;
          await sleep(500);
        }
      }
      console.error(`v2tool: database not reachable within ${a || 60}s: ${last && last.message}`);
      return 1;
    }
    case "migrated": {
      const r = await withClient((c) =>
        c.query(
          "select to_regclass('public.\"user\"') is not null as u, " +
            "to_regclass('public.auth_identity') is not null as a, " +
            "to_regclass('public.api_key') is not null as k"
        )
      );
      const row = r.rows[0];
      if (row.u && row.a && row.k) return 0;
      console.error(`v2tool: migrations incomplete (user: ${row.u}, auth_identity: ${row.a}, api_key: ${row.k})`);
      return 1;
    }
    case "user-exists": {
      const r = await withClient((c) =>
        c.query('select 1 from "user" where email = $1 and deleted_at is null', [a])
      );
      return r.rowCount > 0 ? 0 : 1;
    }
    case "ready": {
      const deadline = Date.now() + Number(b || 120) * 1000;
      while (Date.now() < deadline) {
        try {
          if ((await call(Number(a), "GET", "/health")).status === 200) return 0;
        } catch (_) {
          // not listening yet
        }
        await sleep(200);
      }
      return 1;
    }
    case "api-key":
      return apiKey(Number(a), b);
    default:
      console.error("usage: node v2tool.js wait SECONDS | migrated | user-exists EMAIL | ready PORT SECONDS | api-key PORT EMAIL");
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`v2tool: ${e.message}`);
    process.exit(1);
  }
);
