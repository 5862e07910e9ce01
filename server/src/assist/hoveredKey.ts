import type { Position } from '../manifests/lineIndex';
import type { ManifestFile } from '../manifests/parse';
import { documentAt, type DocumentSpan } from './documentAt';
import { cursorContext, type PathStep } from './yamlPath';

const KEY_ON_LINE = /^(\s*)(?:-\s+)?("[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(\s|$)/;

/** The mapping key on the hovered line and its path in the document (the key last), for hovers. */
export function hoveredKey(file: ManifestFile, position: Position): { span: DocumentSpan; key: string; path: PathStep[] } | undefined {
  const span = documentAt(file, file.lines.offsetAt(position));
  if (span === undefined) return undefined;
  const lineInDoc = position.line - span.firstLine;
  const text = span.lines[lineInDoc] ?? '';
  const m = KEY_ON_LINE.exec(text);
  if (m === null) return undefined;
  const key = (m[2] ?? '').replace(/^["']|["']$/g, '');
  const keyStart = text.indexOf(m[2] ?? '', (m[1] ?? '').length);
  return { span, key, path: [...cursorContext(span.lines, lineInDoc, keyStart).path, key] };
}
