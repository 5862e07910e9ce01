import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cursorContext, ITEM } from '../../server/src/assist/yamlPath';

/** `|` marks the cursor. */
function at(fixture: string): ReturnType<typeof cursorContext> {
  const lines = fixture.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  const character = lines[line]!.indexOf('|');
  lines[line] = lines[line]!.replace('|', '');
  return cursorContext(lines, line, character);
}

describe('cursorContext', () => {
  test('a key in a nested mapping', () => {
    const c = at('apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n  template:\n    spec:\n      rest|\n');
    assert.deepEqual(c.path, ['spec', 'template', 'spec']);
    assert.deepEqual(c.position, { kind: 'key' });
  });

  test('a blank line at the root', () => {
    const c = at('apiVersion: v1\n|\nkind: Service\n');
    assert.deepEqual(c.path, []);
    assert.deepEqual([...c.siblings].sort(), ['apiVersion', 'kind']);
  });

  test('inside a list item, after its first key', () => {
    const c = at('spec:\n  containers:\n    - name: web\n      image: nginx\n      |\n');
    assert.deepEqual(c.path, ['spec', 'containers', ITEM]);
    assert.ok(c.siblings.has('name') && c.siblings.has('image'));
  });

  test('a new list item', () => {
    const c = at('spec:\n  containers:\n    - name: web\n    - |\n');
    assert.deepEqual(c.path, ['spec', 'containers', ITEM]);
  });

  test('a list written without indentation under its key', () => {
    const c = at('spec:\n  ports:\n  - port: 80\n    |\n');
    assert.deepEqual(c.path, ['spec', 'ports', ITEM]);
  });

  test('the value of a key', () => {
    const c = at('spec:\n  template:\n    spec:\n      restartPolicy: Ne|\n');
    assert.deepEqual(c.path, ['spec', 'template', 'spec']);
    assert.deepEqual(c.position, { kind: 'value', key: 'restartPolicy' });
  });

  test('nested lists of maps', () => {
    const c = at('spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          ports:\n            - containerPort: 80\n              |\n');
    assert.deepEqual(c.path, ['spec', 'template', 'spec', 'containers', ITEM, 'ports', ITEM]);
  });
});
