// verify.mjs: differential-test oracle for Concierge's Shopify signature checks.
//
// Runs Shopify's own JavaScript library, @shopify/shopify-api 15.0.0 (pinned in
// package.json; it pulls in jose 5.10.0 for JWTs), on requests read from stdin
// as JSON Lines and writes exactly one JSON line per input line to stdout, in
// order. Nothing else is ever written to stdout; library logs go to stderr.
// Every verdict comes from the library's public verification functions; nothing
// here recomputes an HMAC except the two documented `sign` fallbacks.
// Note: 15.0.0 declares engines.node >= 22. It runs unchanged on Node 20 (npm
// only prints an EBADENGINE warning), and nothing it uses here is Node-22-only.
//
// PROTOCOL (see README.md). Every answer echoes "id" when the request has one.
//   oauth_query   {api_key, secret, query[, query_form]}   -> {ok, error?}
//   app_proxy     {api_key, secret, query[, query_form]}   -> {ok, error?}
//   webhook       {api_key, secret, body_base64, headers}  -> {ok, reason?, missing_headers?, note?}
//   session_token {api_key, secret, token}                 -> {ok, dest?, error?}
//   sign          {secret, message_base64, encoding}       -> {signature, impl}
//   version       {}                                       -> {library, node}
// A blank line, bad JSON, an unknown kind, a missing or ill-typed field, a body or
// message that is not padded standard base64, or a config that shopifyApi() rejects
// (empty api_key or secret) -> {"error": "..."} with no "ok". The process keeps reading.
// For oauth_query/app_proxy, error is the library's exception ("InvalidHmacError: ...")
// or the literal "validateHmac returned false" (the signature did not match).
//
// WHAT EACH CHECK ENFORCES, read from node_modules/@shopify/shopify-api/dist/esm
// (lib/utils/hmac-validator.mjs, lib/webhooks/validate.mjs,
// lib/session/decode-session-token.mjs) and jose/dist/node/esm, then confirmed by probes.
// "now" is the library's floor(Date.now()/1000), read when the request is handled.
//
// oauth_query: shopify.utils.validateHmac(Object.fromEntries(new URLSearchParams(query)),
//   {signator: 'admin'}). That argument is the same one shopify.auth.callback builds.
//   With "query_form":"search_params" the URLSearchParams is passed as-is.
//   A leading "?" is ignored. URLSearchParams decodes '+' as space and %XX, and turns
//   malformed UTF-8 into U+FFFD. The steps, in order:
//   1. `hmac` must be present and non-empty. Otherwise it throws "Query does not contain
//      an HMAC value."
//   2. TIMESTAMP: `timestamp` must be present, appear once, and satisfy
//      Number.isInteger(Number(timestamp)). This is JS Number(), so "0x6b026880",
//      "1.79e9" and "1795319936.0" are accepted, "123.5" is rejected, and "" gives 0.
//      Then |now - timestamp| <= 90 s, checked both ways with 90 inclusive; 91 fails.
//      This runs BEFORE the hmac comparison, so a stale timestamp gives an exception
//      whatever the hmac. The window is the library's own addition: Shopify's OAuth docs
//      only ask you to check the hmac, so the library is stricter here.
//   3. MESSAGE: every parameter except `hmac` AND `signature` (both dropped). Keys are
//      sorted with localeCompare (see KEY ORDER). Each key and value is RE-ENCODED with
//      URLSearchParams: everything except A-Za-z0-9 * - . _ becomes %XX with uppercase
//      hex, and a space becomes %20 (never '+'). Then `k=v` pairs are joined with '&'.
//      So the MAC covers the decoded-then-re-encoded values, not the raw bytes that
//      were received. For example, state "a b" is signed as "state=a%20b", "/x" as
//      "%2Fx", "é" as "%C3%A9" and "~" as "%7E". A signer that uses the raw decoded
//      values is rejected whenever a value has such a character (issue
//      Shopify/shopify-app-js#2701 reports spaces failing this way).
//   4. COMPARE: exact string match against lowercase hex. An uppercase-hex hmac returns
//      false.
//   REPEATED KEYS: in object form (the default) the LAST occurrence wins and the others
//   are silently dropped, including a repeated hmac or timestamp. In search_params form
//   the values are joined with ',' before re-encoding, so "a=1&a=2" is signed as
//   "a=1%2C2".
//   NOT checked: shop format, state, host, code. shopify.auth.callback checks those
//   separately; they are not part of validateHmac.
//
// app_proxy: shopify.utils.validateHmac(new URLSearchParams(query), {signator: 'appProxy'}).
//   This is what shopify-app-react-router and shopify-app-remix
//   authenticate.public.appProxy pass since shopify-app-js#3328.
//   "query_form":"object" gives the older Object.fromEntries form (last occurrence wins).
//   The steps, in order:
//   1. In search_params form, `hmac`, `shop`, `signature` or `timestamp` appearing more
//      than once throws 'Query parameter "shop" must not appear more than once.'
//      Other keys may repeat.
//   2. `signature` must be present and non-empty. Otherwise it throws "Query does not
//      contain a signature value."
//   3. TIMESTAMP: the same rule and the same ±90 s window as oauth_query, checked before
//      the signature. Shopify's app-proxy docs do not set a freshness window, so this is
//      stricter than the docs.
//   4. MESSAGE: every parameter except `signature` AND `hmac`. Shopify's docs remove only
//      `signature`, so a proxied request that carries an `hmac` parameter is verified
//      WITHOUT it, which is looser or different. Values stay percent-DECODED. Repeated
//      keys are joined with ',' in order of appearance. Keys are sorted with
//      localeCompare and `k=v` pieces are concatenated with no separator. An empty
//      value gives "k=".
//   5. COMPARE: exact match against lowercase hex.
//   SORT ORDER DIFFERS FROM THE DOCS: the library sorts by KEY, but Shopify's Ruby sample
//   (`query_hash.collect{|k,v| "#{k}=#{Array(v).join(',')}"}.sort.join`) sorts the
//   "k=v" STRINGS byte-wise. The two disagree when one key is a prefix of another and
//   the next character sorts before '=' (digits, '-', '.'). With keys a and a0, the
//   library signs "a=..a0=..", while the docs' order gives "a0=..a=..". Probed with
//   a/a0 and a/a-b.
//
// KEY ORDER, for both query kinds: String.prototype.localeCompare, which uses ICU
//   collation, NOT byte order. The differences from byte order:
//   - case is compared after letters: "a" < "B" (byte order has "B" < "a").
//   - punctuation sorts before digits, which sort before letters: "a_b" < "a1" (byte
//     order has "a1" < "a_b"), and "path_prefix" < "path-prefix".
//   - the order depends on the process locale: under da_DK, "aa" sorts after "z".
//   This script re-runs itself with LC_ALL=C, so the order is ICU root/en. Spawn it with
//   LC_ALL=C yourself to skip that extra process.
//   Key alphabets whose order matched byte order in 200k random pairs: [a-z0-9], [a-z_],
//   [a-z-], [a-z.], [a-z\[\]]. [a-z0-9_] and any uppercase do NOT match. Shopify's real
//   keys match, in both the docs' and the library's order: code, host, shop, state,
//   timestamp, embedded, id_token, locale, session, logged_in_customer_id, path_prefix.
//
// webhook: shopify.webhooks.validate({rawBody, rawRequest, rawResponse}) through the node
//   adapter. Here rawBody is the decoded body as a UTF-8 JS string, as express.text() or
//   request.text() would give it. rawRequest is {method:'POST', url:'/webhooks', headers}
//   with header names lower-cased as in node's IncomingMessage; names differing only in
//   case are joined with ", ". The checks run in this order:
//   1. Header set: if `Shopify-Hmac-Sha256` (the "events" set, no X-) is non-empty, it
//      uses Shopify-Hmac-Sha256, -Topic, -Shop-Domain, -API-Version and -Webhook-Id, and
//      ignores the X- headers. Otherwise it uses the X-Shopify-* set.
//   2. An empty body gives reason "missing_body".
//   3. A missing or empty HMAC header gives "missing_hmac".
//   4. The header must EXACTLY equal base64(HMAC-SHA256(UTF-8 secret, UTF-8 body)):
//      standard alphabet, with '=' padding, case-sensitive, no trimming. Hex, unpadded
//      base64 or a trailing space all give "invalid_hmac".
//   5. Topic, Shop-Domain, API-Version and Webhook-Id must each be present and non-empty.
//      Otherwise reason is "missing_headers" and missing_headers lists the canonical
//      names, e.g. ["X-Shopify-API-Version","X-Shopify-Webhook-Id"].
//   So the reasons take priority in this order: missing_body, missing_hmac, invalid_hmac,
//   missing_headers. A bad HMAC plus a missing topic therefore gives "invalid_hmac".
//   NOT checked: the VALUES of topic, domain, API version and webhook id (garbage
//   passes). X-Shopify-Event-Id, -Triggered-At and -Name are optional and unchecked.
//   There is NO timestamp or replay window (Triggered-At is ignored) and no
//   deduplication.
//   BYTES: the library can only hash a JS string, so a body that is not valid UTF-8 is
//   lossily decoded (U+FFFD) and fails with invalid_hmac even if it was signed correctly
//   over its raw bytes. The answer then carries "note". A leading UTF-8 BOM is kept
//   here and verifies. Frameworks that strip the BOM before calling the library,
//   such as request.text(), would fail such a body.
//
// session_token: shopify.session.decodeSessionToken(token), with the default
//   checkAudience=true. That calls jose.jwtVerify(token, key, {algorithms:['HS256'],
//   clockTolerance: 10}) and then checks payload.aud === api_key.
//   - alg must be HS256, so none and HS512 are rejected. A `crit` header naming an
//     unknown extension is rejected. `typ` is ignored (missing or "foo" passes).
//   - KEY: the secret's UTF-16 code units, each truncated to one byte (getHMACKey). That
//     equals the UTF-8 bytes ONLY for ASCII secrets. The query and webhook checks use
//     UTF-8, so a non-ASCII secret needs different keys for JWTs and for HMACs. Probed:
//     "sécret€" JWTs verify only with the truncated key.
//   - SIGNATURE TEXT IS DECODED LENIENTLY: Buffer.from(sig, 'base64url') and a comparison
//     of the decoded bytes. Many spellings of one signature therefore verify: a
//     different last character that changes only the unused low bits (…w -> …x),
//     appended '=' padding, the standard alphabet (+/), and characters outside the
//     alphabet (e.g. '!'), which are skipped. To make an invalid token, change DECODED
//     signature bytes: flip a hex nibble of the raw MAC and re-encode. Do not edit one
//     base64url character.
//   - The payload must be a JSON object.
//   - exp is OPTIONAL. If present it must be a number (a float passes). It is rejected
//     when exp <= now - 10, so now-9 passes and now-10 fails.
//   - nbf is OPTIONAL. If present it must be a number. It is rejected when nbf > now + 10,
//     so now+10 passes and now+11 fails.
//   - iat is optional. If present it must be a number, but its value is not checked (an
//     iat in the future passes).
//   - aud must be a STRING exactly equal to api_key. A missing aud fails, and so does an
//     array, even ["<api_key>"]. The error is "Session token had invalid API key".
//   - NOT checked: iss, dest, sub, jti, sid. This is looser than Shopify's docs, which say
//     to check that iss and dest share a top-level domain, and that exp and nbf exist.
//     "dest" in the answer is payload.dest and is absent if the token has none.
//
// sign: createSHA256HMAC(secret, text, HashFormat.Hex|Base64) from
//   '@shopify/shopify-api/runtime', the helper the validators use internally. It returns
//   lowercase hex or padded standard base64. It takes a JS string and uses WebCrypto, so
//   when the message is not valid UTF-8, or the secret is empty (WebCrypto: "Zero-length
//   key is not supported"), the answer comes from node:crypto createHmac('sha256') and
//   says impl "node:crypto" instead of "shopify-api".

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// Loaded in main(). Dynamic imports keep the LC_ALL trampoline from loading the library.
let shopifyApi;
let ApiVersion;
let LogSeverity;
let createSHA256HMAC;
let HashFormat;

