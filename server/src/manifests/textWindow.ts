/**
 * Where a text changed between two versions: `[start, end)` in the new text replaced
 * `[start, oldEnd)` of the old one; everything outside is the same, shifted by `end - oldEnd`.
 */
export interface TextWindow {
  start: number;
  oldEnd: number;
  end: number;
}

/** The window of two changes in a row: `next` is in the coordinates of the text after `prev`. */
export function mergeWindows(prev: TextWindow | undefined, next: TextWindow): TextWindow {
  if (prev === undefined) return next;
  const nextDelta = next.end - next.oldEnd;
  // prev's end, in the text after `next`.
  const prevEnd = prev.end <= next.start ? prev.end : prev.end >= next.oldEnd ? prev.end + nextDelta : next.end;
  const start = Math.min(prev.start, next.start);
  const end = Math.max(prevEnd, next.end);
  // Everything at or after `end` is unchanged since before `prev`: map it back through both deltas.
  const prevDelta = prev.end - prev.oldEnd;
  return { start, end, oldEnd: end - nextDelta - prevDelta };
}
