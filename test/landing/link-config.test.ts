/** LINK_BASE_URL in the relay's configuration: checked at cold start with the other settings. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/runtime/config/config.ts';
import { ConfigError } from '../../src/runtime/errors.ts';

const BASE = {
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  EMAIL_PROVIDER: 'smtp',
  SMTP_URL: 'smtp://localhost:25',
  EMAIL_FROM: 'a@example.com',
};

describe('LINK_BASE_URL setting', () => {
  it('is optional, and kept as given when it is https (or http on loopback)', async () => {
    assert.equal((await loadConfig(BASE)).linkBaseUrl, undefined);
    assert.equal((await loadConfig({ ...BASE, LINK_BASE_URL: ' https://acme.example/verify/ ' })).linkBaseUrl, 'https://acme.example/verify/');
    assert.equal((await loadConfig({ ...BASE, LINK_BASE_URL: 'http://127.0.0.1:8080/' })).linkBaseUrl, 'http://127.0.0.1:8080/');
  });

  it('is refused at cold start, among the other problems, when it is not https or carries a fragment', async () => {
    for (const [value, expected] of [
      ['http://acme.example/', /LINK_BASE_URL must use https/],
      ['https://acme.example/#x', /LINK_BASE_URL must not contain a fragment/],
    ] as const) {
      await assert.rejects(loadConfig({ ...BASE, EMAIL_FROM: '', LINK_BASE_URL: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.problems.some((problem) => expected.test(problem)), error.problems.join('\n'));
        assert.ok(error.problems.some((problem) => /EMAIL_FROM/.test(problem)), 'reported with the other problems');
        return true;
      });
    }
  });
});
