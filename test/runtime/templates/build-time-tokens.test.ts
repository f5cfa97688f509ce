/**
 * Layouts and partials travel in the Lambda bundle with their mustache tokens, parsed at build
 * time, so a cold start does not run mustache's tokenizer over the largest templates (which made
 * V8 optimise it during init: 4–5 MiB more peak memory). These tests prove the renderer really
 * starts from those tokens, and that the tokens shipped are exactly what mustache parses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Mustache from 'mustache';
import { embeddedModuleSource } from '../../../src/runtime/templates/esbuild-plugin.ts';
import { createRenderer, createTemplateStore } from '../../../src/runtime/templates/index.ts';
import { templateDir, variablesFor } from './fixtures.ts';

const SIGN_UP = {
  'en/SignUp/email.subject': 'Your code',
  'en/SignUp/email.html': '<p>Code {{code}}</p>',
  'en/SignUp/email.txt': 'Code {{code}}',
  'en/SignUp/sms.txt': 'Code {{code}}',
};

describe('build-time tokens of layouts and partials', () => {
  it('are what the renderer uses for those files, instead of parsing their text', () => {
    const layout = '<main>{{> content}}</main>';
    // Tokens of a different layout: if the renderer parsed the text, <main> would appear.
    const shipped = Mustache.parse('<section data-from="build">{{> content}}</section>');
    const store = createTemplateStore([{ name: 'embedded', files: { ...SIGN_UP, 'en/_layout.html': layout }, parsed: { 'en/_layout.html': shipped } }]);

    const email = createRenderer({ store }).renderEmail('SignUp', 'en', { ...variablesFor('CustomEmailSender_SignUp'), code: '482913' });

    assert.equal(email.html, '<section data-from="build"><p>Code 482913</p></section>');
  });

  it('are embedded for every layout and partial, equal to what mustache parses, and for nothing else', () => {
    const user = templateDir({ 'en/_footer.html': '<footer>{{#appName}}Sent by {{appName}}{{/appName}}</footer>\n', ...SIGN_UP });

    const module = embeddedModuleSource({ userDir: user });

    assert.deepEqual(module.errors, []);
    const layersJson = /const layers = ("(?:[^"\\]|\\.)*");/.exec(module.contents)?.[1];
    assert.ok(layersJson, 'the module embeds its layers');
    const layers = JSON.parse(JSON.parse(layersJson)) as { name: string; files: Record<string, string>; parsed: Record<string, unknown[]> }[];
    for (const layer of layers) {
      const partials = Object.keys(layer.files).filter((path) => /\/_[^/]+$/.test(path));
      assert.deepEqual(Object.keys(layer.parsed).sort(), partials.sort(), `${layer.name}: tokens for exactly the layouts and partials`);
      for (const path of partials) assert.deepEqual(layer.parsed[path], Mustache.parse(layer.files[path]!), `${layer.name}: ${path}`);
    }
    assert.ok(layers.some((layer) => 'en/_footer.html' in layer.parsed && layer.name.startsWith('user')), "the user folder's partial has its tokens");
    assert.ok(layers.some((layer) => 'en/_layout.html' in layer.parsed && layer.name === 'built-in'), 'the built-in layout has its tokens');
  });
});
