#!/usr/bin/env node
// Drives Medusa's own JS client (@medusajs/medusa-js, pinned in
// package-lock.json) through admin.auth: createSession, getSession,
// getToken, deleteSession, and reads what the client hands back (the
// result object, its `response`, or the axios error it throws), one
// observation per case, normalised so that nothing depends on the clock,
// on random ids or on the secrets.
//
//   node check.js                 the contract: every observation must be
//                                 what a real Medusa 1.20.11 gives (EXPECTED);
//                                 exit 0, else 1 with the differences
//   node check.js --fault NAME    the backend commits the fault NAME: the
//                                 client must see it where FAULTS says;
//                                 exit 0 if it does, else 1
//   node check.js --each-fault A,B,...
//                                 against `medusa-conformance serve`: for
//                                 each fault in turn, switch it on through
//                                 serve's fault switch and judge it as
//                                 --fault does; then switch faults off;
//                                 exit 0 if the client saw every one
//   node check.js --list-faults   the faults this script exercises, and the
//                                 ones it cannot (with why), one a line
//
// Environment: MEDUSA_BASE_URL, MEDUSA_ADMIN_EMAIL, MEDUSA_ADMIN_PASSWORD,
// MEDUSA_API_TOKEN (required), MEDUSA_ADMIN_ORIGIN (an origin the admin
// CORS allows; default http://localhost:7000, Medusa's default admin_cors).
// Nothing printed ever carries the password, the API token, a JWT or a
// session cookie (see scrub()).
"use strict";

const crypto = require("crypto");
const Medusa = require("@medusajs/medusa-js").default;

// What the client sees from a real Medusa 1.20.11 (measured with this
// script against the container target; the reference backend gives the same).
const EXPECTED = {
  "login.status": "200",
  "login.contentType": "application/json; charset=utf-8",
  "login.userKeys": "api_token,created_at,deleted_at,email,first_name,id,last_name,metadata,role,updated_at",
  "login.user.id": "string usr_",
  "login.user.email": "the admin, lower-cased",
  "login.user.role": "member",
  "login.user.dates": "ISO 8601",
  "login.cookie": "connect.sid; Path=/; HttpOnly; expires in 10h",
  "login.wrongPassword": "401 text/plain; charset=utf-8 Unauthorized",
  "login.unknownEmail": "401 text/plain; charset=utf-8 Unauthorized",
  "login.missingPassword": "400 application/json; charset=utf-8 invalid_data: password should not be empty, password must be a string",
  "login.invalidEmail": "400 application/json; charset=utf-8 invalid_data: email must be an email",
  "login.notJson": "400 text/html; charset=utf-8 <!DOCTYPE html>",
  "login.textPlain": "400",
  "login.form": "400",
  "login.passwordOtherCase": "401",
  "login.passwordSpaced": "401",
  "login.passwordLonger": "401",
  "whoami.cookie": "200 the same user",
  "whoami.cookieContentType": "application/json; charset=utf-8",
  "whoami.none": "401 Unauthorized",
  "whoami.tamperedCookie": "401",
  "whoami.failedLoginCookie": "401",
  "whoami.apiKey": "200 the same user",
  "whoami.apiKeyPrefix": "401",
  "whoami.apiKeyOtherCase": "401",
  "whoami.wrongApiKey": "401 Unauthorized",
  "whoami.apiTokenAsBearer": "401",
  "token.status": "200",
  "token.accessToken": "a JWT",
  "token.claims": "domain,exp,iat,user_id",
  "token.domain": "admin, the same user",
  "token.lifetime": "86400",
  "whoami.bearer": "200 the same user",
  "whoami.foreignJwt": "401",
  "whoami.algNone": "401",
  "whoami.emptySignature": "401",
  "whoami.changedPayload": "401",
  "logout.cookie": "200 OK",
  "whoami.afterLogout": "401",
  "logout.again": "401",
  "logout.none": "401",
  "whoami.otherSessionAfterLogout": "200",
  "cors.adminOrigin": "200 allow-origin: the origin, allow-credentials: true",
  "cors.foreignOrigin": "200 allow-origin: none",
  "cors.prefixOrigin": "200 allow-origin: none",
};

