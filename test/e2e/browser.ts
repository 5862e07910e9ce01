// Debian's Chromium driven by playwright-core (which downloads no browser of its own).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** /usr/bin/chromium is Debian's wrapper shell script; Playwright needs the binary itself. */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser'];

export function chromiumPath(): string {
  const fromEnv = process.env.PLUMBLINE_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`PLUMBLINE_CHROMIUM=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(`Chromium not found at ${CANDIDATES.join(' or ')}: run \`bash scripts/install-code-server.sh\` (it apt-installs chromium), or set PLUMBLINE_CHROMIUM`);
  }
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: process.env.PLUMBLINE_E2E_HEADED !== '1',
    args: [
      '--no-sandbox', // root in a container: Chromium's sandbox cannot start
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
