// Signing and verification keys for gateway tokens. Keys are imported once; algorithms are pinned.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  importPKCS8,
  importSPKI,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  decodeProtectedHeader,
  type CryptoKey,
  type JWTPayload,
} from 'jose';

export type JwtAlgorithm = 'ES256' | 'EdDSA' | 'HS256';

export interface AuthSettings {
  issuer: string;
  audience: string;
  algorithms: readonly JwtAlgorithm[];
  public_key_file: string;
  private_key_file: string;
  secret: string;
  key_id: string;
  previous_public_key_files: readonly string[];
}

type Key = CryptoKey | Uint8Array;

export interface VerifyKeys {
  /** key for a token's `kid`, or the primary key when the token has none */
  pick(kid: string | undefined, alg: string): Key | null;
  algorithms: JwtAlgorithm[];
}

function asymmetricAlg(algs: readonly JwtAlgorithm[]): JwtAlgorithm | null {
  return algs.find((a) => a !== 'HS256') ?? null;
}

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/** `kid` of a public key file: the configured key id for the primary key, else the file's base name. */
function kidOf(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
}

export async function loadVerifyKeys(auth: AuthSettings): Promise<VerifyKeys> {
  const byKid = new Map<string, { key: Key; alg: JwtAlgorithm }>();
  let primary: { key: Key; alg: JwtAlgorithm } | null = null;
  const asym = asymmetricAlg(auth.algorithms);
  if (asym) {
    if (!auth.public_key_file) throw new Error(`auth.public_key_file is required for ${asym}`);
    const key = await importSPKI(readFileSync(auth.public_key_file, 'utf8'), asym);
    primary = { key, alg: asym };
    byKid.set(auth.key_id || kidOf(auth.public_key_file), primary);
    for (const f of auth.previous_public_key_files) {
      byKid.set(kidOf(f), { key: await importSPKI(readFileSync(f, 'utf8'), asym), alg: asym });
    }
  }
  let hmac: { key: Key; alg: JwtAlgorithm } | null = null;
  if (auth.algorithms.includes('HS256')) {
    if (!auth.secret) throw new Error('auth.secret (or auth.secret_file) is required for HS256');
    if (auth.secret.length < 32) throw new Error('auth.secret must be at least 32 characters for HS256');
    hmac = { key: await hmacKey(auth.secret, 'verify'), alg: 'HS256' };
  }
  return {
    algorithms: [...auth.algorithms],
    pick(kid, alg) {
      if (alg === 'HS256') return hmac?.key ?? null;
      if (kid !== undefined) {
        const k = byKid.get(kid);
        return k && k.alg === alg ? k.key : null;
      }
      return primary && primary.alg === alg ? primary.key : null;
    },
  };
}

export interface VerifiedToken {
  payload: JWTPayload;
}

/** Verify signature, pinned algorithm, iss, aud, exp/nbf; throws jose errors on failure. */
export async function verifyJwt(token: string, keys: VerifyKeys, auth: Pick<AuthSettings, 'issuer' | 'audience'>): Promise<JWTPayload> {
  const header = decodeProtectedHeader(token);
  const alg = header.alg;
  if (typeof alg !== 'string' || !keys.algorithms.includes(alg as JwtAlgorithm)) throw new Error(`algorithm ${String(alg)} is not allowed`);
  const key = keys.pick(header.kid, alg);
  if (!key) throw new Error('no key for this token');
  const { payload } = await jwtVerify(token, key, {
    algorithms: [alg],
    issuer: auth.issuer,
    audience: auth.audience,
    clockTolerance: 30,
    requiredClaims: ['sub', 'jti', 'iat'],
  });
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + 60) throw new Error('token issued in the future');
  return payload;
}

export interface MintOptions {
  sub: string;
  jti?: string;
  /** seconds from now; omit for a token that does not expire */
  expiresInSeconds?: number;
  concurrency?: number;
  models?: readonly string[];
}

export interface Signer {
  mint(o: MintOptions): Promise<{ token: string; jti: string; exp: number | null }>;
}

export async function createSigner(auth: AuthSettings): Promise<Signer> {
  const asym = asymmetricAlg(auth.algorithms);
  let key: Key;
  let alg: JwtAlgorithm;
  if (asym && auth.private_key_file) {
    key = await importPKCS8(readFileSync(auth.private_key_file, 'utf8'), asym);
    alg = asym;
  } else if (auth.algorithms.includes('HS256') && auth.secret) {
    key = await hmacKey(auth.secret, 'sign');
    alg = 'HS256';
  } else {
    throw new Error(asym ? `auth.private_key_file is required to sign ${asym} tokens` : 'auth.secret is required to sign HS256 tokens');
  }
  const kid = alg === 'HS256' ? undefined : auth.key_id || kidOf(auth.public_key_file || auth.private_key_file);
  return {
    async mint(o) {
      const jti = o.jti ?? randomUUID();
      const now = Math.floor(Date.now() / 1000);
      const exp = o.expiresInSeconds ? now + Math.floor(o.expiresInSeconds) : null;
      const dsp: Record<string, unknown> = {};
      if (o.concurrency !== undefined) dsp.concurrency = o.concurrency;
      if (o.models !== undefined) dsp.models = [...o.models];
      const jwt = new SignJWT(Object.keys(dsp).length ? { dsp } : {})
        .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
        .setSubject(o.sub)
        .setJti(jti)
        .setIssuer(auth.issuer)
        .setAudience(auth.audience)
        .setIssuedAt(now);
      if (exp) jwt.setExpirationTime(exp);
      return { token: await jwt.sign(key), jti, exp };
    },
  };
}

/** A fresh key pair as PEM (demo mode and tests). */
export async function generateKeyPairPem(alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<{ publicKey: string; privateKey: string }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicKey: await exportSPKI(publicKey), privateKey: await exportPKCS8(privateKey) };
}
