import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

const root = import.meta.dirname;

/**
 * The layers as an allow-list (issue 14): each folder names the folders of ours it may import. Everything
 * else of ours is forbidden to it, so a new folder is forbidden until someone allows it here. Each adapter
 * folder is its own layer: adapters do not import one another.
 */
const adapters = readdirSync(`${root}/src-main/adapters`, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `src-main/adapters/${d.name}`);
const base = ['src-shared', 'src-main/ports'];
const allowed = {
  'src-shared': [],
  'src-main/ports': ['src-shared'],
  'src-main/engine': base,
  ...Object.fromEntries(adapters.map((a) => [a, base])),
  // The sandbox's simulated time is the scaled clock the engine uses for a rehearsal (one implementation).
  'src-main/sandbox': [...base, 'src-main/adapters/clock'],
  // The bridge routes contract channels to handlers: it knows the contract only.
  'src-main/bridge': ['src-shared'],
  'src-main/app': [...base, 'src-main/engine', ...adapters, 'src-main/sandbox', 'src-main/bridge'],
  // Shells wire a transport to the app; ports for the types they pass (a SecretStore, a Clock).
  'src-main/shells': [...base, 'src-main/app', 'src-main/bridge'],
  'src-renderer': ['src-shared'],
};
const ours = [...Object.keys(allowed), 'test', 'bench', 'scripts'];

function layerZones(target, allow) {
  const from = ours.filter(
    (f) => f !== target && !allow.includes(f) && !target.startsWith(`${f}/`) && !f.startsWith(`${target}/`),
  );
  return {
    target: `${target}/**`,
    from,
    message: `Bad layering: ${target} may import only ${allow.length ? allow.join(', ') : 'nothing of ours'}.`,
  };
}
const zones = Object.entries(allowed).map(([target, allow]) => layerZones(target, allow));

const layering = (z) => ['error', { basePath: root, zones: z }];

/** Packages a layer may not import; the blocks below cover disjoint files, so none replaces another. */
const electron = { group: ['electron'], message: 'Only the Electron shell imports electron.' };
const clientNode = {
  group: ['@kubernetes/client-node', '@kubernetes/client-node/*'],
  message: 'Only the Kubernetes adapter (src-main/adapters/kube) imports @kubernetes/client-node.',
};
const rawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Raw IPC belongs to the bridge wrapper and the preload only.',
};
const noIo = (who) => ({ group: ['node:*'], message: `${who} do no I/O: no node:* imports.` });
const bans = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});

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
    files: ['src-shared/**/*.ts', 'src-main/**/*.ts', 'src-renderer/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': layering(zones),
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: bans([
      {
        group: ['node:*', 'electron', 'react', 'react-dom', '@kubernetes/*', 'ws', 'commander', 'vite'],
        message: 'Bad layering: src-shared is pure TypeScript.',
      },
    ]),
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...bans([
        {
          group: ['node:*', 'electron', '@kubernetes/*', 'ws'],
          message: 'Bad layering: the renderer imports only src-shared.',
        },
      ]),
    },
  },
  {
    files: ['src-main/ports/**/*.ts'],
    rules: bans([noIo('Ports are interfaces and'), electron, clientNode]),
  },
  { files: ['src-main/engine/machines/**/*.ts'], rules: bans([noIo('Machines'), electron, clientNode]) },
  {
    files: ['src-main/**/*.ts'],
    ignores: [
      'src-main/ports/**',
      'src-main/engine/machines/**',
      'src-main/adapters/kube/**',
      'src-main/shells/electron/**',
    ],
    rules: bans([electron, clientNode]),
  },
  { files: ['src-main/adapters/kube/**/*.ts'], rules: bans([electron]) },
  {
    files: ['src-main/shells/electron/**/*.ts'],
    ignores: ['src-main/shells/electron/bridge-ipc.ts', 'src-main/shells/electron/preload.ts'],
    rules: bans([clientNode], [rawIpc]),
  },
  {
    files: ['src-main/shells/electron/bridge-ipc.ts', 'src-main/shells/electron/preload.ts'],
    rules: bans([clientNode]),
  },
);
