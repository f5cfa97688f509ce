/**
 * The command-line parsing every command shares: strict options with a suggestion for a typo,
 * repeatable options, `--no-` for options on by default, and one usage layout built from the
 * command's definition.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closest, defineCliCommand, parseCommandLine, renderCommandUsage } from '../../../src/tools/cli/terminal.ts';

const command = defineCliCommand({
  meta: { name: 'demo', description: 'Try the parser' },
  args: {
    trigger: { type: 'positional', required: false, description: 'which trigger' },
    'key-arn': { type: 'string', valueHint: 'arn', description: 'the key' },
    attr: { type: 'string', multiple: true, valueHint: 'key=value', description: 'an attribute; repeat for more' },
    format: { type: 'enum', options: ['cognito', 'v2'], default: 'cognito', description: 'message format' },
    build: { type: 'boolean', default: true, description: 'build first', negativeDescription: 'do not build first' },
    sms: { type: 'boolean', default: false, description: 'the SMS' },
  },
  usage: { footer: 'Example:\n  demo SignUp' },
  run: async () => 0,
});

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (text: string) => (out.stdout += text) }, stderr: { write: (text: string) => (out.stderr += text) }, env: {} } };
}

describe('command line', () => {
  it('parses typed values, repeated options, --no- flags and positionals', () => {
    // Act
    const parsed = parseCommandLine(['SignUp', '--key-arn', 'arn:x', '--attr', 'a=1', '--attr=b=2', '--no-build', '--sms'], command, io().io);

    // Assess
    assert.notEqual(typeof parsed, 'number');
    if (typeof parsed === 'number') return;
    assert.deepEqual(parsed.positionals, ['SignUp']);
    assert.equal(parsed.values['key-arn'], 'arn:x');
    assert.deepEqual(parsed.values.attr, ['a=1', 'b=2']);
    assert.equal(parsed.values.format, 'cognito');
    assert.equal(parsed.values.build, false);
    assert.equal(parsed.values.sms, true);
  });

  it('suggests the option a typo meant, and prints the usage with exit code 2', () => {
    // Prepare
    const { out, io: streams } = io();

    // Act
    const code = parseCommandLine(['--kye-arn', 'x'], command, streams);

    // Assess
    assert.equal(code, 2);
    assert.match(out.stderr, /^Unknown option --kye-arn\. Did you mean --key-arn\?\n\nUsage: cognito-relay demo/);
  });

  it('names an enum value it does not know and a missing value', () => {
    // Prepare
    const bad = io();
    const missing = io();

    // Act
    parseCommandLine(['--format', 'v3'], command, bad.io);
    parseCommandLine(['--key-arn'], command, missing.io);

    // Assess
    assert.match(bad.out.stderr, /--format must be one of cognito, v2, not "v3"/);
    assert.match(missing.out.stderr, /--key-arn needs a value/);
  });

  it('prints one usage layout from the definition on --help', () => {
    // Prepare
    const { out, io: streams } = io();

    // Act
    const code = parseCommandLine(['SignUp', '--help'], command, streams);

    // Assess
    assert.equal(code, 0);
    assert.equal(out.stdout, renderCommandUsage(command));
    assert.match(out.stdout, /^Usage: cognito-relay demo <trigger> \[options\]\n\nTry the parser\.\n\nArguments:\n  <trigger>  which trigger\n/);
    assert.match(out.stdout, /\n  --key-arn <arn> +the key\n/);
    assert.match(out.stdout, /\n  --no-build +do not build first\n/);
    assert.match(out.stdout, /\n  -h, --help +show this help\n\nExample:\n  demo SignUp\n$/);
  });

  it('suggests by spelling, or by a beginning that names one candidate only', () => {
    // Assess
    assert.equal(closest('simualte', ['simulate', 'preview']), 'simulate');
    assert.equal(closest('prev', ['simulate', 'preview']), 'preview');
    assert.equal(closest('smtp', ['smtp-port', 'smtp-host']), undefined);
    assert.equal(closest('deploy', ['simulate', 'preview']), undefined);
  });
});
