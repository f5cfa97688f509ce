/**
 * `cognito-relay encrypt`: codes made the way Cognito makes them, checked by decrypting them
 * with the relay's own decryptor against the KMS stand-in the command was pointed at.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KMSClient } from '@aws-sdk/client-kms';
import { createDecryptor, type Decryptor } from '../../../src/runtime/crypto/decrypt.ts';
import { kmsClientFor, startTestKms, type KmsStandIn } from '../../support/kms.ts';
import { runCli, TEST_AWS_ENV } from '../sandbox/run-cli.ts';

const POOL = 'eu-west-1_AbCdEf123';

describe('cognito-relay encrypt', { timeout: 90_000 }, () => {
  let kms: KmsStandIn;
  let keyArn: string;
  let client: KMSClient;
  let decryptor: Decryptor;

  before(async () => {
    kms = await startTestKms({ region: 'eu-west-1' });
    keyArn = kms.createKey();
    client = kmsClientFor(kms);
    decryptor = createDecryptor({ keyArn, endpoint: kms.url });
  });

  after(async () => {
    client.destroy();
    await kms.close();
  });

  const encrypt = (args: string[], input?: string) => runCli(['encrypt', '--key-arn', keyArn, '--endpoint-url', kms.url, ...args], { env: TEST_AWS_ENV, input });

  it('prints a Cognito-format code (format v1, suite 0x0378, userpool-id) that the relay decrypts', async () => {
    // Act
    const result = await encrypt(['--pool-id', POOL, '--code', '123456']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    const code = result.stdout.trim();
    const bytes = Buffer.from(code, 'base64');
    assert.equal(bytes[0], 0x01, 'message format version 1');
    assert.equal(bytes[1], 0x80, 'customer authenticated encrypted data');
    assert.equal(bytes.readUInt16BE(2), 0x0378);
    assert.ok(bytes.includes(Buffer.from('userpool-id')) && bytes.includes(Buffer.from(POOL)), 'the pool id is in the encryption context');
    assert.ok(bytes.includes(Buffer.from(keyArn)), 'the data key names the full key ARN');
    assert.equal(await decryptor.decrypt(code, POOL), '123456');
    // Bound to the pool: another pool's event cannot reuse it.
    await assert.rejects(decryptor.decrypt(code, 'eu-west-1_Other999'));
  });

  it('reads the code from stdin, dropping the newline echo adds', async () => {
    // Act
    const result = await encrypt(['--pool-id', POOL], '654321\n');

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await decryptor.decrypt(result.stdout.trim(), POOL), '654321');
  });

  it('prints a whole event with --event, escaping a temporary password as Cognito does', async () => {
    // Act
    const result = await encrypt(['--pool-id', POOL, '--code', 'Tq<7>mZ2!', '--event', 'CustomEmailSender_AdminCreateUser']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    const event = JSON.parse(result.stdout) as { triggerSource: string; userPoolId: string; request: { type: string; code: string } };
    assert.equal(event.triggerSource, 'CustomEmailSender_AdminCreateUser');
    assert.equal(event.userPoolId, POOL);
    assert.equal(event.request.type, 'customEmailSenderRequestV1');
    assert.equal(await decryptor.decrypt(event.request.code, POOL), 'Tq&lt;7&gt;mZ2!');
  });

  it('makes the emulators’ variant with --format v2 (format v2, suite 0x0578)', async () => {
    // Act
    const result = await encrypt(['--pool-id', POOL, '--code', '111111', '--format', 'v2']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    const bytes = Buffer.from(result.stdout.trim(), 'base64');
    assert.equal(bytes[0], 0x02);
    assert.equal(bytes.readUInt16BE(1), 0x0578);
  });

  it('exits 1 with KMS’s answer when the key cannot be used', async () => {
    // Act
    const result = await runCli(
      ['encrypt', '--key-arn', keyArn.replace(/key\/.*/, 'key/00000000-0000-4000-8000-000000000000'), '--endpoint-url', kms.url, '--pool-id', POOL, '--code', '1'],
      { env: TEST_AWS_ENV },
    );

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /✗ Could not encrypt: .*does not exist/);
    assert.equal(result.stdout, '');
  });

  it('exits 2 with the usage for a key id instead of an ARN, a bad pool id, no code or a wrong flag', async () => {
    // Act
    const [keyId, pool, noCode, flag, missing] = await Promise.all([
      runCli(['encrypt', '--key-arn', '1234abcd-12ab-34cd-56ef-1234567890ab', '--pool-id', POOL, '--code', '1']),
      runCli(['encrypt', '--key-arn', keyArn, '--pool-id', 'my-pool', '--code', '1']),
      runCli(['encrypt', '--key-arn', keyArn, '--pool-id', POOL], { input: '' }),
      runCli(['encrypt', '--key-arn', keyArn, '--pool-id', POOL, '--plaintext', '1']),
      runCli(['encrypt', '--code', '1']),
    ]);

    // Assess
    for (const result of [keyId, pool, noCode, flag, missing]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Usage: cognito-relay encrypt/);
    }
    assert.match(keyId.stderr, /--key-arn is a bare key ID/);
    assert.match(pool.stderr, /--pool-id "my-pool" is not a user pool id/);
    assert.match(noCode.stderr, /The code is empty/);
    assert.match(flag.stderr, /--plaintext/);
    assert.match(missing.stderr, /Missing --key-arn and --pool-id/);
  });
});
