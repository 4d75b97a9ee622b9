import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const transportBan = {
  paths: [
    {
      name: 'electron',
      importNames: ['ipcMain', 'ipcRenderer'],
      message: 'Raw IPC belongs to the bridge wrapper and the preload only.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'dist/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
  {
    files: ['*.config.{js,ts}'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'electron',
                'react',
                'react-dom',
                '@kubernetes/*',
                '../src-main/*',
                '../../src-main/*',
                '**/src-main/**',
                '**/src-renderer/**',
              ],
              message: 'Bad layering: src-shared is pure TypeScript.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', '@kubernetes/*', 'ws', '**/src-main/**'],
              message: 'Bad layering: the renderer imports only src-shared.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/shells/electron/**', 'src-main/adapters/kube/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...transportBan,
          patterns: [
            { group: ['electron'], message: 'Only the Electron shell imports electron.' },
            {
              group: ['@kubernetes/client-node'],
              message: 'Only the Kubernetes adapter imports @kubernetes/client-node.',
            },
            { group: ['**/src-renderer/**'], message: 'Bad layering: main never imports the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/shells/electron/**/*.ts'],
    ignores: ['src-main/shells/electron/bridge-ipc.ts', 'src-main/shells/electron/preload.ts'],
    rules: { 'no-restricted-imports': ['error', transportBan] },
  },
  {
    files: ['src-main/**/*.machine.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/sandbox/**', 'node:*'],
              message: 'Machines import no adapter and do no I/O.',
            },
          ],
        },
      ],
    },
  },
);
