#!/usr/bin/env node
// Compiles one authored email template to HTML and prints it: `email.mjml` with MJML, `email.tsx`
// with React Email. Run as a child process by authoring.ts (build time, sandbox, CLI) so that the
// template scan stays synchronous and neither MJML nor React is ever imported by the Lambda bundle.
// Mustache tags pass through both untouched: the output is the same logic-less template as a
// hand-written email.html.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [path] = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (path.endsWith('.mjml')) {
  let mjml2html;
  try {
    ({ default: mjml2html } = await import('mjml'));
  } catch {
    fail('email.mjml needs the mjml package: npm install -D mjml');
  }
  const result = await mjml2html(readFileSync(path, 'utf8'), { validationLevel: 'soft', filePath: path, keepComments: false });
  // An attribute holding a Mustache tag ({{brand.primaryColor}}) is only known once rendered.
  const errors = result.errors.filter((error) => !/\{\{/.test(error.message));
  if (errors.length > 0) fail(errors.map((error) => `line ${error.line}: ${error.message.trim()}`).join('; '));
  process.stdout.write(result.html);
} else if (path.endsWith('.tsx')) {
  let render, createElement, build;
  try {
    ({ render } = await import('@react-email/render'));
    ({ createElement } = await import('react'));
    ({ build } = await import('esbuild'));
  } catch {
    fail('email.tsx needs React Email and esbuild: npm install -D @react-email/render react react-dom esbuild');
  }
  // TypeScript and JSX (automatic runtime: no React import needed) to a module written beside
  // the source, so its imports (react, @react-email/components…) resolve from the user's project.
  const out = await build({ entryPoints: [path], bundle: true, packages: 'external', format: 'esm', platform: 'node', jsx: 'automatic', write: false, logLevel: 'silent' }).catch((error) =>
    fail(error.errors?.map((e) => `line ${e.location?.line ?? '?'}: ${e.text}`).join('; ') ?? String(error)),
  );
  const compiled = join(dirname(path), `.${basename(path)}.${process.pid}.mjs`);
  writeFileSync(compiled, out.outputFiles[0].text);
  let module;
  try {
    module = await import(pathToFileURL(compiled).href);
  } finally {
    rmSync(compiled, { force: true });
  }
  const Component = module.default;
  if (typeof Component !== 'function') fail('email.tsx must export the email component as default');
  process.stdout.write(await render(createElement(Component, {})));
} else {
  fail(`cannot compile ${path}: expected email.mjml or email.tsx`);
}
