/**
 * The small rules delivery decides with: country calling codes, which permanent errors stop the
 * failover chain, and the EMF lines CloudWatch receives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { callingCodeOf, parseAllowedCountries } from '../../../src/runtime/delivery/calling-codes.ts';
import { asProviderError, isRecipientError } from '../../../src/runtime/delivery/classify.ts';
import { ProviderError } from '../../../src/runtime/errors.ts';
import { countOutcome, createEmfMetrics, recordLatency } from '../../../src/runtime/observability/metrics.ts';

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

describe('failover rule', () => {
  const permanent = (status: number, providerMessage: string, recipient?: boolean) =>
    new ProviderError({ provider: 'sendgrid', kind: 'permanent', status, providerMessage, recipient });

  it('stops on a permanent error the provider marked as about the recipient', () => {
    assert.equal(isRecipientError(permanent(400, 'personalizations.0.to.0.email: Does not contain a valid address.', true)), true);
  });

  it('fails over on every other permanent error (key, sender, template, base URL)', () => {
    for (const error of [
      permanent(401, 'The provided authorization grant is invalid, expired, or revoked'),
      permanent(403, 'The from address does not match a verified Sender Identity.'),
      permanent(404, 'Not Found'),
      permanent(400, 'template_id: The template_id must be a valid GUID'),
    ]) {
      assert.equal(isRecipientError(error), false, error.message);
    }
  });

  it('never treats a retryable error as the recipient’s', () => {
    const error = new ProviderError({ provider: 'twilio', kind: 'retryable', status: 429, providerMessage: 'busy', recipient: true });
    assert.equal(isRecipientError(error), false);
  });

  it('turns an unexpected exception into a permanent, non-recipient failure of that provider', () => {
    const error = asProviderError('sendgrid', new TypeError("Cannot read properties of undefined (reading 'id')"));
    assert.equal(error.kind, 'permanent');
    assert.equal(isRecipientError(error), false);
    assert.match(error.message, /unexpected error in the sendgrid provider: Cannot read properties/);
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

  it('names the service cognito-relay unless POWERTOOLS_SERVICE_NAME tells two relays apart', () => {
    const dims = { trigger: 'SignUp', channel: 'email' as const, provider: 'smtp', outcome: 'delivered' as const };
    const serviceOf = (serviceName: string | undefined) => {
      const lines: string[] = [];
      const sink = createEmfMetrics({ serviceName, write: (line) => lines.push(line) });
      countOutcome(sink, dims);
      sink.flush();
      return JSON.parse(lines[0] as string).service;
    };
    assert.equal(serviceOf(undefined), 'cognito-relay');
    assert.equal(serviceOf(''), 'cognito-relay');
    assert.equal(serviceOf('relay-eu'), 'relay-eu');
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