// Where the client sees each fault: the observations that must differ
// from EXPECTED when the backend commits it.
const FAULTS = {
  "user-missing-field": ["login.userKeys"],
  "user-renamed-field": ["login.userKeys"],
  "user-field-wrong-type": ["login.user.id"],
  "user-email-not-email": ["login.user.email"],
  "user-date-not-date-time": ["login.user.dates"],
  "role-outside-enum": ["login.user.role"],
  "user-not-wrapped": ["login.userKeys"],
  "password-hash-leaked": ["login.userKeys"],
  "user-unknown-field": ["login.userKeys"],
  "access-token-missing": ["token.accessToken"],
  "access-token-renamed": ["token.accessToken"],
  "access-token-not-string": ["token.accessToken"],
  "created-201": ["login.status", "token.status"],
  "forbidden-403": ["login.wrongPassword"],
  "validation-500": ["login.missingPassword"],
  "not-json-500": ["login.notJson"],
  "json-as-text-plain": ["login.contentType"],
  "error-as-html": ["login.missingPassword"],
  "error-without-type": ["login.missingPassword"],
  "truncated-json": ["login.userKeys"],
  "accept-wrong-password": ["login.wrongPassword"],
  "user-enumeration": ["login.unknownEmail"],
  "whoami-without-credentials": ["whoami.none"],
  "accept-tampered-cookie": ["whoami.tamperedCookie"],
  "accept-foreign-jwt": ["whoami.foreignJwt"],
  "ignore-bearer": ["whoami.bearer"],
  "ignore-api-token": ["whoami.apiKey"],
  "api-token-as-bearer": ["whoami.apiTokenAsBearer"],
  "logout-keeps-session": ["whoami.afterLogout"],
  "logout-ends-all-sessions": ["whoami.otherSessionAfterLogout"],
  "logout-without-credentials": ["logout.none"],
  "token-other-secret": ["whoami.bearer"],
  "no-session-cookie": ["login.cookie"],
  "cookie-not-httponly": ["login.cookie"],
  "login-without-session": ["whoami.cookie"],
  "whoami-other-user": ["whoami.cookie"],
  "accept-alg-none": ["whoami.algNone"],
  "accept-empty-signature": ["whoami.emptySignature"],
  "accept-changed-payload": ["whoami.changedPayload"],
  "token-lives-for-years": ["token.lifetime"],
  "token-claims-password-hash": ["token.claims"],
  "cookie-lives-for-years": ["login.cookie"],
  "cookie-path-narrow": ["login.cookie"],
  "cookie-from-failed-login-authenticates": ["whoami.failedLoginCookie"],
  "cors-reflects-any-origin": ["cors.foreignOrigin"],
  "cors-prefix-match": ["cors.prefixOrigin"],
  "cors-without-credentials": ["cors.adminOrigin"],
  "login-accepts-form": ["login.form"],
  "login-accepts-text-plain": ["login.textPlain"],
  "password-case-insensitive": ["login.passwordOtherCase"],
  "password-trimmed": ["login.passwordSpaced"],
  "password-prefix-match": ["login.passwordLonger"],
  "api-token-prefix-match": ["whoami.apiKeyPrefix"],
  "api-token-case-insensitive": ["whoami.apiKeyOtherCase"],
  "password-echoed": ["login.invalidEmail"],
  "api-token-echoed": ["whoami.wrongApiKey"],
  "second-logout-ok": ["logout.again"],
  "unauthorized-as-json": ["login.wrongPassword"],
  "success-wrong-content-type": ["whoami.cookieContentType"],
  "cors-refusal-without-type": ["cors.foreignOrigin"],
  "validation-extra-message": ["login.missingPassword"],
};

