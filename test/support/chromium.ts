/**
 * The Chromium the browser tests drive, never one downloaded by a test tool: Debian's
 * (`apt-get install chromium`) when it is installed, otherwise the build the npm package
 * `@sparticuz/chromium` ships inside its tarball (unpacked to /tmp on first use, ~10 s), so
 * `npm ci && npm test` passes on a machine without a system browser.
 *
 * @example
 * const browser = await chromium.launch(await chromiumLaunchOptions());
 */
import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for a closed network: no background connections that a sandbox would refuse by the dozen. */
const QUIET_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  /** Which Chromium: `system` or `@sparticuz/chromium`. */
  source: 'system' | '@sparticuz/chromium';
}

export async function chromiumLaunchOptions(): Promise<ChromiumLaunch> {
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: QUIET_ARGS, source: 'system' };
  const { default: packaged } = await import('@sparticuz/chromium');
  // Its own flags are for a Lambda sandbox: `--single-process` (closing the last page ends the
  // browser, and two test files at once hang), `--disable-web-security` (the tests check origins).
  // Here it runs as an ordinary headless Chromium: our flags plus its software GL.
  const gl = packaged.args.filter((arg) => /^--(?:use-gl|use-angle|enable-unsafe-swiftshader|font-render-hinting)/.test(arg));
  const executablePath = await packaged.executablePath();
  return { executablePath, args: [...QUIET_ARGS, ...gl], source: '@sparticuz/chromium' };
}