class RequestError extends Error {}

function libraryVersion() {
  try {
    // The package's "exports" hide package.json; walk up from the resolved entry point.
    let dir = dirname(createRequire(import.meta.url).resolve('@shopify/shopify-api'));
    for (let i = 0; i < 6; i += 1, dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        if (pkg.name === '@shopify/shopify-api') return pkg.version;
      } catch {
        // keep walking
      }
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

// ---------------------------------------------------------------------------
// Library instances, one per (api_key, secret).

const MAX_CACHED_APIS = 256;
const apis = new Map();

function apiFor(apiKey, secret) {
  const cacheKey = JSON.stringify([apiKey, secret]);
  let api = apis.get(cacheKey);
  if (api) return api;
  try {
    api = shopifyApi({
      apiKey,
      apiSecretKey: secret,
      apiVersion: ApiVersion.October26,
      hostName: 'concierge.test',
      hostScheme: 'https',
      isEmbeddedApp: true,
      // Library log lines never touch stdout; debug detail only with SHOPIFY_JS_DEBUG=1.
      logger: {
        level: process.env.SHOPIFY_JS_DEBUG ? LogSeverity.Debug : LogSeverity.Error,
        log: (_severity, message) => {
          process.stderr.write(`${message}\n`);
        },
      },
    });
  } catch (err) {
    // e.g. empty api_key or secret: the library refuses to initialise.
    throw new RequestError(`shopifyApi() rejected the config: ${describe(err)}`);
  }
  if (apis.size >= MAX_CACHED_APIS) apis.clear();
  apis.set(cacheKey, api);
  return api;
}

// ---------------------------------------------------------------------------
// Helpers.

function describe(err) {
  if (err instanceof Error) {
    const name = err.constructor?.name || err.name || 'Error';
    return `${name}: ${err.message}`;
  }
  return String(err);
}

function requireString(req, field) {
  const value = req[field];
  if (typeof value !== 'string') {
    throw new RequestError(`field "${field}" must be a string`);
  }
  return value;
}

// A plain character class (no repeated group) so multi-megabyte bodies do not
// overflow the regexp engine's stack.
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64Strict(req, field) {
  const text = requireString(req, field);
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) {
    throw new RequestError(`field "${field}" is not padded standard base64`);
  }
  return Buffer.from(text, 'base64');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8OrNull(bytes) {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

// How the query string reaches validateHmac (see header, "query_form").
function queryArgument(req, defaultForm) {
  const raw = requireString(req, 'query');
  const form = req.query_form ?? defaultForm;
  if (form !== 'object' && form !== 'search_params') {
    throw new RequestError('field "query_form" must be "object" or "search_params"');
  }
  const params = new URLSearchParams(raw);
  return form === 'search_params' ? params : Object.fromEntries(params.entries());
}

// ---------------------------------------------------------------------------
// Handlers.

async function validateQuery(req, signator, defaultForm) {
  const api = apiFor(requireString(req, 'api_key'), requireString(req, 'secret'));
  const query = queryArgument(req, defaultForm);
  let valid;
  try {
    valid = await api.utils.validateHmac(query, { signator });
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
  return valid === true ? { ok: true } : { ok: false, error: 'validateHmac returned false' };
}

async function webhook(req) {
  const api = apiFor(requireString(req, 'api_key'), requireString(req, 'secret'));
  const bodyBytes = decodeBase64Strict(req, 'body_base64');
  const headersIn = req.headers;
  if (headersIn === null || typeof headersIn !== 'object' || Array.isArray(headersIn)) {
    throw new RequestError('field "headers" must be an object of strings');
  }
  // Shape the headers like node's IncomingMessage.headers: lower-case names,
  // case-insensitive duplicates joined with ", ".
  const headers = {};
  for (const [name, value] of Object.entries(headersIn)) {
    if (typeof value !== 'string') {
      throw new RequestError(`header "${name}" must be a string`);
    }
    const lower = name.toLowerCase();
    headers[lower] = Object.hasOwn(headers, lower) ? `${headers[lower]}, ${value}` : value;
  }
  // Apps hand the library the body as text (express.text(), request.text(), ...);
  // bytes that are not UTF-8 become U+FFFD here, as they would there.
  const rawBody = bodyBytes.toString('utf8');
  const rawRequest = { method: 'POST', url: '/webhooks', headers };
  const rawResponse = {};
  const result = await api.webhooks.validate({ rawBody, rawRequest, rawResponse });
  if (result.valid === true) return { ok: true };
  const out = { ok: false, reason: result.reason };
  if (result.missingHeaders) out.missing_headers = result.missingHeaders;
  if (utf8OrNull(bodyBytes) === null) {
    out.note = 'body is not valid UTF-8; it was decoded lossily before validation';
  }
  return out;
}

async function sessionToken(req) {
  const api = apiFor(requireString(req, 'api_key'), requireString(req, 'secret'));
  const token = requireString(req, 'token');
  let payload;
  try {
    payload = await api.session.decodeSessionToken(token);
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
  const out = { ok: true };
  if (payload.dest !== undefined) out.dest = payload.dest;
  return out;
}

async function sign(req) {
  const secret = requireString(req, 'secret');
  const message = decodeBase64Strict(req, 'message_base64');
  const { encoding } = req;
  if (encoding !== 'hex' && encoding !== 'base64') {
    throw new RequestError('field "encoding" must be "hex" or "base64"');
  }
  const text = utf8OrNull(message);
  if (text !== null && secret.length > 0) {
    const format = encoding === 'hex' ? HashFormat.Hex : HashFormat.Base64;
    return { signature: await createSHA256HMAC(secret, text, format), impl: 'shopify-api' };
  }
  // The library helper cannot sign these (see header); same algorithm via node:crypto.
  return {
    signature: createHmac('sha256', secret).update(message).digest(encoding),
    impl: 'node:crypto',
  };
}

const HANDLERS = {
  oauth_query: (req) => validateQuery(req, 'admin', 'object'),
  app_proxy: (req) => validateQuery(req, 'appProxy', 'search_params'),
  webhook,
  session_token: sessionToken,
  sign,
  version: async () => ({ library: libraryVersion(), node: process.version }),
};

async function handleLine(line) {
  if (line.trim() === '') return { error: 'empty line' };
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    return { error: `malformed JSON: ${err.message}` };
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { error: 'request must be a JSON object' };
  }
  const handler =
    typeof req.kind === 'string' && Object.hasOwn(HANDLERS, req.kind) ? HANDLERS[req.kind] : null;
  let out;
  if (!handler) {
    out = { error: `unknown kind: ${JSON.stringify(req.kind ?? null)}` };
  } else {
    try {
      out = await handler(req);
    } catch (err) {
      out = { error: err instanceof RequestError ? err.message : `internal: ${describe(err)}` };
    }
  }
  if (req.id !== undefined) out = { id: req.id, ...out };
  return out;
}

// ---------------------------------------------------------------------------
// Main loop: one line in, one line out, strictly in order.

async function main() {
  // stdout carries the protocol and nothing else.
  for (const name of ['log', 'info', 'debug', 'warn']) {
    console[name] = (...args) => console.error(...args);
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`verify.mjs: uncaught ${describe(err)}\n`);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`verify.mjs: unhandled rejection ${describe(err)}\n`);
  });
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0); // the reader went away
    process.stderr.write(`verify.mjs: stdout ${describe(err)}\n`);
  });

  // When re-run by the LC_ALL trampoline below, exit if that parent dies (e.g. the
  // test killed it with SIGKILL) instead of waiting for stdin to close.
  const trampolinePid = Number(process.env.SHOPIFY_JS_ORACLE_PARENT_PID);
  if (trampolinePid && trampolinePid === process.ppid) {
    setInterval(() => {
      if (process.ppid !== trampolinePid) process.exit(0);
    }, 250).unref();
  }

  await import('@shopify/shopify-api/adapters/node');
  ({ ApiVersion, LogSeverity, shopifyApi } = await import('@shopify/shopify-api'));
  ({ createSHA256HMAC, HashFormat } = await import('@shopify/shopify-api/runtime'));

  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) {
    let text;
    try {
      text = JSON.stringify(await handleLine(line));
    } catch (err) {
      text = JSON.stringify({ error: `internal: ${describe(err)}` });
    }
    // Pipe writes are synchronous on Linux; elsewhere they are queued and flushed
    // by the event loop while this loop waits for the next line.
    process.stdout.write(`${text}\n`);
  }
}

// Pin the collation locale (see KEY ORDER above). If LC_ALL is not "C", run this
// same script again with LC_ALL=C, sharing our stdin/stdout/stderr.
if (process.env.LC_ALL === 'C') {
  await main();
} else {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, LC_ALL: 'C', SHOPIFY_JS_ORACLE_PARENT_PID: String(process.pid) },
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    process.stderr.write(`verify.mjs: cannot re-run with LC_ALL=C: ${err.message}\n`);
    process.exit(1);
  });
}
