/**
 * The HTML view in a real headless browser (Debian's chromium through playwright-core): PPO's page
 * loads from file:// with no console errors and no network, draws every node of the optimized graph,
 * shows a clicked node's kind and source location, and switches to the original graph; a plan with a
 * fused node shows the fused node's members with their sources. Saves test-artifacts/inspect-ppo.png
 * (and, with RLFLOW_UPDATE_DOCS_IMAGES=1, the docs picture docs/images/inspect-ppo.png).
 *
 * Needs chromium: `apt-get install chromium`, or RLFLOW_CHROMIUM=/path/to/chrome. RLFLOW_SKIP_BROWSER=1
 * skips this file; without either, a missing browser is a failure (so CI cannot silently not test it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inspect } from '../../src/cli/inspect.js';
import type { InspectJson } from '../../src/inspect/index.js';
import { getKind } from '../../src/ir/kinds.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const PLAN_FILE = fileURLToPath(new URL('../fixtures/plan-files/counter-plan.ts', import.meta.url));
const skip = process.env.RLFLOW_SKIP_BROWSER === '1' ? 'RLFLOW_SKIP_BROWSER=1' : false;

/** The chromium to drive: $RLFLOW_CHROMIUM, else the first of the usual names on the PATH. */
function findChromium(): string {
  const configured = process.env.RLFLOW_CHROMIUM;
  if (configured) {
    assert.ok(existsSync(configured), `RLFLOW_CHROMIUM=${configured} does not exist`);
    return configured;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('which', [name], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  assert.fail(
    'no chromium found for the HTML inspector test: install it (sudo apt-get install -y chromium), or set RLFLOW_CHROMIUM=/path/to/chromium; RLFLOW_SKIP_BROWSER=1 skips this test',
  );
}

/** Runs `rlflow inspect` in-process and returns what it wrote to `--out`. */
async function inspectTo(file: string, args: string[]): Promise<string> {
  const printed: string[] = [];
  assert.equal(await inspect([...args, '--out', file], (t) => printed.push(t), () => undefined), 0);
  assert.deepEqual(printed, [file]);
  return readFileSync(file, 'utf8');
}

interface PageLog {
  readonly errors: string[];
  readonly requests: string[];
}

async function openPage(browser: Browser, file: string): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 940 } });
  const log: PageLog = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) log.requests.push(r.url());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  return { page, log };
}

async function drawnNodeIds(page: Page): Promise<string[]> {
  return (await page.locator('#graph [data-node-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id') ?? ''))).sort();
}

const ids = (json: InspectJson['original']): string[] => json.nodes.map((n) => n.id).sort();

