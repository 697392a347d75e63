/**
 * `rlflow plot`: a progress.jsonl fixture becomes an SVG with the reward and throughput panels (one path
 * point per iteration with a value, gaps where the value is null, the min–max band, axes with ticks and
 * labels, a title from config.json); missing, empty and malformed files fail naming file and line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { ProgressFileError, plot } from '../../src/cli/plot.js';
import { formatTick, formatTicks, niceTicks } from '../../src/cli/svg-chart.js';

const root = mkdtempSync(path.join(tmpdir(), 'rlflow-plot-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Result-dict lines as rlflow train writes them (NaN is null in JSON). */
function row(i: number, reward: number | null, stepsPerS: number | null): string {
  return JSON.stringify({
    episode_reward_mean: reward,
    episode_reward_min: reward === null ? null : reward - 10,
    episode_reward_max: reward === null ? null : reward + 10,
    timesteps_total: 1000 * i,
    training_iteration: i,
    time_total_s: 2 * i,
    env_steps_per_s: stepsPerS,
    timers: {},
    info: {},
  });
}

function runDir(name: string, lines: readonly string[], config?: unknown): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'progress.jsonl'), lines.map((l) => `${l}\n`).join(''));
  if (config !== undefined) writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/** The `d` commands of the path with `data-label`, as [command, x, y]. */
function pathPoints(svg: string, label: string): Array<[string, number, number]> {
  const m = new RegExp(`<path class="line" data-label="${label.replace(/[()]/g, '\\$&')}" data-points="(\\d+)" d="([^"]*)"`).exec(svg);
  assert.ok(m, `a path labelled ${label}`);
  const points = [...m[2]!.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)].map((p): [string, number, number] => [p[1]!, Number(p[2]), Number(p[3])]);
  assert.equal(points.length, Number(m[1]), 'data-points counts the path points');
  return points;
}

async function runPlot(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  assert.equal(await plot(args, (l) => lines.push(l)), 0);
  return lines;
}

