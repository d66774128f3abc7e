// Debian's Chromium for the console's browser tests: launching it, waiting for React, signing in.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from './helpers.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's browser with \`apt-get install -y chromium fonts-wqy-microhei\` (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** The page's handlers are attached (Providers marks <html> once React hydrated it). */
export const hydrated = (p: Page) => p.locator('html[data-hydrated]').waitFor({ state: 'attached' });

export interface SignInOptions {
  user: string;
  password: string;
  width?: number;
  height?: number;
  locale?: string;
  mobile?: boolean;
  /** uncaught page errors are pushed here */
  errors?: string[];
}

/** A new browser context signed in to the console as `user`, on its first page after sign-in. */
export async function signedIn(browser: Browser, adminUrl: string, o: SignInOptions): Promise<{ ctx: BrowserContext; page: Page }> {
  const width = o.width ?? 1280;
  const ctx = await browser.newContext({
    viewport: { width, height: o.height ?? 900 },
    locale: o.locale ?? 'en-US',
    isMobile: o.mobile ?? false,
    hasTouch: o.mobile ?? false,
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  if (o.errors) page.on('pageerror', (e) => o.errors!.push(`${width}px: ${e.message}`));
  await page.goto(adminUrl + '/login');
  await hydrated(page);
  await page.getByTestId('login-username').fill(o.user);
  await page.getByTestId('login-password').fill(o.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/(dashboard|users)?$/);
  return { ctx, page };
}
