/**
 * End to end through cognito-local (the npm Cognito emulator, not written here): it makes the code,
 * encrypts it with the official Encryption SDK under the KMS stand-in's key (its keyring writes two
 * data keys for that key), and invokes the relay as CustomEmailSender through the AWS SDK's Lambda
 * client. The relay (the shipped bundle: `npm run build` first) delivers to a real SMTP inbox, and
 * the code read from that mail must be the one cognito-local accepts.
 *
 * cognito-local 5.3 has no CustomSMSSender trigger and no ResendConfirmationCode: see the last tests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdminCreateUserCommand,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startCognitoLocalRelay, type CognitoLocalRelay } from '../../src/tools/local/cognito-local.ts';

const PASSWORD = 'Correct-Horse-9';

describe('cognito-local → relay (shipped bundle) → SMTP inbox', () => {
  let local: CognitoLocalRelay;

  before(async () => {
    local = await startCognitoLocalRelay({ relay: { kind: 'bundle' } });
  });

  after(async () => {
    await local.close();
  });

  /** The relay's answer to the trigger the last call fired (cognito-local waits for it). */
  function lastInvocation(triggerSource: string) {
    const invocation = local.invocations.at(-1);
    assert.equal(invocation?.triggerSource, triggerSource);
    assert.equal(invocation?.ok, true, `the relay refused cognito-local's ${triggerSource} code: ${invocation?.error?.message}`);
  }

  async function signIn(email: string, password: string) {
    const answer = await local.client.send(
      new InitiateAuthCommand({ ClientId: local.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
    );
    return answer.AuthenticationResult?.AccessToken;
  }

  async function signedUpUser(email: string): Promise<string> {
    await local.signUp(email, PASSWORD);
    await local.confirmSignUp(email, await local.codeFor(email));
    const accessToken = await signIn(email, PASSWORD);
    assert.ok(accessToken);
    return accessToken;
  }

  it('SignUp: the code the relay delivers confirms the user (AdminGetUser says CONFIRMED)', async () => {
    // Prepare
    const email = 'ada@example.com';

    // Act
    const signUp = await local.signUp(email, PASSWORD);
    const code = await local.codeFor(email);
    const wrongCode = code === '000000' ? '111111' : '000000';

    // Assess
    lastInvocation('CustomEmailSender_SignUp');
    assert.equal(signUp.confirmed, false);
    assert.equal(await local.userStatus(email), 'UNCONFIRMED');
    await assert.rejects(local.confirmSignUp(email, wrongCode), { name: 'CodeMismatchException' });
    await local.confirmSignUp(email, code);
    assert.equal(await local.userStatus(email), 'CONFIRMED');
  });

  it('GetUserAttributeVerificationCode → VerifyUserAttribute with the delivered code', async () => {
    // Prepare
    const email = 'grace@example.com';
    const accessToken = await signedUpUser(email);

    // Act
    await local.client.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: accessToken, AttributeName: 'email' }));
    const code = await local.codeFor(email);

    // Assess
    lastInvocation('CustomEmailSender_VerifyUserAttribute');
    const wrongCode = code === '000000' ? '111111' : '000000';
    await assert.rejects(
      local.client.send(new VerifyUserAttributeCommand({ AccessToken: accessToken, AttributeName: 'email', Code: wrongCode })),
      { name: 'CodeMismatchException' },
    );
    await local.client.send(new VerifyUserAttributeCommand({ AccessToken: accessToken, AttributeName: 'email', Code: code }));
  });

  it('ForgotPassword → ConfirmForgotPassword with the delivered code → sign in with the new password', async () => {
    // Prepare
    const email = 'katherine@example.com';
    await signedUpUser(email);
    const newPassword = 'Brand-New-Pass-7';

    // Act
    await local.client.send(new ForgotPasswordCommand({ ClientId: local.clientId, Username: email }));
    const code = await local.codeFor(email);
    await local.client.send(
      new ConfirmForgotPasswordCommand({ ClientId: local.clientId, Username: email, ConfirmationCode: code, Password: newPassword }),
    );

    // Assess
    lastInvocation('CustomEmailSender_ForgotPassword');
    assert.ok(await signIn(email, newPassword), 'the new password signs in');
    // Cognito answers NotAuthorizedException; cognito-local 5.3 InvalidPasswordException.
    await assert.rejects(signIn(email, PASSWORD), { name: /^(NotAuthorizedException|InvalidPasswordException)$/ });
  });

  it('AdminCreateUser: the delivered temporary password signs in (NEW_PASSWORD_REQUIRED)', async () => {
    // Prepare
    const email = 'annie@example.com';
    const temporaryPassword = 'Temp-Pass-4821!';

    // Act
    await local.client.send(
      new AdminCreateUserCommand({
        UserPoolId: local.userPoolId,
        Username: email,
        TemporaryPassword: temporaryPassword,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );

    // Assess
    lastInvocation('CustomEmailSender_AdminCreateUser');
    const mail = local.stack.smtp.messages.at(-1);
    assert.deepEqual(mail?.envelopeTo, [email]);
    assert.ok(mail?.parsed.text?.includes(temporaryPassword), 'the mail shows the temporary password');
    const answer = await local.client.send(
      new InitiateAuthCommand({ ClientId: local.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: temporaryPassword } }),
    );
    assert.equal(answer.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  });

  it('decrypts each cognito-local code with one KMS Decrypt although it carries two data keys', async () => {
    // Prepare
    const email = 'margaret@example.com';
    const decryptsBefore = local.stack.kms.calls.Decrypt ?? 0;

    // Act
    await local.signUp(email, PASSWORD);
    await local.codeFor(email);

    // Assess: cognito-local's keyring asked KMS for a data key under the key id and had it
    // encrypted under the key ARN too; the relay needed only the first.
    lastInvocation('CustomEmailSender_SignUp');
    assert.equal((local.stack.kms.calls.Decrypt ?? 0) - decryptsBefore, 1);
  });

  it('ResendConfirmationCode: cognito-local 5.3 does not implement it (when an upgrade does, add the flow here)', async () => {
    // Prepare
    const email = 'hedy@example.com';
    await local.signUp(email, PASSWORD);
    await local.codeFor(email);

    // Act & Assess
    await assert.rejects(
      local.client.send(new ResendConfirmationCodeCommand({ ClientId: local.clientId, Username: email })),
      (error: Error) => /unsupported/i.test(`${error.name} ${error.message}`),
    );
  });
});

