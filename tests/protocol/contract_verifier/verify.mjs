// A verifier of the village-edge county protocol written from the contract
// (county/openapi.yaml: "Signed requests", "Signed answers", "Canonical
// JSON") alone: it shares no code with the project. RFC 8785 comes from the
// canonicalize package (by one of the RFC's authors), Ed25519 from Node's
// crypto.
//
//   node verify.mjs vectors FILE
//       checks every test vector of docs/protocol-vectors.json
//   node verify.mjs county URL DEVICE_ID DEVICE_SEED_HEX COUNTY_PUBLIC_KEY
//       talks to a running county as an enrolled device: signs requests as
//       the contract says, and checks the county's signed answers and the
//       signed documents of its feed
//
// Prints one line per check; exits 1 if any check failed, 2 on bad usage.

import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';

import canonicalize from 'canonicalize';

const failures = [];
let checked = 0;

function check(name, ok, detail = '') {
  checked += 1;
  if (ok) {
    console.log(`ok   ${name}`);
  } else {
    failures.push(name);
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

function attempt(name, body) {
  try {
    check(name, body());
  } catch (error) {
    check(name, false, error.message);
  }
}

// -- the contract's primitives ------------------------------------------------

// "base64url without padding"
function unb64url(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new Error(`not base64url without padding: ${text}`);
  }
  return Buffer.from(text, 'base64url');
}

const sha256hex = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

function publicKey(text) {
  if (unb64url(text).length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

function privateKey(seedHex) {
  // PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410)
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from(seedHex, 'hex')]);
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

function verifies(key, signatureText, message) {
  const signature = unb64url(signatureText);
  return signature.length === 64 && crypto.verify(null, message, key, signature);
}

// "canonical_json": RFC 8785, UTF-8
const canonical = (value) => Buffer.from(canonicalize(value), 'utf8');

// Signed requests: "VE-REQ2", METHOD, TARGET, hex sha256 of the body as sent,
// then "name:value" of every X-VE-* header but X-VE-Signature and of
// Content-Encoding, names in lower case, values without surrounding spaces
// and tabs, sorted by name; each line ends with a line feed.
function signedHeaderLines(headers) {
  const chosen = new Map();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'x-ve-signature') continue;
    if (!lower.startsWith('x-ve-') && lower !== 'content-encoding') continue;
    if (chosen.has(lower)) throw new Error(`${name} sent twice`);
    chosen.set(lower, value.replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  return [...chosen.keys()].sort().map((name) => `${name}:${chosen.get(name)}`);
}

function requestMessage(method, target, body, headers) {
  const lines = ['VE-REQ2', method, target, sha256hex(body), ...signedHeaderLines(headers)];
  return Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
}

// Signed answers: "VE-ANS1", the request's X-VE-Signature, the status, hex
// sha256 of the answer's body; each line ends with a line feed.
function answerMessage(requestSignature, status, body) {
  return Buffer.from(`VE-ANS1\n${requestSignature}\n${status}\n${sha256hex(body)}\n`, 'ascii');
}

// Feed documents: "VE-DOC1" and a line feed, then the document's canonical JSON.
const documentMessage = (document) => Buffer.concat([Buffer.from('VE-DOC1\n'), canonical(document)]);

// Approval tokens: VE1.<payload>.<signature>, the signature over the ASCII
// bytes "VE1." + payload, the payload the canonical JSON of its fields.
function approvalPayload(token, key) {
  const [prefix, payload, signature, ...rest] = token.split('.');
  if (prefix !== 'VE1' || rest.length) throw new Error('not VE1.payload.signature');
  if (!verifies(key, signature, Buffer.from(`VE1.${payload}`, 'ascii'))) {
    throw new Error('token signature does not verify');
  }
  const bytes = unb64url(payload);
  const fields = JSON.parse(bytes.toString('utf8'));
  if (!canonical(fields).equals(bytes)) throw new Error('payload is not canonical');
  return fields;
}

// Ledger records: hash = hex sha256 of the canonical JSON of the record without "hash".
function ledgerHash(record) {
  const rest = Object.fromEntries(Object.entries(record).filter(([name]) => name !== 'hash'));
  return sha256hex(canonical(rest));
}

// -- the test vectors -----------------------------------------------------------

function checkVectors(file) {
  const vectors = JSON.parse(fs.readFileSync(file, 'utf8'));
  const county = publicKey(vectors.keys.county.public_key);
  const device = publicKey(vectors.keys.device.public_key);

  for (const seed of ['county', 'device']) {
    attempt(`the ${seed} key comes from its published seed`, () => {
      const derived = crypto.createPublicKey(privateKey(vectors.keys[seed].seed_hex))
        .export({ format: 'jwk' }).x;
      const fingerprint = sha256hex(unb64url(derived)).slice(0, 16);
      return derived === vectors.keys[seed].public_key
        && fingerprint === vectors.keys[seed].fingerprint;
    });
  }
  for (const vector of vectors.canonical) {
    attempt(`canonical: ${vector.name}`,
      () => canonical(JSON.parse(vector.json)).toString('hex') === vector.canonical_hex);
  }

  const { wire, message_hex: documentHex } = vectors.feed_document;
  attempt('feed document: the signed bytes', () => documentMessage(wire.document).toString('hex') === documentHex);
  attempt('feed document: the signature', () => verifies(county, wire.signature, documentMessage(wire.document)));
  attempt('feed document: an altered copy does not verify', () => !verifies(county, wire.signature,
    documentMessage({ ...wire.document, version: wire.document.version + 1 })));

  for (const name of ['request', 'blob_chunk_request']) {
    const vector = vectors[name];
    const body = Buffer.from(vector.body_hex, 'hex');
    const message = requestMessage(vector.method, vector.target, body, vector.headers);
    const signature = vector.headers.find(([header]) => header.toLowerCase() === 'x-ve-signature')[1];
    attempt(`${name}: the signed bytes`, () => message.toString('hex') === vector.message_hex);
    attempt(`${name}: the signature`, () => verifies(device, signature, message));
    for (const [header] of vector.headers) {
      const lower = header.toLowerCase();
      if (lower === 'x-ve-signature' || !(lower.startsWith('x-ve-') || lower === 'content-encoding')) continue;
      const changed = vector.headers.map(([n, v]) => [n, n === header ? `${v}0` : v]);
      attempt(`${name}: ${header} changed does not verify`,
        () => !verifies(device, signature, requestMessage(vector.method, vector.target, body, changed)));
    }
  }

  const answer = vectors.answer;
  const answerBody = Buffer.from(answer.body, 'utf8');
  const message = answerMessage(answer.request_signature, answer.status, answerBody);
  attempt('answer: the signed bytes', () => message.toString('hex') === answer.message_hex);
  attempt('answer: the signature', () => verifies(county, answer.signature, message));
  attempt('answer: it answers the request vector', () => answer.request_signature === vectors.request.signature);
  attempt('answer: the body is canonical JSON', () => canonical(JSON.parse(answer.body)).equals(answerBody));
  attempt('answer: another status does not verify',
    () => !verifies(county, answer.signature, answerMessage(answer.request_signature, 201, answerBody)));

  attempt('approval token', () => canonicalize(approvalPayload(vectors.approval_token.token, county))
    === canonicalize(vectors.approval_token.payload));
  const ledger = vectors.ledger_record;
  attempt('ledger record: the hashed bytes', () => canonical(Object.fromEntries(
    Object.entries(ledger.record).filter(([name]) => name !== 'hash'))).toString('hex') === ledger.hashed_hex);
  attempt('ledger record: the hash', () => ledgerHash(ledger.record) === ledger.record.hash);
  checkSealedCode(vectors);
}

// "the X25519 form of the county's Ed25519 key (RFC 7748 section 4.1:
// u = (1 + y) / (1 - y) mod 2^255 - 19)"
const P = 2n ** 255n - 19n;

function modPow(base, exponent) {
  let result = 1n;
  let b = ((base % P) + P) % P;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function littleEndian(bytes) {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
}

function toLittleEndian(value) {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
}

function montgomeryU(edwardsPublic) {
  const y = littleEndian(edwardsPublic) & ((1n << 255n) - 1n);
  return toLittleEndian(((1n + y) * modPow(1n - y, P - 2n)) % P);
}

// "the sealed report's box (version 1: ephemeral X25519, HKDF-SHA256 with salt
// epk || recipient and info 'village-edge sealed report v1', AES-256-GCM) with
// the associated data 'VE-ENROLL1\n'"; the county's X25519 private scalar is
// the first half of SHA-512 of its Ed25519 seed (as Ed25519 uses it)
function openSealedCode(countySeedHex, countyPublicText, sealed) {
  const scalar = crypto.createHash('sha512').update(Buffer.from(countySeedHex, 'hex'))
    .digest().subarray(0, 32);
  const privateX = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), scalar]),
    format: 'der', type: 'pkcs8' });
  const recipient = montgomeryU(unb64url(countyPublicText));
  const ownPublic = crypto.createPublicKey(privateX).export({ format: 'jwk' }).x;
  if (ownPublic !== recipient.toString('base64url')) throw new Error('the X25519 forms differ');
  const epk = unb64url(sealed.epk);
  const ephemeral = crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), epk]),
    format: 'der', type: 'spki' });
  const shared = crypto.diffieHellman({ privateKey: privateX, publicKey: ephemeral });
  const key = Buffer.from(crypto.hkdfSync('sha256', shared, Buffer.concat([epk, recipient]),
    Buffer.from('village-edge sealed report v1'), 32));
  const box = unb64url(sealed.ct);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, unb64url(sealed.nonce));
  decipher.setAAD(Buffer.from('VE-ENROLL1\n'));
  decipher.setAuthTag(box.subarray(box.length - 16));
  return Buffer.concat([decipher.update(box.subarray(0, box.length - 16)), decipher.final()]);
}