describe('rlflow plot', () => {
  test('several runs: one line per run, the target as a dashed line, one unit per axis', async () => {
    const stop = { reward: 75, timesteps: 10_000 };
    const a = runDir('cmp-a', [row(1, 10, 400), row(2, 40, 500), row(3, 80, 450)], { algorithm: 'ppo', seed: 0, stop, config: { env: 'CartPole-v1' } });
    const b = runDir('cmp-b', [row(1, 5, 300), row(2, 20, 350), row(3, 30, 380), row(4, 70, 390)], { algorithm: 'ppo', seed: 1, stop, config: { env: 'CartPole-v1' } });
    const out = path.join(root, 'cmp.svg');
    const lines = await runPlot([a, b, '--out', out]);
    assert.deepEqual(lines, [`wrote ${out} (2 runs, 7 iterations)`]);
    const svg = readFileSync(out, 'utf8');
    assert.equal(pathPoints(svg, 'cmp-a').length + pathPoints(svg, 'cmp-b').length, 3 + 4, 'the reward line of each run, a point per iteration');
    for (const name of ['cmp-a', 'cmp-b']) assert.equal(svg.match(new RegExp(`<path class="line" data-label="${name}"`, 'g'))?.length, 2, `${name}: a reward and a throughput line`);
    assert.match(svg, /<line class="hline" data-label="target 75"[^>]*stroke-dasharray/);
    assert.doesNotMatch(svg, /class="band"/, 'no min–max band when comparing runs');
    // --target overrides the runs' own.
    await runPlot([a, b, '--out', out, '--target', '50']);
    assert.match(readFileSync(out, 'utf8'), /data-label="target 50"/);
    // Tick labels of one axis share a unit.
    assert.deepEqual(formatTicks([0, 5000, 10000, 15000]), ['0', '5k', '10k', '15k']);
    assert.deepEqual(formatTicks([-100, 0, 100]), ['-100', '0', '100']);
  });

  test('draws the reward panel (mean line, min–max band) and the throughput panel, titled from config.json', async () => {
    const dir = runDir('ppo-run', [row(1, null, 400), row(2, 20, 500), row(3, 35, 450), row(4, 60, 520), row(5, 90, 510)], {
      algorithm: 'ppo',
      seed: 3,
      backend: 'local',
      config: { env: 'CartPole-v1' },
    });
    const lines = await runPlot([dir]);
    const file = path.join(dir, 'curves.svg');
    assert.deepEqual(lines, [`wrote ${file} (5 iterations)`]);
    const svg = readFileSync(file, 'utf8');

    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.match(svg, /<text class="title"[^>]*>PPO on CartPole-v1 \(local backend, seed 3\)<\/text>/);
    assert.match(svg, /<text class="subtitle"[^>]*>ppo-run · 5 iterations · 5,000 env steps · 10\.0 s<\/text>/);
    assert.match(svg, /<g class="panel" id="panel-reward">/);
    assert.match(svg, /<g class="panel" id="panel-throughput">/);
    for (const label of ['env steps (timesteps_total)', 'episode reward', 'wall time (time_total_s, s)', 'env steps / s']) {
      assert.ok(svg.includes(`>${label}</text>`), `axis label ${label}`);
    }

    // One point per iteration with a value; the first iteration finished no episode (null), so 4.
    const reward = pathPoints(svg, 'mean (episode_reward_mean)');
    assert.equal(reward.length, 4);
    assert.deepEqual(reward.map((p) => p[0]), ['M', 'L', 'L', 'L']);
    for (let k = 1; k < reward.length; k++) {
      assert.ok(reward[k]![1] > reward[k - 1]![1], 'x grows with env steps');
      assert.ok(reward[k]![2] < reward[k - 1]![2], 'a higher reward is drawn higher (smaller SVG y)');
    }
    assert.equal(pathPoints(svg, 'env_steps_per_s').length, 5);
    const band = [...svg.matchAll(/<polygon class="band" points="([^"]*)"/g)];
    assert.equal(band.length, 1);
    assert.equal(band[0]![1]!.split(' ').length, 8, 'upper and lower bound of the 4 iterations with episodes');

    // Ticks: the reward axis covers 10…100 with round numbers; the throughput axis starts at 0.
    const reward0 = svg.slice(svg.indexOf('id="panel-reward"'), svg.indexOf('id="panel-throughput"'));
    const throughput = svg.slice(svg.indexOf('id="panel-throughput"'));
    const yTicks = (panel: string): string[] => [...panel.slice(panel.indexOf('class="y-ticks"')).matchAll(/text-anchor="end"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    const xTicks = (panel: string): string[] => [...panel.slice(panel.indexOf('class="x-ticks"'), panel.indexOf('class="y-ticks"')).matchAll(/text-anchor="middle"[^>]*>([^<]*)</g)].map((m) => m[1]!);
    assert.deepEqual(yTicks(reward0), ['0', '20', '40', '60', '80', '100']);
    assert.deepEqual(xTicks(reward0), ['2000', '2500', '3000', '3500', '4000', '4500', '5000']);
    assert.equal(yTicks(throughput)[0], '0');
    assert.deepEqual(xTicks(throughput), ['2', '4', '6', '8', '10']);
  });

  test('a missing value in the middle breaks the line; --out and a progress.jsonl path work; no config.json: the directory names the chart', async () => {
    const dir = runDir('gappy', [row(1, 10, 100), row(2, 12, 100), row(3, null, 100), row(4, 15, 100)]);
    const out = path.join(root, 'gappy.svg');
    await runPlot([path.join(dir, 'progress.jsonl'), '--out', out]);
    const svg = readFileSync(out, 'utf8');
    assert.deepEqual(pathPoints(svg, 'mean (episode_reward_mean)').map((p) => p[0]), ['M', 'L', 'M']);
    assert.match(svg, /<text class="title"[^>]*>gappy<\/text>/);
    // A band needs two points in a run: the lone last iteration gets none.
    assert.equal([...svg.matchAll(/<polygon class="band"/g)].length, 1);
  });

  test('a run without any finished episode says so instead of drawing the reward', async () => {
    const dir = runDir('no-episodes', [row(1, null, 100)]);
    await runPlot([dir]);
    const svg = readFileSync(path.join(dir, 'curves.svg'), 'utf8');
    assert.match(svg, />no episode has finished yet</);
    assert.match(svg, /<circle /, 'a lone throughput point is marked');
  });

  test('malformed, missing and empty progress files fail naming file and line', async () => {
    const bad = runDir('bad-json', [row(1, 1, 1), row(2, 2, 2), '{"timesteps_total": 3000, "time_total_s": ']);
    await assert.rejects(plot([bad], () => undefined), (e: unknown) => {
      assert.ok(e instanceof ProgressFileError);
      assert.match(e.message, new RegExp(`^${path.join(bad, 'progress.jsonl').replace(/[.]/g, '\\.')}:3: not valid JSON \\(`));
      assert.match(e.message, /hint: progress\.jsonl has one JSON result dict per line/);
      return true;
    });
    const wrongType = runDir('wrong-type', [row(1, 1, 1), JSON.stringify({ timesteps_total: '2000', time_total_s: 4 })]);
    await assert.rejects(plot([wrongType], () => undefined), /progress\.jsonl:2: 'timesteps_total' must be a number, got "2000"/);
    const missingKey = runDir('missing-key', [JSON.stringify({ timesteps_total: 1000 })]);
    await assert.rejects(plot([missingKey], () => undefined), /progress\.jsonl:1: 'time_total_s' must be a number, got nothing \(the key is missing\)/);
    const notObject = runDir('not-object', [row(1, 1, 1), '', '[1, 2]']);
    await assert.rejects(plot([notObject], () => undefined), /progress\.jsonl:3: expected a JSON object \(a result dict\), got an array/);
    const empty = runDir('empty', []);
    await assert.rejects(plot([empty], () => undefined), /progress\.jsonl is empty: no training iteration has finished yet/);
    await assert.rejects(plot([path.join(root, 'nowhere')], () => undefined), /no progress file at .*nowhere[/\\]progress\.jsonl\n {2}hint: pass the output directory of rlflow train/);
  });

  test('through the CLI: errors are one line and exit code 1; a missing run directory is a usage error', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (msg: string) => errors.push(msg));
    const bad = runDir('cli-bad', ['not json']);
    assert.equal(await main(['plot', bad]), 1);
    assert.match(errors[0]!, /^rlflow plot: ProgressFileError: .*progress\.jsonl:1: not valid JSON/);
    assert.equal(await main(['plot']), 2);
    assert.match(errors[1]!, /^rlflow plot: name a run directory: rlflow plot <run-dir>/);
  });
});

describe('chart helpers', () => {
  test('niceTicks: round steps covering the range; a flat range is padded', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(13, 487), [0, 100, 200, 300, 400, 500]);
    assert.deepEqual(niceTicks(-3, 7), [-4, -2, 0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(5, 5), [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]);
    assert.deepEqual(niceTicks(0, 0), [-1, -0.5, 0, 0.5, 1]);
  });

  test('formatTick: compact labels', () => {
    assert.deepEqual([0, 0.25, 950, 12_000, 1_500_000, 2e9, -40_000].map(formatTick), ['0', '0.25', '950', '12k', '1.5M', '2G', '-40k']);
  });
});
