import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { kmsClientFor, startKmsStandIn, startTestKms } from '../../support/kms.ts';
import type { KmsStandIn } from '../../support/kms.ts';

const ARN = /^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('KMS stand-in', () => {
  let kms: KmsStandIn;
  let client: KMSClient;

  before(async () => {
    kms = await startTestKms({ region: 'eu-west-1' });
    client = kmsClientFor(kms);
  });

  after(async () => {
    client.destroy();
    await kms.close();
  });

  it('creates keys identified by full ARNs', () => {
    // Act
    const first = kms.createKey();
    const second = kms.createKey();

    // Assess
    assert.match(first, ARN);
    assert.match(second, ARN);
    assert.notEqual(first, second);
  });

  it('round-trips a data key through GenerateDataKey and Decrypt with the SDK client', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const context = { 'userpool-id': 'eu-west-1_Pool1' };

    // Act
    const generated = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: context }),
    );
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, KeyId: keyArn, EncryptionContext: context }),
    );

    // Assess
    assert.equal(generated.KeyId, keyArn);
    assert.equal(generated.Plaintext?.length, 32);
    assert.equal(decrypted.KeyId, keyArn);
    assert.deepEqual(Buffer.from(decrypted.Plaintext ?? []), Buffer.from(generated.Plaintext ?? []));
  });

  it('answers Decrypt with the ARN of the key that made the blob when no KeyId is given', async () => {
    // Prepare
    kms.createKey();
    const keyArn = kms.createKey();
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: keyArn.split('/')[1], Plaintext: Buffer.from('secret') }),
    );

    // Act
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));

    // Assess
    assert.equal(encrypted.KeyId, keyArn);
    assert.equal(decrypted.KeyId, keyArn);
    assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), 'secret');
  });

  it('rejects Decrypt with InvalidCiphertextException when the encryption context differs', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const encrypted = await client.send(
      new EncryptCommand({
        KeyId: keyArn,
        Plaintext: Buffer.from('secret'),
        EncryptionContext: { 'userpool-id': 'eu-west-1_Pool1' },
      }),
    );

    // Act & Assess
    const otherContexts: (Record<string, string> | undefined)[] = [{ 'userpool-id': 'eu-west-1_Pool2' }, {}, undefined];
    for (const EncryptionContext of otherContexts) {
      await assert.rejects(
        client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext })),
        { name: 'InvalidCiphertextException' },
      );
    }
  });

  it('accepts the same encryption context given in another key order', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x'), EncryptionContext: { a: '1', b: '2' } }),
    );

    // Act
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } }),
    );

    // Assess
    assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), 'x');
  });

  it('rejects Decrypt with IncorrectKeyException when KeyId names another key', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const otherArn = kms.createKey();
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') }));

    // Act & Assess
    await assert.rejects(
      client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, KeyId: otherArn })),
      { name: 'IncorrectKeyException' },
    );
  });

  it('rejects a garbled blob with InvalidCiphertextException', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') }));
    const garbled = Buffer.from(encrypted.CiphertextBlob ?? []);
    garbled[garbled.length - 1]! ^= 0xff;

    // Act & Assess
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: garbled })), {
      name: 'InvalidCiphertextException',
    });
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob') })), {
      name: 'InvalidCiphertextException',
    });
  });

  it('fails with AccessDeniedException (HTTP 400) once a key is denied', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') }));

    // Act
    kms.deny(keyArn);

    // Assess
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })), (error) => {
      assert.equal((error as Error).name, 'AccessDeniedException');
      assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400);
      assert.match((error as Error).message, /not authorized to perform: kms:Decrypt/);
      return true;
    });
  });

  it('fails with DisabledException once a key is disabled, and DescribeKey shows it', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x') }));

    // Act
    kms.disable(keyArn);

    // Assess
    await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })), {
      name: 'DisabledException',
    });
    const described = await client.send(new DescribeKeyCommand({ KeyId: keyArn }));
    assert.equal(described.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(described.KeyMetadata?.Arn, keyArn);
  });

  it('creates a key through CreateKey and describes it by ARN', async () => {
    // Act
    const created = await client.send(new CreateKeyCommand({}));
    const described = await client.send(new DescribeKeyCommand({ KeyId: created.KeyMetadata?.Arn }));

    // Assess
    assert.match(created.KeyMetadata?.Arn ?? '', ARN);
    assert.equal(described.KeyMetadata?.KeyId, created.KeyMetadata?.KeyId);
    assert.equal(described.KeyMetadata?.KeyState, 'Enabled');
    assert.equal(described.KeyMetadata?.KeySpec, 'SYMMETRIC_DEFAULT');
  });

  it('answers NotFoundException for an unknown key', async () => {
    // Act & Assess
    await assert.rejects(
      client.send(
        new DescribeKeyCommand({ KeyId: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000' }),
      ),
      { name: 'NotFoundException' },
    );
  });

  it('rejects a request without an Authorization header', async () => {
    // Prepare
    const before = kms.calls.Encrypt ?? 0;

    // Act
    const response = await fetch(kms.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
      body: JSON.stringify({ KeyId: kms.createKey(), Plaintext: Buffer.from('x').toString('base64') }),
    });

    // Assess
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    assert.equal(kms.calls.Encrypt, before + 1);
  });

  it('rejects a request signed for another region', async () => {
    // Prepare
    const otherRegion = new KMSClient({ region: 'us-east-1', endpoint: kms.url });

    // Act & Assess
    try {
      await assert.rejects(otherRegion.send(new DescribeKeyCommand({ KeyId: kms.createKey() })), {
        name: 'InvalidSignatureException',
      });
    } finally {
      otherRegion.destroy();
    }
  });

  it('counts requests per operation', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const before = { ...kms.calls };

    // Act
    await client.send(new DescribeKeyCommand({ KeyId: keyArn }));
    await client.send(new DescribeKeyCommand({ KeyId: keyArn }));
    await client.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));

    // Assess
    assert.equal(kms.calls.DescribeKey, (before.DescribeKey ?? 0) + 2);
    assert.equal(kms.calls.GenerateDataKey, (before.GenerateDataKey ?? 0) + 1);
    assert.equal(kms.calls.Decrypt ?? 0, before.Decrypt ?? 0);
  });
});

describe('startKmsStandIn', () => {
  it('fails with an error naming the port when the port is in use', async () => {
    // Prepare
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;

    // Act & Assess
    try {
      await assert.rejects(startKmsStandIn({ port, host: '127.0.0.1' }), (error) => {
        assert.equal((error as { code?: string }).code, 'PORT_IN_USE');
        assert.match((error as Error).message, new RegExp(`port ${port} is already in use`));
        return true;
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('uses the region it was given in key ARNs and the URL it listens on', async () => {
    // Act
    const kms = await startKmsStandIn({ region: 'us-west-2' });

    // Assess
    try {
      assert.equal(kms.region, 'us-west-2');
      assert.match(kms.createKey(), /^arn:aws:kms:us-west-2:111122223333:key\//);
      assert.match(kms.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await kms.close();
    }
  });
});