function checkSealedCode(vectors) {
  const vector = vectors.sealed_enrollment_code;
  const countyText = vectors.keys.county.public_key;
  attempt('sealed enrollment code: the county key\'s X25519 form',
    () => montgomeryU(unb64url(countyText)).toString('base64url') === vector.county_x25519_public);
  attempt('sealed enrollment code: it opens with the county key, to the code, id and key',
    () => {
      const plain = openSealedCode(vectors.keys.county.seed_hex, countyText, vector.sealed_code);
      const form = JSON.parse(plain.toString('utf8'));
      return plain.toString('utf8') === vector.plaintext && form.code === vector.code
        && form.device_id === vector.device_id && form.public_key === vector.public_key
        && canonicalize(form) === vector.plaintext;
    });
  attempt('sealed enrollment code: altered, it does not open', () => {
    const altered = { ...vector.sealed_code,
      ct: Buffer.from(unb64url(vector.sealed_code.ct).map((b, i) => (i === 0 ? b ^ 1 : b)))
        .toString('base64url') };
    try {
      openSealedCode(vectors.keys.county.seed_hex, countyText, altered);
      return false;
    } catch {
      return true;
    }
  });
}

// -- a running county -----------------------------------------------------------

async function signedExchange(base, deviceId, key, method, target, body, extraHeaders) {
  const headers = [...Object.entries(extraHeaders), ['X-VE-Device', deviceId],
    ['X-VE-Timestamp', String(Math.floor(Date.now() / 1000))],
    ['X-VE-Nonce', crypto.randomBytes(16).toString('hex')]];
  const signature = crypto.sign(null, requestMessage(method, target, body, headers), key)
    .toString('base64url');
  headers.push(['X-VE-Signature', signature]);
  const response = await fetch(base + target, {
    method, headers: Object.fromEntries(headers), body: body.length ? body : undefined,
  });
  return { signature, status: response.status, headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()) };
}