describe('cognito-local → relay (sources, in process)', () => {
  it('SignUp → ConfirmSignUp with the delivered code, no build needed', async () => {
    // Prepare
    const local = await startCognitoLocalRelay({ relay: { kind: 'sources' } });
    try {
      // Act
      await local.signUp('ada@example.com', PASSWORD);
      await local.confirmSignUp('ada@example.com', await local.codeFor('ada@example.com'));

      // Assess
      assert.equal(await local.userStatus('ada@example.com'), 'CONFIRMED');
      assert.deepEqual(
        local.invocations.map(({ triggerSource, ok }) => ({ triggerSource, ok })),
        [{ triggerSource: 'CustomEmailSender_SignUp', ok: true }],
      );
    } finally {
      await local.close();
    }
  });
});

describe('cognito-local → a runner of the caller\'s (the sandbox\'s Lambda process)', () => {
  it('hands it the event cognito-local made, and reports its refusal when no mail arrives', async () => {
    // Prepare
    const seen: { triggerSource: string; type: string; codeLength: number }[] = [];
    const local = await startCognitoLocalRelay({
      relay: {
        kind: 'invoke',
        invoke: async (event) => {
          const { triggerSource, request } = event as { triggerSource: string; request: { type: string; code: string } };
          seen.push({ triggerSource, type: request.type, codeLength: request.code.length });
          return { ok: false, error: { name: 'DecryptError', message: 'refused for the test', code: 'WRONG_KEY' } };
        },
      },
    });
    try {
      // Act
      await local.signUp('ada@example.com', PASSWORD);

      // Assess
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.triggerSource, 'CustomEmailSender_SignUp');
      assert.equal(seen[0]?.type, 'customEmailSenderRequestV1');
      assert.ok((seen[0]?.codeLength ?? 0) > 100, 'the code is an Encryption SDK message, not the plain code');
      assert.equal(local.invocations[0]?.ok, false);
      await assert.rejects(local.codeFor('ada@example.com', { timeoutMs: 300 }), /no mail to a\*\*\*@example\.com .*refused for the test/);
    } finally {
      await local.close();
    }
  });
});
