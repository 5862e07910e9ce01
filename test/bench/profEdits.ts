// Summarises only the last part of a server CPU profile (the edits, not the open):
// `npx tsx test/bench/profEdits.ts <folder> <skip-ms> [top]`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from './cpuProfile';

const [dir = '.', skipArg = '0', topArg = '30'] = process.argv.slice(2);
const newest = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.at - a.at)[0];
if (newest === undefined) throw new Error('no profile');
const p = JSON.parse(readFileSync(join(dir, newest.f), 'utf8')) as Parameters<typeof summarize>[0];
let t = 0;
const samples: number[] = [];
const deltas: number[] = [];
p.samples.forEach((s, i) => {
  t += p.timeDeltas[i] ?? 0;
  if (t / 1000 >= Number(skipArg)) {
    samples.push(s);
    deltas.push(p.timeDeltas[i] ?? 0);
  }
});
const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)' || n.callFrame.functionName === '(program)').map((n) => n.id));
const busy = samples.reduce((s, id, i) => s + (idle.has(id) ? 0 : (deltas[i] ?? 0)), 0);
console.log(`busy after skip: ${(busy / 1000).toFixed(0)} ms`);
console.log(summarize({ ...p, samples, timeDeltas: deltas, startTime: p.startTime + Number(skipArg) * 1000 }, Number(topArg)));
