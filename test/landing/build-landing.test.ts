/**
 * scripts/build-landing.mjs: the static site a host serves, and the SECRET_HASH endpoint as a
 * Lambda zip that runs on its own (nothing of it comes from, or goes into, the relay's bundle).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('build-landing', () => {
  it('writes the site and a small endpoint zip whose handler answers on its own', async () => {
    // Act
    const run = spawnSync(process.execPath, [join(root, 'scripts/build-landing.mjs')], { cwd: root, encoding: 'utf8' });

    // Assess
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readdirSync(join(root, 'dist/landing/site')).sort(), ['config.json', 'index.html', 'landing.css', 'landing.js', 'messages.js']);
    const zipBytes = statSync(join(root, 'dist/landing/secret-hash.zip')).size;
    assert.ok(zipBytes < 5_000, `the endpoint zip is ${zipBytes} bytes`);
    const bundle = readFileSync(join(root, 'dist/landing/secret-hash/index.mjs'), 'utf8');
    const imports = [...bundle.matchAll(/from"([^"]+)"/g)].map((match) => match[1]);
    assert.ok(imports.every((specifier) => specifier?.startsWith('node:')), `only node: builtins, got ${imports.join(', ')}`);
    process.env.CLIENT_SECRETS = '{"client1":"s"}';
    process.env.ALLOWED_ORIGIN = 'https://acme.example';
    process.env.COGNITO_ENDPOINT = 'http://127.0.0.1:9/';
    const { handler } = (await import(pathToFileURL(join(root, 'dist/landing/secret-hash/index.mjs')).href)) as {
      handler(event: unknown): Promise<{ statusCode: number; headers: Record<string, string> }>;
    };
    const preflight = await handler({ requestContext: { http: { method: 'OPTIONS' } }, headers: { origin: 'https://acme.example' } });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://acme.example');
    // The relay's bundle (when built) holds none of the page or the endpoint.
    const relayDir = join(root, 'dist/lambda');
    if (existsSync(relayDir)) {
      for (const file of readdirSync(relayDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.mjs'))) {
        assert.doesNotMatch(readFileSync(join(relayDir, file), 'utf8'), /does not serve that app client|scanner\.note/, file);
      }
    }
  });
});
