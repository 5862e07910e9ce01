import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

// A kubeconfig holds tokens and private keys. Parsers quote the text around an error (js-yaml,
// inside client-node, prints the lines before and after), so nothing here ever repeats the
// file's text: a problem names the file, the line and what is wrong, in our own words.

/** The files a target reads, in the order client-node merges them. */
export function kubeconfigFiles(explicitPath: string | undefined): string[] {
  if (explicitPath !== undefined) return [explicitPath];
  const fromEnv = process.env['KUBECONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.split(delimiter).filter((f) => f !== '');
  return [join(homedir(), '.kube', 'config')];
}

const WHAT_TO_DO = 'fix that line, or choose another kubeconfig (--kubeconfig, KUBECONFIG or the plumbline.cluster.kubeconfig setting)';

/** Our words for the parser's error codes: the parser's own messages may quote the text. */
const YAML_PROBLEMS: Record<string, string> = {
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'a tab used for indentation',
  DUPLICATE_KEY: 'a key that appears twice',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping where a plain value or key was expected',
  MULTILINE_IMPLICIT_KEY: 'a key that spans lines',
  MISSING_CHAR: 'an unclosed quote or bracket',
  UNEXPECTED_TOKEN: 'an unexpected character',
  BAD_ALIAS: 'an alias that names no anchor',
  BAD_SCALAR_START: 'a value that cannot start with that character',
};

function problem(path: string, line: number, what: string): string {
  return `the kubeconfig ${path} is malformed at line ${line}: ${what}; ${WHAT_TO_DO}`;
}

/** Checks one kubeconfig's text: undefined when it has the shape client-node expects, else a message without its content. */
export function kubeconfigProblem(path: string, text: string): string | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined): number => lines.linePos(offset ?? 0).line;
  const first = doc.errors[0];
  if (first !== undefined) return problem(path, lineOf(first.pos[0]), `not valid YAML (${YAML_PROBLEMS[first.code] ?? 'a syntax error'})`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return `the kubeconfig ${path} is empty; ${WHAT_TO_DO.replace('fix that line', 'fill it in')}`;
  const at = (node: Node | null | undefined): number => lineOf(node?.range?.[0]);
  if (!isMap(root)) return problem(path, at(root), 'the top level must be a mapping (apiVersion, clusters, contexts, users…)');
  const sections: [string, string, string[]][] = [
    ['clusters', 'cluster', ['server']],
    ['users', 'user', []],
    ['contexts', 'context', ['cluster']],
  ];
  for (const [section, inner, required] of sections) {
    const list = root.get(section, true) as Node | undefined;
    if (list === undefined || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) return problem(path, at(list), `\`${section}\` must be a list`);
    for (const [i, item] of list.items.entries()) {
      const where = `${section}[${i}]`;
      if (!isMap(item)) return problem(path, at(item as Node), `${where} must be a mapping with \`name\` and \`${inner}\``);
      const name = item.get('name', true) as Node | undefined;
      if (name === undefined) return problem(path, at(item), `${where} has no \`name\``);
      if (!isScalar(name) || typeof name.value !== 'string') return problem(path, at(name), `${where}.name must be a string`);
      const body = item.get(inner, true) as Node | undefined;
      if (body === undefined || (isScalar(body) && body.value === null)) {
        if (inner !== 'user') return problem(path, at(item), `${where} has no \`${inner}\``);
        continue;
      }
      if (!isMap(body)) return problem(path, at(body), `${where}.${inner} must be a mapping`);
      for (const key of required) {
        const value = body.get(key, true) as Node | undefined;
        if (value === undefined) return problem(path, at(body), `${where}.${inner} has no \`${key}\``);
        if (!isScalar(value) || typeof value.value !== 'string') return problem(path, at(value), `${where}.${inner}.${key} must be a string`);
      }
    }
  }
  const current = root.get('current-context', true) as Node | undefined;
  if (current !== undefined && !(isScalar(current) && (current.value === null || typeof current.value === 'string'))) return problem(path, at(current), '`current-context` must be a string');
  return undefined;
}

/** Reads and checks a kubeconfig file client-node rejected; undefined when this check finds nothing wrong. */
export function checkKubeconfigFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    return `cannot read the kubeconfig ${path} (${code ?? 'unreadable'}); check the path, or choose another kubeconfig (--kubeconfig, KUBECONFIG or the plumbline.cluster.kubeconfig setting)`;
  }
  return kubeconfigProblem(path, text);
}

/**
 * What to say when client-node rejects a kubeconfig anyway: the line js-yaml marks, or its
 * messages that name a field (they never carry values); never the rest of its message.
 */
export function describeLoadError(files: readonly string[], error: unknown): string {
  const file = files.length === 1 ? files[0]! : files.join(delimiter);
  const mark = (error as { mark?: { line?: unknown } } | null)?.mark;
  if (mark !== undefined && typeof mark.line === 'number') return problem(file, mark.line + 1, 'not valid YAML');
  const message = error instanceof Error ? error.message : '';
  if (/^(clusters|users|contexts)\[\d+\](\.[\w-]+)* is missing$/.test(message)) return `the kubeconfig ${file} is malformed: ${message}; ${WHAT_TO_DO.replace('that line', 'it')}`;
  return `the kubeconfig ${file} is malformed (an entry has the wrong shape); ${WHAT_TO_DO.replace('that line', 'it')}`;
}
