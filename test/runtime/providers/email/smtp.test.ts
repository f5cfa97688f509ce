/**
 * The SMTP provider against a real SMTP server on loopback (smtp-server), messages parsed back
 * with mailparser.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createSmtp } from '../../../../src/runtime/providers/email/smtp.ts';
import { startSmtpInbox, type SmtpInbox } from '../../../../src/tools/local/smtp-inbox.ts';
import { context, sampleEmail } from '../messages.ts';
import { sendFailing } from '../contract.ts';

let inbox: SmtpInbox;
before(async () => {
  inbox = await startSmtpInbox();
});
after(() => inbox.close());

describe('smtp provider', () => {
  it('delivers a multipart message with sender name, reply-to and no auto-replies', async () => {
    const smtp = createSmtp({ url: inbox.url });
    const before = inbox.messages.length;
    const delivered = await smtp.send(sampleEmail(), context());
    const mail = await inbox.waitFor(before);
    assert.ok(delivered.messageId, 'returns the Message-ID');
    assert.deepEqual(mail.envelopeTo, ['ada@example.com']);
    assert.equal(mail.parsed.from?.value[0]?.name, 'Acme');
    assert.equal(mail.parsed.from?.value[0]?.address, 'no-reply@example.com');
    assert.equal(mail.parsed.replyTo?.value[0]?.address, 'support@example.com');
    assert.equal(mail.parsed.subject, 'Your Acme verification code');
    assert.match(mail.parsed.text ?? '', /482913/);
    assert.match(String(mail.parsed.html), /<b>482913<\/b>/);
    assert.equal(mail.parsed.headers.get('auto-submitted'), 'auto-generated');
    await smtp.close?.();
  });

  it('reuses one pooled connection across sends, as across warm invocations', async () => {
    const smtp = createSmtp({ url: inbox.url });
    const connections = inbox.connections;
    const before = inbox.messages.length;
    await smtp.send(sampleEmail(), context());
    await smtp.send(sampleEmail(), context());
    await smtp.send(sampleEmail(), context());
    await inbox.waitFor(before + 2);
    assert.equal(inbox.connections - connections, 1);
    await smtp.close?.();
  });

  const rcptCases: [string, number, string, 'retryable' | 'permanent', boolean][] = [
    ['an unknown mailbox (550 5.1.1)', 550, '5.1.1 <ada@example.com>: Recipient address rejected: User unknown', 'permanent', true],
    ['relay access denied (554 5.7.1), a server policy', 554, '5.7.1 Relay access denied', 'permanent', false],
    ['greylisting (451 4.7.1)', 451, '4.7.1 Greylisted, try again later', 'retryable', false],
  ];
  for (const [name, code, text, kind, recipient] of rcptCases) {
    it(`classifies ${name} as ${kind}${recipient ? ', about the recipient' : ''}`, async () => {
      const smtp = createSmtp({ url: inbox.url });
      inbox.rejectNext(1, code, text);
      const error = await sendFailing(smtp, sampleEmail());
      assert.equal(error.kind, kind);
      assert.equal(error.recipient, recipient);
      assert.ok(!error.message.includes('ada@example.com'), 'the address is masked');
      await smtp.close?.();
    });
  }

  it('rejects bad credentials permanently and names SMTP_URL', async () => {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    const smtp = createSmtp({ url: `smtp://user:wrong@127.0.0.1:${port}` });
    const error = await sendFailing(smtp, sampleEmail());
    assert.equal(error.kind, 'permanent');
    assert.match(error.message, /SMTP_URL/);
    assert.ok(!error.message.includes('wrong'), 'the password is not echoed');
    await smtp.close?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up with an unknown outcome when the attempt is aborted while the server hangs after DATA', async () => {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      logger: false,
      // Never answers DATA: a server that hangs mid-transaction.
      onData: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    const smtp = createSmtp({ url: `smtp://127.0.0.1:${port}` });
    const started = Date.now();
    const error = await sendFailing(smtp, sampleEmail(), { ...context(), signal: AbortSignal.timeout(300) });
    // The message was written; without the server's final reply it may have been accepted.
    assert.equal(error.kind, 'unknown');
    assert.ok(Date.now() - started < 3000, 'returns promptly');
    await smtp.close?.();
    server.close(() => undefined);
  });

  it('is retryable when the server refuses the connection: nothing was sent', async () => {
    const probe = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.server.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const smtp = createSmtp({ url: `smtp://127.0.0.1:${port}` });
    const error = await sendFailing(smtp, sampleEmail());
    assert.equal(error.kind, 'retryable');
    await smtp.close?.();
  });
});