describe('rlflow inspect --format html in a browser', { skip }, () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox'], headless: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  test('PPO: loads cleanly, draws every node, shows details on click, switches views', async () => {
    const htmlFile = path.join(ARTIFACTS, 'inspect-ppo.html');
    const json = JSON.parse(await inspectTo(path.join(ARTIFACTS, 'inspect-ppo.json'), ['ppo', '--format', 'json'])) as InspectJson;
    const html = await inspectTo(htmlFile, ['ppo', '--format', 'html']);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'the page must not load anything');

    const { page, log } = await openPage(browser!, htmlFile);
    assert.equal(await page.getAttribute('body', 'data-view'), 'optimized');
    assert.deepEqual(await drawnNodeIds(page), ids(json.optimized));
    for (const group of Object.keys(json.optimized.actorGroups)) {
      await page.locator(`#graph .cluster[data-group="${group}"]`).waitFor();
      assert.match((await page.locator(`#graph .cluster[data-group="${group}"]`).textContent()) ?? '', new RegExp(`^${group} ×\\d+ · (cpu|gpu) · `));
    }
    // Every data edge is drawn, labelled with the element type it carries.
    assert.equal(await page.locator('#graph .edge[data-edge-kind="data"]').count(), json.optimized.edges.length);

    const learn = json.optimized.nodes.find((n) => n.name.includes('learnOnBatch'))!;
    await page.locator(`[data-node-id="${learn.id}"]`).click();
    assert.equal(await page.locator('#details [data-field="kind"]').innerText(), learn.kind);
    assert.equal(await page.locator('#details [data-field="id"]').innerText(), learn.id);
    assert.equal(await page.locator('#details [data-field="source"]').innerText(), `src/algorithms/ppo.ts:${learn.source!.line}:${learn.source!.column}`);
    assert.equal(await page.locator('#details [data-field="summary"]').innerText(), getKind(learn.kind).summary);
    assert.match(await page.locator('#details [data-field="params"]').innerText(), /"method": "learnOnBatch"/);
    assert.match(await page.locator('#report').innerText(), /Pipeline: cleanup → fuse/);

    const shot = path.join(ARTIFACTS, 'inspect-ppo.png');
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 10_000);
    if (process.env.RLFLOW_UPDATE_DOCS_IMAGES === '1') copyFileSync(shot, path.join(ROOT, 'docs', 'images', 'inspect-ppo.png'));

    // Composite scopes are dashed boxes; a click on one's title collapses it into one node, and back.
    const inTrainStep = json.optimized.nodes.filter((n) => n.scope?.[0] === 'trainOneStep').map((n) => n.id);
    assert.ok(inTrainStep.length >= 3);
    const box = page.locator('#graph .scope[data-scope="trainOneStep"]');
    await box.waitFor();
    await box.locator('text').click();
    await page.locator('#graph [data-scope-collapsed="trainOneStep"]').waitFor();
    assert.deepEqual(await drawnNodeIds(page), ids(json.optimized).filter((id) => !inTrainStep.includes(id)));
    await page.locator('#graph [data-scope-collapsed="trainOneStep"]').click();
    assert.deepEqual(await drawnNodeIds(page), ids(json.optimized));

    await page.locator('#view-original').click();
    assert.equal(await page.getAttribute('body', 'data-view'), 'original');
    assert.equal(await page.getAttribute('#view-original', 'aria-pressed'), 'true');
    assert.deepEqual(await drawnNodeIds(page), ids(json.original));
    // The selection survives the switch: the node exists in both graphs.
    assert.equal(await page.locator('#details [data-field="id"]').innerText(), learn.id);

    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.requests, []);
    await page.close();
  });

  test('a fused node lists its members with their sources; the original view shows the unfused stages', async () => {
    const htmlFile = path.join(ARTIFACTS, 'inspect-counter-plan.html');
    const json = JSON.parse(await inspectTo(path.join(ARTIFACTS, 'inspect-counter-plan.json'), [PLAN_FILE, '--passes', 'cleanup,fuse', '--format', 'json'])) as InspectJson;
    await inspectTo(htmlFile, [PLAN_FILE, '--passes', 'cleanup,fuse', '--format', 'html']);
    const fused = json.optimized.nodes.find((n) => n.kind === 'rlflow/fused@1')!;
    const members = fused.params['stages'] as Array<{ id: string; source: { line: number; column: number } }>;

    const { page, log } = await openPage(browser!, htmlFile);
    assert.deepEqual(await drawnNodeIds(page), ids(json.optimized));
    assert.equal(await page.getAttribute(`[data-node-id="${fused.id}"]`, 'data-fused'), String(members.length));
    await page.locator(`[data-node-id="${fused.id}"]`).click();
    assert.equal(await page.locator('#details [data-field="kind"]').innerText(), 'rlflow/fused@1');
    const items = page.locator('#details [data-field="members"] li');
    assert.equal(await items.count(), members.length);
    for (const [i, m] of members.entries()) {
      assert.equal(await items.nth(i).getAttribute('data-member-id'), m.id);
      assert.equal(await items.nth(i).locator('[data-field="member-source"]').innerText(), `test/fixtures/plan-files/counter-plan.ts:${m.source.line}:${m.source.column}`);
    }
    assert.match(await page.locator('#report [data-pass="fuse"] [data-field="diff"]').innerText(), /\+ .*rlflow\/fused@1/);

    await page.locator('#view-original').click();
    const original = await drawnNodeIds(page);
    assert.deepEqual(original, ids(json.original));
    assert.ok(!original.includes(fused.id), 'the fused node is not in the original graph');
    assert.ok(members.every((m) => original.includes(m.id)), 'every member is a node of the original graph');
    // The fused node was selected; it does not exist here, so the panel resets to its hint.
    assert.equal(await page.locator('#details [data-field="kind"]').count(), 0);

    await page.locator(`[data-group-actors="counters"]`).click();
    assert.equal(await page.locator('#details [data-field="count"]').innerText(), '2');

    assert.deepEqual(log.errors, []);
    assert.deepEqual(log.requests, []);
    await page.close();
  });
});