function checkAnswer(name, county, exchange, expectedStatus) {
  check(`${name}: status ${expectedStatus}`, exchange.status === expectedStatus,
    `got ${exchange.status} ${exchange.body.toString('utf8')}`);
  const answerSignature = exchange.headers.get('x-ve-answer-signature');
  attempt(`${name}: the answer is signed by the county for this request`, () => answerSignature !== null
    && verifies(county, answerSignature, answerMessage(exchange.signature, exchange.status, exchange.body)));
  attempt(`${name}: the answer's body is canonical JSON`,
    () => canonical(JSON.parse(exchange.body.toString('utf8'))).equals(exchange.body));
  return JSON.parse(exchange.body.toString('utf8'));
}

async function checkCounty(base, deviceId, seedHex, countyKeyText) {
  const county = publicKey(countyKeyText);
  const key = privateKey(seedHex);

  const page = checkAnswer('feed', county,
    await signedExchange(base, deviceId, key, 'GET', '/v1/feed?after=0', Buffer.alloc(0), {}), 200);
  check('feed: holds at least one published document', page.documents.length > 0);
  for (const { seq, signed } of page.documents) {
    attempt(`feed: document ${seq} (${signed.document.kind}/${signed.document.name}) is signed by the county`,
      () => verifies(county, signed.signature, documentMessage(signed.document)));
  }
  attempt('feed: the clock document is signed, for this device', () => page.time.document.kind === 'time'
    && page.time.document.audience === deviceId
    && verifies(county, page.time.signature, documentMessage(page.time.document)));

  const id = `verifier-${crypto.randomBytes(6).toString('hex')}`;
  const batch = zlib.gzipSync(Buffer.from(JSON.stringify({ events: [
    { id, stream: 'verifier.check', created: Date.now() / 1000, payload: { from: 'contract' } },
  ] }), 'utf8'));
  const result = checkAnswer('batch', county, await signedExchange(base, deviceId, key, 'POST', '/v1/events',
    batch, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'X-VE-Backlog': '0' }), 200);
  check('batch: the event is accepted', JSON.stringify(result.accepted) === JSON.stringify([id]));

  checkAnswer('malformed batch', county, await signedExchange(base, deviceId, key, 'POST', '/v1/events',
    Buffer.from('{"events": [1]}'), { 'Content-Type': 'application/json' }), 400);
}

// -- main -----------------------------------------------------------------------

const [mode, ...args] = process.argv.slice(2);
if (mode === 'vectors' && args.length === 1) {
  checkVectors(args[0]);
} else if (mode === 'county' && args.length === 4) {
  await checkCounty(...args);
} else {
  console.error('usage: node verify.mjs vectors FILE | county URL DEVICE_ID DEVICE_SEED_HEX COUNTY_KEY');
  process.exit(2);
}
console.log(`${checked - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
