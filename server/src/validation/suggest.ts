/** Edit distance with an early exit: we only care whether two names are close. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length] ?? limit + 1;
}

/** The known name a mistyped one most likely meant, if any is close enough to suggest. */
export function closestName(wrong: string, known: Iterable<string>): string | undefined {
  const lower = wrong.toLowerCase();
  const limit = wrong.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestScore = limit + 1;
  for (const name of known) {
    if (name.toLowerCase() === lower) return name;
    const score = distance(lower, name.toLowerCase(), limit);
    if (score < bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}
