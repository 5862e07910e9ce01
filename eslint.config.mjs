// Type-aware lint: floating promises are bugs in an editor extension (lost errors, racing state).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.cache/', '.vscode-test/', 'test-results/', '**/*.mjs', '**/*.js', '**/*.cjs', 'test/**/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers these synchronously; their promises only report what the runner already reports.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The engine must stay editor-agnostic: it runs in the CLI and in CI.
    files: ['server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The engine never imports vscode; put UI code in client/src.' }] }],
    },
  },
  {
    // The client is UI only: YAML parsing and cluster access belong to the engine.
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [
        { name: 'yaml', message: 'The client never parses YAML; ask the server.' },
        { name: '@kubernetes/client-node', message: 'The client never calls the cluster; ask the server.' },
      ] }],
    },
  },
);
