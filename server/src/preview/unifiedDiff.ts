/** Above this many lines on a side the LCS table gets large: show the whole texts as replaced. */
const MAX_LINES = 4000;

type Op = { op: ' ' | '-' | '+'; line: string };

function lines(text: string): string[] {
  if (text === '') return [];
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

function operations(a: string[], b: string[]): Op[] {
  if (a.length > MAX_LINES || b.length > MAX_LINES) return [...a.map((line): Op => ({ op: '-', line })), ...b.map((line): Op => ({ op: '+', line }))];
  // Longest common subsequence, suffix table: lcs[i][j] for a[i..], b[j..].
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', line: a[i++]! });
    else out.push({ op: '+', line: b[j++]! });
  }
  while (i < a.length) out.push({ op: '-', line: a[i++]! });
  while (j < b.length) out.push({ op: '+', line: b[j++]! });
  return out;
}

/** A unified diff of two texts (like `diff -u`), with `context` unchanged lines around each change. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 3): string {
  const ops = operations(lines(before), lines(after));
  if (ops.every((o) => o.op === ' ')) return '';
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  let k = 0;
  // Line numbers (1-based) at each op.
  const at: { a: number; b: number }[] = [];
  let la = 1;
  let lb = 1;
  for (const o of ops) {
    at.push({ a: la, b: lb });
    if (o.op !== '+') la++;
    if (o.op !== '-') lb++;
  }
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.op === ' ') k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while the next change is within 2×context unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]!.op !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.op === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.op !== '+').length;
    const bCount = hunk.filter((o) => o.op !== '-').length;
    const aStart = aCount === 0 ? at[start]!.a - 1 : at[start]!.a;
    const bStart = bCount === 0 ? at[start]!.b - 1 : at[start]!.b;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(`${o.op}${o.line}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}
