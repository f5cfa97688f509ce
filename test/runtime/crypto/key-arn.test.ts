import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isKmsKeyArn, keyArnProblem, parseKmsKeyArn, regionOfKeyArn } from '../../../src/runtime/crypto/key-arn.ts';
import { isKmsKeyArn as cliIsKmsKeyArn } from '../../../src/tools/cli/pool-config.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('the key-ARN rule', () => {
  it('accepts single- and multi-Region key ARNs in every partition', () => {
    for (const arn of [
      KEY_ARN,
      'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ]) {
      assert.equal(keyArnProblem(arn), undefined, arn);
    }
    assert.deepEqual(parseKmsKeyArn(KEY_ARN), { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' });
    assert.equal(regionOfKeyArn(KEY_ARN), 'eu-west-1');
  });

  it('refuses what KMS never issues as a key ARN, naming what is wrong', () => {
    const refused: Array<[string, RegExp]> = [
      ['arn:aws:kms:eu-west-1:111122223333:key/my-key', /not a KMS key ARN.*UUID/],
      ['arn:aws:kms:eu-west-1:111122223333:key/1234ABCD-12AB-34CD-56EF-1234567890AB', /not a KMS key ARN/],
      ['arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab/extra', /not a KMS key ARN/],
      ['arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab', /not a KMS key ARN/],
      ['arn:aws:sns:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', /not a KMS key ARN/],
      ['arn:aws:kms:eu-west-1:111122223333:alias/relay', /alias/],
      ['1234abcd-12ab-34cd-56ef-1234567890ab', /bare key ID/],
      ['', /not set/],
    ];
    for (const [value, message] of refused) {
      assert.match(keyArnProblem(value) ?? '', message, value);
      assert.equal(isKmsKeyArn(value), false, value);
      assert.equal(regionOfKeyArn(value), undefined, value);
    }
  });

  it('is the rule the CLI applies: both answer alike', () => {
    for (const value of [KEY_ARN, 'arn:aws:kms:eu-west-1:111122223333:key/my-key', 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab', 'alias/x']) {
      assert.equal(cliIsKmsKeyArn(value), keyArnProblem(value) === undefined, value);
    }
  });
});
