/**
 * The small rules delivery decides with: country calling codes, which permanent errors are the
 * recipient's, and the EMF lines CloudWatch receives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callingCodeOf, parseAllowedCountries } from '../../src/delivery/calling-codes.ts';
import { isRecipientError } from '../../src/delivery/classify.ts';
import { redactRecipients } from '../../src/delivery/deliver.ts';
import { ProviderError } from '../../src/errors.ts';
import { countOutcome, createEmfMetrics, recordLatency } from '../../src/observability/metrics.ts';

describe('calling codes', () => {
  // Numbers and codes from the ITU-T E.164 assignment list.
  const cases: [string, string][] = [
    ['+14155550123', '1'], // US
    ['+18765550123', '1'], // Jamaica: still +1 (NANP)
    ['+79161234567', '7'], // Russia
    ['+447700900123', '44'], // UK
    ['+33612345678', '33'], // France
    ['+8613800138000', '86'], // China
    ['+351912345678', '351'], // Portugal
    ['+85291234567', '852'], // Hong Kong
    ['+2348012345678', '234'], // Nigeria
    ['+97150123456', '971'], // UAE
    ['+2250701234567', '225'], // Côte d'Ivoire
  ];
  for (const [number, code] of cases) {
    it(`finds +${code} in ${number}`, () => {
      assert.equal(callingCodeOf(number.slice(1)), code);
    });
  }

  it('accepts codes with or without +, and longer prefixes inside a code', () => {
    assert.deepEqual(parseAllowedCountries('1, +44,33,1876'), { prefixes: ['1', '44', '33', '1876'], problems: [] });
  });

  it('refuses entries that are not a calling code, naming them', () => {
    const { problems } = parseAllowedCountries('4,GB,44');
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /"4" is not a country calling code/);
    assert.match(problems[1] ?? '', /"GB" is not a country calling code/);
  });
});

describe('failover rule: recipient errors', () => {
  const permanent = (provider: string, status: number | undefined, providerMessage: string, cause?: unknown) =>
    new ProviderError({ provider, kind: 'permanent', status, providerMessage, cause });

  const recipient: [string, ProviderError][] = [
    ['Twilio 21211 invalid number', permanent('twilio', 400, "21211 The 'To' number 12345 is not a valid phone number.")],
    ['Twilio 21610 unsubscribed', permanent('twilio', 400, '21610 Attempt to send to unsubscribed recipient')],
    ['Twilio 21614 not a mobile', permanent('twilio', 400, "21614 'To' number is not a valid mobile number")],
    ['SendGrid invalid to address', permanent('sendgrid', 400, 'personalizations.0.to.0.email: Does not contain a valid address.')],
    [
      'SMTP 550 5.1.1 user unknown at RCPT TO',
      permanent('smtp', 550, '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown', {
        command: 'RCPT TO',
        response: '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown',
      }),
    ],
  ];
  const provider: [string, ProviderError][] = [
    ['401 bad key', permanent('sendgrid', 401, 'The provided authorization grant is invalid, expired, or revoked')],
    ['403 unverified sender', permanent('sendgrid', 403, 'The from address does not match a verified Sender Identity.')],
    ['404 wrong base URL', permanent('sendgrid', 404, 'Not Found')],
    ['Twilio 20003 authentication', permanent('twilio', 401, '20003 Authenticate')],
    ['Twilio 21408 geo permissions', permanent('twilio', 400, '21408 Permission to send an SMS has not been enabled for the region')],
    ['Twilio 21606 bad From', permanent('twilio', 400, "21606 The 'From' phone number provided is not a valid message-capable Twilio phone number")],
    ['SMTP EAUTH', permanent('smtp', 535, '535 5.7.8 Authentication credentials invalid', { code: 'EAUTH', command: 'AUTH PLAIN' })],
    [
      'SMTP relaying denied at RCPT TO (the server, not the recipient)',
      permanent('smtp', 554, '554 5.7.1 <ada@example.com>: Relay access denied', { command: 'RCPT TO', response: '554 5.7.1 Relay access denied' }),
    ],
    ['SMTP sender refused at MAIL FROM', permanent('smtp', 553, '553 5.7.1 Sender address rejected', { command: 'MAIL FROM' })],
    ['a 400 about the template', permanent('sendgrid', 400, 'template_id: The template_id must be a valid GUID')],
  ];

  for (const [name, error] of recipient) {
    it(`stops on ${name}`, () => assert.equal(isRecipientError(error), true));
  }
  for (const [name, error] of provider) {
    it(`fails over on ${name}`, () => assert.equal(isRecipientError(error), false));
  }
  it('never calls a retryable error a recipient error', () => {
    assert.equal(isRecipientError(new ProviderError({ provider: 'twilio', kind: 'retryable', status: 429, providerMessage: '21211 whatever' })), false);
  });
});

describe('EMF metrics', () => {
  it('writes CloudWatch EMF with the full dimension set and a channel × outcome roll-up', () => {
    // Prepare
    const lines: string[] = [];
    const sink = createEmfMetrics({ write: (line) => lines.push(line) });
    const dims = { trigger: 'SignUp', channel: 'email' as const, provider: 'sendgrid', outcome: 'delivered' as const };

    // Act
    countOutcome(sink, dims);
    recordLatency(sink, 123.4, dims);
    countOutcome(sink, { ...dims, outcome: 'retried' });
    countOutcome(sink, { ...dims, outcome: 'retried' });
    sink.flush();

    // Assess
    assert.equal(lines.length, 2, 'one line per dimension combination');
    const delivered = JSON.parse(lines[0] as string);
    const directive = delivered._aws.CloudWatchMetrics[0];
    assert.equal(directive.Namespace, 'CognitoRelay');
    assert.deepEqual(directive.Dimensions.map((set: string[]) => [...set].sort()), [
      ['channel', 'outcome', 'provider', 'service', 'trigger'],
      ['channel', 'outcome', 'service'],
    ]);
    assert.deepEqual(directive.Metrics, [
      { Name: 'Deliveries', Unit: 'Count' },
      { Name: 'DeliveryLatency', Unit: 'Milliseconds' },
    ]);
    assert.equal(delivered.Deliveries, 1);
    assert.equal(delivered.DeliveryLatency, 123);
    assert.equal(delivered.trigger, 'SignUp');
    assert.equal(delivered.provider, 'sendgrid');
    const retried = JSON.parse(lines[1] as string);
    assert.equal(retried.outcome, 'retried');
    assert.deepEqual(retried.Deliveries, [1, 1]);
  });

  it('writes nothing when nothing was recorded, and starts fresh after each flush', () => {
    const lines: string[] = [];
    const sink = createEmfMetrics({ write: (line) => lines.push(line) });
    sink.flush();
    countOutcome(sink, { trigger: 'SignUp', channel: 'sms', provider: 'none', outcome: 'rejected' });
    sink.flush();
    sink.flush();
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0] as string).Deliveries, 1);
  });
});

describe('log redaction', () => {
  it('masks addresses and phone numbers quoted in provider replies', () => {
    assert.equal(
      redactRecipients('550 5.1.1 <ada.lovelace@example.com>: Recipient address rejected; 21211 +447700900123 is invalid'),
      '550 5.1.1 <a***@example.com>: Recipient address rejected; 21211 +44*******123 is invalid',
    );
  });
});
