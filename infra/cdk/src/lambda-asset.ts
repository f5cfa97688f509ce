/**
 * Where the relay's deployable is, wherever this construct runs from: the repository
 * (`infra/cdk/src/`, TypeScript), the installed package's ESM build (`dist/node/infra/cdk/src/`)
 * or its CommonJS build (`dist/cdk/`). Each finds the package root (the nearest `package.json`
 * named `cognito-relay`) and uses its `dist/lambda.zip`, the file `npm run build` makes and the
 * package ships.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string | undefined {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cognito-relay') return dir;
  }
  return undefined;
}

/** `dist/lambda.zip` of this package; throws a message that says what to do when it is missing. */
export function defaultLambdaZip(): string {
  const root = packageRoot(fileURLToPath(import.meta.url));
  const zip = root === undefined ? undefined : join(root, 'dist/lambda.zip');
  if (zip === undefined || !existsSync(zip)) {
    throw new Error(
      `CognitoRelay: the relay's build (${zip ?? 'dist/lambda.zip of the cognito-relay package'}) is missing. ` +
        'In a checkout of the repository run `npm run build` first; or pass `code`.',
    );
  }
  return zip;
}

/** `dist/landing/site` (the verification landing page) or `dist/landing/secret-hash.zip` of this package. */
export function defaultLandingAsset(name: 'site' | 'secret-hash.zip'): string {
  const root = packageRoot(fileURLToPath(import.meta.url));
  const path = root === undefined ? undefined : join(root, 'dist/landing', name);
  if (path === undefined || !existsSync(path)) {
    throw new Error(
      `LandingPage: the landing page's build (${path ?? `dist/landing/${name} of the cognito-relay package`}) is missing. ` +
        'In a checkout of the repository run `npm run build` first.',
    );
  }
  return path;
}