// Faults a client cannot provoke through admin.auth against `serve`.
const NOT_EXERCISED = {
  "jwt-expiry-ignored": "needs a JWT signed with the backend's secret (expired), which serve does not hand out",
  "jwt-nbf-ignored": "needs a JWT signed with the backend's secret (nbf in the future)",
  "jwt-domain-ignored": "needs a JWT signed with the backend's secret (another domain)",
  "unknown-user-jwt-500": "needs a JWT signed with the backend's secret for a user that does not exist",
  "login-accepts-untyped-json": "the client always sends a content type (axios sets one for any body)",
};

function env(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === "") {
    if (fallback !== undefined) return fallback;
    console.error(`check.js: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const BASE_URL = env("MEDUSA_BASE_URL").replace(/\/+$/, "");
const EMAIL = env("MEDUSA_ADMIN_EMAIL");
const PASSWORD = env("MEDUSA_ADMIN_PASSWORD");
const API_TOKEN = env("MEDUSA_API_TOKEN");
const ADMIN_ORIGIN = env("MEDUSA_ADMIN_ORIGIN", "http://localhost:7000");

/// Text with every secret, JWT and session cookie value taken out.
function scrub(text) {
  let s = String(text);
  for (const [secret, name] of [[PASSWORD, "<password>"], [API_TOKEN, "<api token>"]]) {
    for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
      s = s.split(form).join(name);
    }
  }
  return s
    .replace(/eyJ[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*/g, "<jwt>")
    .replace(/connect\.sid=[^;,\s]+/g, "connect.sid=<value>");
}

function client(opts = {}) {
  return new Medusa({ baseUrl: BASE_URL, maxRetries: 0, ...opts });
}

/// What a call gives: the resolved result, or the response of the error
/// it threw (axios: error.response), or the transport error.
async function call(promise) {
  try {
    const result = await promise;
    return { ok: true, result, response: result.response };
  } catch (e) {
    if (e && e.response) return { ok: false, response: e.response };
    return { ok: false, transport: e && (e.code || e.message) };
  }
}

const statusOf = (c) => (c.response ? String(c.response.status) : `no answer (${c.transport})`);
const typeOf = (c) => (c.response && c.response.headers["content-type"]) || "none";
const cookieOf = (c) => {
  const set = c.response && c.response.headers["set-cookie"];
  return set && set.length ? set[0] : null;
};
const pairOf = (setCookie) => (setCookie ? setCookie.split(";")[0] : null);

/// An error answer in one line: status, content type, and the body's
/// gist (Medusa's {type, message}, a text, or the start of an HTML page).
function errorLine(c) {
  if (c.ok) return `${statusOf(c)} (accepted)`;
  if (!c.response) return statusOf(c);
  const d = c.response.data;
  let gist;
  if (d && typeof d === "object") gist = `${d.type === undefined ? "(no type)" : d.type}: ${d.message}`;
  else if (typeof d === "string" && d.startsWith("<!DOCTYPE html>")) gist = "<!DOCTYPE html>";
  else gist = String(d);
  return `${statusOf(c)} ${typeOf(c)} ${gist}`;
}

function sameUser(c, userId) {
  if (!c.ok) return `${statusOf(c)} ${typeof c.response?.data === "string" ? c.response.data : ""}`.trim();
  const u = c.result.user;
  if (!u) return `${statusOf(c)} no user`;
  return `${statusOf(c)} ${u.id === userId ? "the same user" : "another user"}`;
}

function userFacts(obs, login) {
  const u = login.ok ? login.result.user : undefined;
  obs["login.userKeys"] = u && typeof u === "object" ? Object.keys(u).sort().join(",") : "no user";
  if (!u || typeof u !== "object") return;
  obs["login.user.id"] = typeof u.id === "string" && u.id.startsWith("usr_") ? "string usr_" : `${typeof u.id}`;
  obs["login.user.email"] =
    u.email === EMAIL.toLowerCase() ? "the admin, lower-cased" : /^[^@\s]+@[^@\s]+$/.test(u.email) ? "another address" : "not an e-mail";
  obs["login.user.role"] = String(u.role);
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
  obs["login.user.dates"] = iso.test(u.created_at) && iso.test(u.updated_at) ? "ISO 8601" : "not ISO 8601";
}

/// The session cookie's attributes, its value left out, its lifetime in hours.
function cookieFacts(setCookie, response) {
  if (!setCookie) return "no cookie";
  const parts = setCookie.split(";").map((p) => p.trim());
  const name = parts[0].split("=")[0];
  const attrs = [];
  let hours = "no expiry";
  for (const p of parts.slice(1)) {
    const [k, v] = p.split("=");
    if (k.toLowerCase() === "expires") {
      const date = Date.parse(response.headers.date || "");
      hours = `expires in ${Math.round((Date.parse(v) - date) / 3600000)}h`;
    } else attrs.push(p);
  }
  return [name, ...attrs, hours].join("; ");
}

async function loginCases(obs, admin) {
  const login = await call(admin.auth.createSession({ email: EMAIL, password: PASSWORD }));
  obs["login.status"] = statusOf(login);
  obs["login.contentType"] = typeOf(login);
  userFacts(obs, login);
  obs["login.cookie"] = cookieFacts(cookieOf(login), login.response || { headers: {} });
  const wrong = await call(admin.auth.createSession({ email: EMAIL, password: PASSWORD + "-wrong" }));
  obs["login.wrongPassword"] = errorLine(wrong);
  obs["login.unknownEmail"] = errorLine(
    await call(admin.auth.createSession({ email: "nobody.here@example.com", password: PASSWORD }))
  );
  obs["login.missingPassword"] = errorLine(await call(admin.auth.createSession({ email: EMAIL })));
  obs["login.invalidEmail"] = errorLine(await call(admin.auth.createSession({ email: "not-an-email", password: PASSWORD })));
  // A string body the client sends as JSON text: not an object, as body-parser wants.
  obs["login.notJson"] = errorLine(await call(admin.auth.createSession("not json")));
  const good = { email: EMAIL, password: PASSWORD };
  obs["login.textPlain"] = statusOf(await call(admin.auth.createSession(good, { "Content-Type": "text/plain" })));
  const form = new URLSearchParams(good).toString();
  obs["login.form"] = statusOf(
    await call(admin.auth.createSession(form, { "Content-Type": "application/x-www-form-urlencoded" }))
  );
  const flipped = PASSWORD.toUpperCase() !== PASSWORD ? PASSWORD.toUpperCase() : PASSWORD.toLowerCase();
  obs["login.passwordOtherCase"] = statusOf(await call(admin.auth.createSession({ email: EMAIL, password: flipped })));
  obs["login.passwordSpaced"] = statusOf(await call(admin.auth.createSession({ email: EMAIL, password: ` ${PASSWORD} ` })));
  obs["login.passwordLonger"] = statusOf(await call(admin.auth.createSession({ email: EMAIL, password: PASSWORD + "x" })));
  return { login, failedCookie: pairOf(cookieOf(wrong)) };
}

function tamper(cookiePair) {
  const last = cookiePair.slice(-1);
  return cookiePair.slice(0, -1) + (last === "A" ? "B" : "A");
}

async function whoamiCases(obs, admin, login, failedCookie) {
  const userId = login.ok && login.result.user ? login.result.user.id : undefined;
  const cookie = pairOf(cookieOf(login));
  const withCookie = await call(admin.auth.getSession(cookie ? { Cookie: cookie } : {}));
  obs["whoami.cookie"] = sameUser(withCookie, userId);
  obs["whoami.cookieContentType"] = typeOf(withCookie);
  obs["whoami.none"] = sameUser(await call(admin.auth.getSession()), userId);
  obs["whoami.tamperedCookie"] = statusOf(await call(admin.auth.getSession(cookie ? { Cookie: tamper(cookie) } : {})));
  obs["whoami.failedLoginCookie"] = statusOf(
    await call(admin.auth.getSession(failedCookie ? { Cookie: failedCookie } : {}))
  );
  const byKey = (key) => client({ apiKey: key }).admin.auth.getSession();
  obs["whoami.apiKey"] = sameUser(await call(byKey(API_TOKEN)), userId);
  obs["whoami.apiKeyPrefix"] = statusOf(await call(byKey(API_TOKEN.slice(0, -1))));
  const otherCase = API_TOKEN.toUpperCase() !== API_TOKEN ? API_TOKEN.toUpperCase() : API_TOKEN.toLowerCase();
  obs["whoami.apiKeyOtherCase"] = statusOf(await call(byKey(otherCase)));
  obs["whoami.wrongApiKey"] = sameUser(await call(byKey(API_TOKEN + "-wrong")), userId);
  obs["whoami.apiTokenAsBearer"] = statusOf(await call(admin.auth.getSession({ Authorization: `Bearer ${API_TOKEN}` })));
  return { userId, cookie };
}

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");

async function tokenCases(obs, admin, userId) {
  const token = await call(admin.auth.getToken({ email: EMAIL, password: PASSWORD }));
  obs["token.status"] = statusOf(token);
  const jwt = token.ok ? token.result.access_token : undefined;
  const parts = typeof jwt === "string" ? jwt.split(".") : [];
  obs["token.accessToken"] =
    jwt === undefined ? "missing" : typeof jwt !== "string" ? typeof jwt : parts.length === 3 ? "a JWT" : "not a JWT";
  let claims = {};
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  } catch {
    claims = {};
  }
  obs["token.claims"] = Object.keys(claims).sort().join(",");
  obs["token.domain"] = `${claims.domain}, ${claims.user_id === userId ? "the same user" : "another user"}`;
  obs["token.lifetime"] = String(claims.exp - claims.iat);
  const bearer = (t) => admin.auth.getSession({ Authorization: `Bearer ${t}` });
  obs["whoami.bearer"] = sameUser(await call(bearer(jwt)), userId);
  const [h, p, sig] = parts.length === 3 ? parts : ["e30", "e30", ""];
  const foreign = crypto.createHmac("sha256", "not-the-backend-secret").update(`${h}.${p}`).digest("base64url");
  obs["whoami.foreignJwt"] = statusOf(await call(bearer(`${h}.${p}.${foreign}`)));
  obs["whoami.algNone"] = statusOf(await call(bearer(`${b64url({ alg: "none", typ: "JWT" })}.${p}.`)));
  obs["whoami.emptySignature"] = statusOf(await call(bearer(`${h}.${p}.`)));
  const changed = b64url({ ...claims, iat: (claims.iat || 0) - 1 });
  obs["whoami.changedPayload"] = statusOf(await call(bearer(`${h}.${changed}.${sig}`)));
}

/// A success as the client returns it: `{...data, response}`, so a text
/// body such as `OK` comes back spread into an object of characters.
function okLine(c) {
  if (!c.ok) return errorLine(c);
  const { response, ...rest } = c.result;
  const keys = Object.keys(rest);
  const text = keys.every((k) => /^\d+$/.test(k)) ? keys.map((k) => rest[k]).join("") : JSON.stringify(rest);
  return `${statusOf(c)} ${text}`;
}

async function logoutCases(obs, admin, cookie) {
  const headers = cookie ? { Cookie: cookie } : {};
  // A second session of the same admin, which a logout must leave alone.
  const other = await call(admin.auth.createSession({ email: EMAIL, password: PASSWORD }));
  const otherCookie = pairOf(cookieOf(other));
  obs["logout.cookie"] = okLine(await call(admin.auth.deleteSession(headers)));
  obs["whoami.afterLogout"] = statusOf(await call(admin.auth.getSession(headers)));
  obs["logout.again"] = statusOf(await call(admin.auth.deleteSession(headers)));
  obs["logout.none"] = statusOf(await call(admin.auth.deleteSession()));
  obs["whoami.otherSessionAfterLogout"] = statusOf(
    await call(admin.auth.getSession(otherCookie ? { Cookie: otherCookie } : {}))
  );
}

async function corsCases(obs, admin) {
  const from = async (origin) => {
    const c = await call(admin.auth.getSession({ Origin: origin, "x-medusa-access-token": API_TOKEN }));
    const h = (c.response && c.response.headers) || {};
    const allow = h["access-control-allow-origin"];
    const creds = h["access-control-allow-credentials"];
    const who = allow === undefined ? "none" : allow === origin ? "the origin" : "another";
    const tail = allow === undefined ? "" : `, allow-credentials: ${creds === undefined ? "none" : creds}`;
    return `${statusOf(c)} allow-origin: ${who}${tail}`;
  };
  obs["cors.adminOrigin"] = await from(ADMIN_ORIGIN);
  obs["cors.foreignOrigin"] = await from("https://evil.example");
  obs["cors.prefixOrigin"] = await from(`${ADMIN_ORIGIN}.evil.example`);
}

async function observe() {
  const obs = {};
  const admin = client().admin;
  const { login, failedCookie } = await loginCases(obs, admin);
  const { userId, cookie } = await whoamiCases(obs, admin, login, failedCookie);
  await tokenCases(obs, admin, userId);
  await logoutCases(obs, admin, cookie);
  await corsCases(obs, admin);
  return obs;
}

function differences(obs) {
  const keys = new Set([...Object.keys(EXPECTED), ...Object.keys(obs)]);
  return [...keys].filter((k) => obs[k] !== EXPECTED[k]);
}

/// Whether the client saw the fault NAME (observations `obs`): prints
/// where it did, or that it did not. 2 if the script does not know NAME.
function judge(name, obs) {
  const where = FAULTS[name];
  if (!where) {
    console.error(`check.js: the fault ${name} is not one this script exercises`);
    return 2;
  }
  const diff = differences(obs);
  const seen = where.filter((k) => diff.includes(k));
  for (const k of seen) {
    console.log(scrub(`fault ${name} seen by the client at ${k}: expected "${EXPECTED[k]}", got "${obs[k]}"`));
  }
  if (seen.length) return 0;
  console.log(`fault ${name} NOT seen by the client at ${where.join(", ")}`);
  return 1;
}

/// Switches the backend's faults to `names` through `medusa-conformance
/// serve`'s fault switch (`PUT /__conformance/faults`).
async function switchFaults(names) {
  const res = await fetch(`${BASE_URL}/__conformance/faults`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ faults: names }),
  });
  if (res.status !== 200) throw new Error(`the fault switch answered ${res.status}`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--list-faults") {
    for (const name of Object.keys(FAULTS)) console.log(`exercised ${name}`);
    for (const [name, why] of Object.entries(NOT_EXERCISED)) console.log(`not-exercised ${name}: ${why}`);
    return 0;
  }
  if (args[0] === "--each-fault" && args.length === 2) {
    // One process for the whole list: node's start-up and the client's
    // loading, paid once, were most of a per-fault run's time.
    const names = args[1].split(",");
    const unknown = names.filter((n) => !FAULTS[n]);
    if (unknown.length) {
      console.error(`check.js: not faults this script exercises: ${unknown.join(", ")}`);
      return 2;
    }
    let code = 0;
    for (const name of names) {
      await switchFaults([name]);
      code = Math.max(code, judge(name, await observe()));
    }
    await switchFaults([]);
    return code;
  }
  const obs = await observe();
  for (const k of Object.keys(EXPECTED)) console.log(scrub(`  ${k}: ${obs[k]}`));
  if (args[0] === "--fault" && args.length === 2) return judge(args[1], obs);
  if (args.length) {
    console.error(`check.js: unknown arguments ${args.join(" ")} (see the comment at the top)`);
    return 2;
  }
  const diff = differences(obs);
  if (!diff.length) {
    console.log(`contract: the client saw what a real Medusa 1.20.11 gives (${Object.keys(EXPECTED).length} observations)`);
    return 0;
  }
  for (const k of diff) console.log(scrub(`differs ${k}: expected "${EXPECTED[k]}", got "${obs[k]}"`));
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(scrub(`check.js: ${e && e.stack ? e.stack : e}`));
    process.exit(3);
  }
);
