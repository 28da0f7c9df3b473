// Small database helper for the medusa-v1 image's entrypoint (uses the `pg`
// module that Medusa already brings). Never prints passwords or tokens.
//
//   node dbtool.js wait SECONDS        wait until DATABASE_URL accepts a query
//   node dbtool.js migrated            exit 0 if Medusa's tables exist (user, migrations)
//   node dbtool.js user-exists EMAIL   exit 0 if a live user with that email exists
//   node dbtool.js create-user EMAIL   insert that user (password from
//                                      $MEDUSA_ADMIN_PASSWORD_FOR_DBTOOL), like `medusa user`
//   node dbtool.js set-token EMAIL     set that user's api_token to $MEDUSA_API_TOKEN
"use strict";
const { Client } = require("pg");

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("dbtool: DATABASE_URL is not set");
  process.exit(2);
}

async function withClient(fn) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const [cmd, arg] = process.argv.slice(2);
  switch (cmd) {
    case "wait": {
      const deadline = Date.now() + Number(arg || 60) * 1000;
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
      console.error(`dbtool: database not reachable within ${arg || 60}s: ${last && last.message}`);
      return 1;
    }
    case "migrated": {
      const r = await withClient((c) =>
        c.query(
          "select to_regclass('public.\"user\"') is not null as u, " +
            "to_regclass('public.migrations') is not null as m, " +
            "to_regclass('public.store') is not null as s"
        )
      );
      const row = r.rows[0];
      if (row.u && row.m && row.s) return 0;
      console.error(`dbtool: migrations incomplete (user table: ${row.u}, migrations table: ${row.m}, store table: ${row.s})`);
      return 1;
    }
    case "user-exists": {
      const r = await withClient((c) =>
        c.query('select 1 from "user" where email = lower($1) and deleted_at is null', [arg])
      );
      return r.rowCount > 0 ? 0 : 1;
    }
    case "create-user": {
      // What `medusa user -e EMAIL -p PASSWORD` does, without booting Medusa:
      // id usr_<ulid>, password_hash = base64(scrypt-kdf(password, {logN:1, r:1, p:1})),
      // every other column at its default (role "member").
      const password = process.env.MEDUSA_ADMIN_PASSWORD_FOR_DBTOOL;
      if (!password) {
        console.error("dbtool: no password given");
        return 2;
      }
      const Scrypt = require("scrypt-kdf");
      const { ulid } = require("ulid");
      const hash = (await Scrypt.kdf(password, { logN: 1, r: 1, p: 1 })).toString("base64");
      await withClient((c) =>
        c.query('insert into "user" (id, email, password_hash) values ($1, $2, $3)', [
          `usr_${ulid()}`,
          arg.toLowerCase(),
          hash,
        ])
      );
      return 0;
    }
    case "set-token": {
      const token = process.env.MEDUSA_API_TOKEN;
      if (!token) {
        console.error("dbtool: MEDUSA_API_TOKEN is empty");
        return 2;
      }
      const r = await withClient((c) =>
        c.query('update "user" set api_token = $1 where email = lower($2) and deleted_at is null', [token, arg])
      );
      if (r.rowCount !== 1) {
        console.error(`dbtool: expected to update 1 user, updated ${r.rowCount}`);
        return 1;
      }
      return 0;
    }
    default:
      console.error("usage: node dbtool.js wait SECONDS | migrated | user-exists EMAIL | create-user EMAIL | set-token EMAIL");
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`dbtool: ${e.message}`);
    process.exit(1);
  }
);
