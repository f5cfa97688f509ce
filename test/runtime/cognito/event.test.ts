import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent } from '../../../src/runtime/cognito/event.ts';
import { EventError } from '../../../src/runtime/errors.ts';

describe('parseEvent', () => {
  it('does not echo a non-object event (it may be a ciphertext) in its error', () => {
    const secret = 'AYADeILxywKhSECRETCIPHERTEXTAAAA';
    assert.throws(
      () => parseEvent(secret),
      (error: unknown) => error instanceof EventError && error.field === 'event' && !error.message.includes('SECRET'),
    );
  });

  it('rejects attribute maps given as arrays', () => {
    const event = {
      triggerSource: 'CustomSMSSender_SignUp',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_AbCdEf123',
      userName: 'ada',
      request: { type: 'customSMSSenderRequestV1', code: null, clientMetadata: ['locale'], userAttributes: {} },
    };
    assert.throws(() => parseEvent(event), /request\.clientMetadata/);
  });
});
