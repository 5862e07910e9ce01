import type { ManifestFile, ParsedChunk } from './parse';

/** Per parsed chunk, the words asked of it so far and whether it holds each. */
const asked = new WeakMap<ParsedChunk, Map<string, boolean>>();

/**
 * Whether a parsed file's text holds `word`, a word that lies within one line (`${`, a modeline's
 * name), asked chunk by chunk and remembered per chunk: after an edit only the documents parsed
 * again are read. Reading the whole text of a large file by parts on every edit was a fifth of
 * the edit's CPU, and its garbage more. Chunks cover the text and start at line starts, so such a
 * word lies in one chunk.
 */
export function fileIncludes(file: ManifestFile, word: string): boolean {
  for (const { parsed } of file.chunks) {
    let words = asked.get(parsed);
    if (words === undefined) {
      words = new Map();
      asked.set(parsed, words);
    }
    let has = words.get(word);
    if (has === undefined) {
      has = parsed.text.includes(word);
      words.set(word, has);
    }
    if (has) return true;
  }
  return false;
}
