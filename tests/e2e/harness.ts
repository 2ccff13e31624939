import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildApp, type App } from '../../server/app.ts';
import { seedDemo } from '../../server/seed/demo.ts';
import { ensureWebBuild } from '../../web/build.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { testConfig } from '../helpers/test-app.ts';

/**
 * The pieces of a browser journey: the built web app, the real server on a fresh PGlite database
 * (demo courses loaded), and Debian's Chromium driven by playwright-core. No part is faked: the
 * browser talks HTTP to the same buildApp that `npm start` runs.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless Chromium in a container or CI: no sandbox (root), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

/** Fails — never skips — when the browser is missing, saying how to install it. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the browser journeys need it. Install Debian's package ` +
        '(`apt-get install -y chromium`; .ci/run does this) or set CHROMIUM_PATH. `npx playwright install` ' +
        'cannot download browsers here.',
    );
  }
}

/** A port that was free a moment ago (the server must know its URL before listening: emails carry links). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningApp {
  app: App;
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Builds web/dist if stale, then starts the server on 127.0.0.1 with a fresh, seeded database. */
export async function startApp(): Promise<RunningApp> {
  await ensureWebBuild();
  const database = await createTestDatabase();
  await seedDemo(database.db);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = buildApp({
    config: testConfig({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: baseUrl }),
    db: database.db,
  });
  await app.listen({ host: '127.0.0.1', port });
  return {
    app,
    baseUrl,
    database,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

export interface Browser {
  /** A new browser profile (fresh user-data-dir): its own cookies and storage. */
  newProfile(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Launches Chromium once per profile, each with a fresh user-data-dir that is removed at the end. */
export function browsers(): Browser {
  assertChromium();
  const profiles: Array<{ context: BrowserContext; dir: string }> = [];
  return {
    async newProfile(viewport = VIEWPORTS.desktop) {
      const dir = mkdtempSync(join(tmpdir(), 'uw-chromium-'));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
        headless: true,
        viewport,
        locale: 'en-GB',
        timezoneId: 'Europe/Paris',
      });
      context.setDefaultTimeout(15_000);
      profiles.push({ context, dir });
      return context;
    },
    async close() {
      for (const { context, dir } of profiles.splice(0)) {
        await context.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
/**
 * Waits until the field named `name` has focus. Forms move focus to the first field in error one
 * animation frame after React renders the errors, so reading document.activeElement as soon as the
 * error shows races it. Fails naming what has focus instead.
 */
export async function expectFocusOnField(page: Page, name: string): Promise<void> {
  try {
    await page.waitForFunction((n) => document.activeElement?.getAttribute('name') === n, name, {
      timeout: 5000,
    });
  } catch {
    const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120) ?? null);
    throw new Error(`expected focus on the field named "${name}", but focus is on ${focused}`);
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Collects what would otherwise fail silently in the browser: uncaught errors, console errors and
 * failed or 5xx API responses. The journey asserts it stays empty.
 */
export function watchForProblems(page: Page, expectedStatuses: (url: string, status: number) => boolean) {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const url = response.url();
    if (!url.includes('/api/')) return;
    const status = response.status();
    if (status >= 500 || (status >= 400 && !expectedStatuses(url, status))) {
      problems.push(`${response.request().method()} ${new URL(url).pathname} → ${status}`);
    }
  });
  return problems;
}

/** Nothing may be wider than the viewport (a phone must never scroll sideways); names the culprits. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const culprits = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .slice(0, 8)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}.${element.className} (right ${Math.round(element.getBoundingClientRect().right)} > ${width})`,
      );
  });
  if (culprits.length > 0)
    throw new Error(`The page is wider than the viewport:\n  ${culprits.join('\n  ')}`);
}
