import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTemplates, checkTemplates, formatTemplateProblem } from '../../../src/runtime/templates/check.ts';
import { createTemplateStore, loadTemplateStoreFromDirs } from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { TemplateError } from '../../../src/runtime/errors.ts';

const builtin = loadTemplateStoreFromDirs([BUILTIN_TEMPLATES_DIR]);

/** The built-ins under a user layer holding `files`, as the relay layers them. */
function withUserFiles(files: Record<string, string>) {
  const builtinLayer = builtin.layers()[0];
  assert.ok(builtinLayer);
  return createTemplateStore([{ name: 'user templates', files }, { name: 'built-in', files: builtinLayer.files }]);
}

describe('checkTemplates', () => {
  it('finds nothing wrong with the built-in templates in any locale', () => {
    assert.deepEqual(checkTemplates(builtin, { defaultLocale: 'en' }).map(formatTemplateProblem), []);
  });

  it('reports a tag with one brace too few, where it is, and the code missing from the message', () => {
    // Valid Mustache: `{{name}, your code is {{code}}` is one tag named "name}, your code is {{code".
    const store = withUserFiles({ 'en/SignUp/email.html': '<h1>Welcome</h1>\n<p>Hi {{name}, your code is {{code}}</p>\n' });
    const problems = checkTemplates(store, { defaultLocale: 'en' });
    const unknown = problems.find((p) => p.message.startsWith('unknown variable'));
    assert.ok(unknown, JSON.stringify(problems));
    assert.equal(unknown.file, 'user templates: en/SignUp/email.html');
    assert.equal(unknown.line, 2);
    assert.equal(unknown.column, 7);
    assert.match(unknown.message, /one brace too few/);
    assert.ok(problems.some((p) => p.file.startsWith('en/SignUp/email.html') && /does not contain \{\{code\}\}/.test(p.message)));
    // Other triggers and locales are untouched by the override.
    assert.ok(problems.every((p) => p.file.includes('SignUp')), JSON.stringify(problems));
  });

  it('reports a misspelt variable with its line and column', () => {
    const store = withUserFiles({ 'fr/ForgotPassword/sms.txt': 'Bonjour {{nmae}},\nvotre code : {{code}}' });
    const problems = checkTemplates(store, { defaultLocale: 'en' });
    assert.deepEqual(problems.map(formatTemplateProblem), ['user templates: fr/ForgotPassword/sms.txt:1:9: unknown variable {{nmae}}']);
  });

  it('accepts user attributes, client metadata and names scoped by a section', () => {
    const store = withUserFiles({
      'en/SignUp/sms.txt': '{{#user}}{{email}}{{/user}} {{user.custom:plan}} {{clientMetadata.source}} {{code}}',
      'en/AccountTakeOverNotification/email.txt': '{{#signIn}}{{time}} from {{ip}}{{/signIn}}',
    });
    assert.deepEqual(checkTemplates(store, { defaultLocale: 'en' }), []);
  });

  it('reports an unclosed section with the line and column of its opening tag', () => {
    const store = withUserFiles({ 'de/SignUp/email.txt': 'Hallo\n\n{{#name}}Hallo {{name}}\nCode: {{code}}\n' });
    const problems = checkTemplates(store, { defaultLocale: 'en' });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0]?.file, 'user templates: de/SignUp/email.txt');
    assert.match(problems[0]?.message ?? '', /does not parse: Unclosed section "name"/);
    assert.ok(problems[0]?.line !== undefined && problems[0].line >= 3);
  });

  it('finds a code missing from the SMS and from the text part, part by part', () => {
    const store = withUserFiles({
      'en/Authentication/sms.txt': 'You are signing in to {{appName}}.',
      'en/ForgotPassword/email.txt': 'Reset your password in the app.',
    });
    const messages = checkTemplates(store, { defaultLocale: 'en' }).map(formatTemplateProblem);
    assert.ok(messages.some((m) => m.startsWith('en/Authentication/sms.txt')), messages.join('\n'));
    assert.ok(messages.some((m) => m.startsWith('en/ForgotPassword/email.txt')), messages.join('\n'));
    assert.ok(!messages.some((m) => m.startsWith('en/ForgotPassword/email.html')), messages.join('\n'));
  });

  it('checks only the channels a deployment sends', () => {
    const store = withUserFiles({ 'en/Authentication/sms.txt': 'No code here' });
    assert.deepEqual(checkTemplates(store, { defaultLocale: 'en', channels: ['email'] }), []);
    assert.equal(checkTemplates(store, { defaultLocale: 'en', channels: ['sms'] }).length, 1);
  });

  it('throws one TemplateError listing every problem', () => {
    const store = withUserFiles({ 'en/SignUp/sms.txt': '{{nmae}}', 'en/ResendCode/sms.txt': 'no code' });
    assert.throws(
      () => assertTemplates(store, { defaultLocale: 'en' }),
      (error: unknown) => error instanceof TemplateError && /SignUp\/sms\.txt:1:1/.test(error.message) && /ResendCode\/sms\.txt/.test(error.message),
    );
  });
});
