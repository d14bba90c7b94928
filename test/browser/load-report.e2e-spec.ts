/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Browser } from 'playwright-core';
import { browse, buildReport, checkout, mix, renderHtmlReport, runLoad } from '@shop/load';
import { FakeShop, startFakeShop } from '../load/fake-shop';
import { ARTIFACTS_DIR, launchChromium, newPage, pageErrors, screenshot } from './browser-support';

/** The load report is one HTML file that a browser opens from disk, with every chart drawn and nothing fetched. */
jest.setTimeout(60_000);

describe('the load report in Chromium', () => {
  let shop: FakeShop;
  let browser: Browser;
  beforeAll(async () => {
    // Known variety: every 7th read rate limited, the breaker open for order attempts 20 to 40 (503), every 5th order cancelled.
    shop = await startFakeShop({ delayMs: 15, rateLimitEvery: 7, breakerOpenForOrders: [20, 40], cancelEvery: 5, identity: 'on' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
  });

  it('opens from a file and shows its six charts, each with data', async () => {
    const scenario = mix([
      { scenario: browse(), weight: 3 },
      { scenario: checkout({ pollEveryMs: 50 }), weight: 1 },
    ]);
    const run = await runLoad({ baseUrl: shop.url, scenario, model: { kind: 'open', stages: [{ durationS: 1, from: 20, to: 80 }, { durationS: 4, from: 80, to: 80 }] }, statusEveryMs: 250 });
    const report = buildReport(run, { baseUrl: shop.url, scenario: scenario.name, model: 'open model, 1s@20-80/s, 4s@80/s', thresholds: ['p99<500ms', 'errors<1%'] });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = path.join(ARTIFACTS_DIR, 'load-report.html');
    writeFileSync(file, renderHtmlReport(report));

    const page = await newPage(browser);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('svg.chart')].map((svg) => ({
        id: svg.getAttribute('data-chart'),
        points: [...svg.querySelectorAll('polyline')].map((l) => (l.getAttribute('points') ?? '').split(' ').filter(Boolean).length),
        fills: [...new Set([...svg.querySelectorAll('rect[height]')].filter((r) => r.querySelector('title')).map((r) => r.getAttribute('fill')))],
      })),
    );
    await screenshot(page, 'load-report');

    expect(charts.map((c) => c.id)).toEqual(['throughput', 'latency', 'status-codes', 'rate-limited', 'breakers', 'outcomes']);
    const chart = (id: string) => charts.find((c) => c.id === id)!;
    expect(Math.min(...chart('throughput').points)).toBeGreaterThanOrEqual(5); // answers and promised, one point a second
    expect(chart('latency').points).toHaveLength(4);
    expect(chart('status-codes').fills).toEqual(expect.arrayContaining(['#16a34a', '#ea580c', '#dc2626'])); // 2xx, 429, 5xx
    expect(chart('rate-limited').fills).toEqual(['#ea580c']);
    expect(chart('breakers').fills).toEqual(expect.arrayContaining(['#16a34a', '#dc2626'])); // closed, then open
    expect(chart('outcomes').fills.length).toBeGreaterThanOrEqual(2); // CONFIRMED and CANCELLED
    expect(await page.locator('#summary').textContent()).toContain('rate limited (429)');
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(pageErrors(page)).toEqual([]);
  });
});
