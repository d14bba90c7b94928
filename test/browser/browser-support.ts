import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { SignedInCustomers } from '../support/sign-in';

/** Debian's chromium, never a downloaded browser (`.ci/run` installs it from Debian's packages). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const ARTIFACTS_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'browser');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const scriptErrors = new WeakMap<Page, string[]>();

/** A page in a fresh context (its own localStorage), so no test inherits another's cart or customer. */
export async function newPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A script error in the page is a failure of the page, not noise: keep it for the test to assert on.
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  scriptErrors.set(page, errors);
  return page;
}

export const pageErrors = (page: Page): string[] => scriptErrors.get(page) ?? [];

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** The shop's own API, called from the test (not the page) to check what the page claims. */
export class ShopApi {
  private readonly sessions: SignedInCustomers;

  constructor(readonly baseUrl: string) {
    this.sessions = new SignedInCustomers(baseUrl);
  }

  async get<T>(pathname: string, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(new URL(pathname, this.baseUrl), { headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${pathname}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  products(): Promise<{ sku: string; name: string; priceCents: number; available: number; reserved: number; sold: number }[]> {
    return this.get('/api/products');
  }

  async orders(customerId: string): Promise<{ id: string; status: string }[]> {
    const body = await this.get<unknown>('/api/orders', await this.sessions.headersFor(customerId));
    if (Array.isArray(body)) return body as { id: string; status: string }[];
    const page = body as { items?: { id: string; status: string }[]; orders?: { id: string; status: string }[] };
    return page.items ?? page.orders ?? [];
  }

  async stockOf(sku: string): Promise<{ available: number; reserved: number; sold: number }> {
    const product = (await this.products()).find((p) => p.sku === sku);
    if (!product) throw new Error(`no product ${sku}`);
    return { available: product.available, reserved: product.reserved, sold: product.sold };
  }
}
