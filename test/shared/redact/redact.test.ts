import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactString } from '../../../src-shared/redact/redact.ts';

describe('redactSecrets', () => {
  it.each([
    [
      'a bearer token in a header map',
      { headers: { Authorization: 'Bearer abc.def' } },
      { headers: { Authorization: REDACTED } },
    ],
    [
      'kubeconfig client keys',
      { user: { 'client-key-data': 'LS0t', 'client-certificate-data': 'Q0VSVA==' } },
      { user: { 'client-key-data': REDACTED, 'client-certificate-data': 'Q0VSVA==' } },
    ],
    [
      'exec credential tokens',
      { status: { token: 't0k', expirationTimestamp: '2026-11-26T16:00:00Z' } },
      { status: { token: REDACTED, expirationTimestamp: '2026-11-26T16:00:00Z' } },
    ],
    [
      'basic-auth passwords by any spelling',
      { basic_auth: { username: 'ops', PASSWORD: 'pw' } },
      { basic_auth: { username: 'ops', PASSWORD: REDACTED } },
    ],
    [
      'a URL with user-info',
      { url: 'https://ops:pw@prom.example:9090/api' },
      { url: `https://${REDACTED}@prom.example:9090/api` },
    ],
    [
      'a token in free text',
      { why: 'curl -H "Authorization: Bearer eyJx.y.z" failed' },
      { why: `curl -H "Authorization: Bearer ${REDACTED}" failed` },
    ],
    [
      'secrets inside arrays',
      [{ bearerToken: 'x' }, 'Basic b3BzOnB3'],
      [{ bearerToken: REDACTED }, `Basic ${REDACTED}`],
    ],
    [
      'an Error',
      { error: new Error('GET https://u:p@h/ failed') },
      { error: { name: 'Error', message: `GET https://${REDACTED}@h/ failed` } },
    ],
    [
      'JSON rules for odd values',
      { a: undefined, b: Number.NaN, c: () => 1, d: new Date(0), e: 10n },
      { b: null, d: '1970-01-01T00:00:00.000Z', e: '10' },
    ],
    ['empty secret fields, kept visible as empty', { token: '', password: null }, {}],
  ])('removes %s', (_what, input, expected) => {
    expect(redactSecrets(input)).toEqual(expected);
  });

  it('masks a PEM private key and a JWT inside any string', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const out = redactString(`key: ${pem} and id ${jwt}`);
    expect(out).toBe(`key: ${REDACTED} and id ${REDACTED}`);
  });

  it('breaks cycles without throwing and leaves its input alone', () => {
    const input: Record<string, unknown> = { name: 'x', token: 'secret' };
    input.self = input;
    expect(redactSecrets(input)).toEqual({ name: 'x', token: REDACTED, self: '[circular]' });
    expect(input.token).toBe('secret');
  });

  it('never lets a secret under a secret key through, at any depth', () => {
    const secretKey = fc.constantFrom(
      'token',
      'Authorization',
      'client-key-data',
      'clientKey',
      'password',
      'refresh_token',
      'apiKey',
    );
    const secret = fc.string({ minLength: 8 }).map((s) => `S3CR3T${s}`);
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
        secretKey,
        secret,
        (base, path, key, value) => {
          let target: Record<string, unknown> = { [key]: value };
          for (const segment of path.reverse()) target = { [`n${segment}`]: target };
          const out = JSON.stringify(redactSecrets({ base, target }));
          return !out.includes('S3CR3T') || JSON.stringify(base).includes('S3CR3T');
        },
      ),
    );
  });

  it('is idempotent on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(redactSecrets(redactSecrets(value))).toEqual(redactSecrets(value));
      }),
    );
  });
});
