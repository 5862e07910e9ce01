// Summarises a V8 CPU profile (node --cpu-prof) as the functions with the most self and
// inclusive time, so hotspots can be compared before and after an engine change:
//
//   node --cpu-prof --cpu-prof-dir=.cache/bench/prof dist/cli.js check --strict .cache/bench/corpus/single
//   npx tsx test/bench/cpuProfile.ts .cache/bench/prof [top]
//
// With a folder, the newest .cpuprofile in it is read.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function profilePath(arg: string): string {
  if (!statSync(arg).isDirectory()) return arg;
  const newest = readdirSync(arg)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, at: statSync(join(arg, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0];
  if (newest === undefined) throw new Error(`no .cpuprofile in ${arg}`);
  return join(arg, newest.f);
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\//, '');
  return `${functionName === '' ? '(anonymous)' : functionName} ${file}:${lineNumber + 1}`;
}

export function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    // Count each function once per stack, however often it recurses.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const rows = (m: Map<string, number>): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / 1000 / totalMs).toFixed(1).padStart(5)}%  ${key}`);
  return [`profile: ${totalMs.toFixed(0)} ms`, '— self time', ...rows(self), '— inclusive time', ...rows(inclusive)].join('\n');
}

if (require.main === module) {
  const [arg, topArg] = process.argv.slice(2);
  if (arg === undefined) {
    process.stderr.write('usage: tsx test/bench/cpuProfile.ts <file.cpuprofile | folder> [top]\n');
    process.exitCode = 2;
  } else {
    const profile = JSON.parse(readFileSync(profilePath(arg), 'utf8')) as CpuProfile;
    process.stdout.write(`${summarize(profile, Number(topArg ?? 25))}\n`);
  }
}
