import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { KubeconfigProblem } from '../../../src-shared/bridge/contract.ts';

type Entry = Record<string, unknown>;

/** A named `clusters`/`users`/`contexts` entry, as kubectl stores it. */
interface NamedEntry {
  readonly name: string;
  readonly value: Entry;
}

/** The merged kubeconfig, with every relative file path already made absolute. */
export interface MergedKubeconfig {
  readonly clusters: readonly NamedEntry[];
  readonly users: readonly NamedEntry[];
  readonly contexts: readonly NamedEntry[];
  /** From the first file that sets it, as kubectl does. */
  readonly currentContext: string | null;
  /** The files read, in precedence order. */
  readonly files: readonly string[];
  /** Files that were missing or could not be parsed, in plain words. */
  readonly problems: readonly KubeconfigProblem[];
}

/** Where kubectl would look: `KUBECONFIG` split on the platform's delimiter, else `~/.kube/config`. */
export function kubeconfigPaths(env: NodeJS.ProcessEnv, home: string = homedir()): string[] {
  const fromEnv = env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const seen = new Set<string>();
    return fromEnv
      .split(delimiter)
      .filter((p) => p.trim() !== '')
      .filter((p) => (seen.has(p) ? false : (seen.add(p), true)));
  }
  return [join(home, '.kube', 'config')];
}

const PATH_FIELDS: Record<'clusters' | 'users', readonly string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

/**
 * Reads and merges kubeconfig files as kubectl does: for clusters, users and contexts the first
 * file that names an entry wins; `current-context` comes from the first file that sets it.
 * Never throws: unreadable files become `problems`. The files are only read, never written.
 */
export function loadKubeconfig(
  paths: readonly string[],
  options: { implicitDefault?: boolean } = {},
): MergedKubeconfig {
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let currentContext: string | null = null;
  const problems: KubeconfigProblem[] = [];
  const files: string[] = [];

  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // kubectl ignores a missing default file silently; a missing file the user named is worth saying.
      if (code === 'ENOENT' && options.implicitDefault) continue;
      problems.push({
        file,
        message:
          code === 'ENOENT'
            ? 'The file does not exist.'
            : `The file cannot be read (${code ?? 'unknown error'}).`,
      });
      continue;
    }
    let doc: unknown;
    try {
      doc = text.trim() === '' ? {} : parse(text);
    } catch (error) {
      const reason = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(
        /:$/,
        '',
      );
      problems.push({ file, message: `The file is not valid YAML: ${reason}` });
      continue;
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ file, message: 'The file is not a kubeconfig: its top level must be a mapping.' });
      continue;
    }
    const d = doc as Entry;
    const fileProblems: string[] = [];
    const base = dirname(resolve(file));
    mergeList(d.clusters, 'cluster', clusters, fileProblems, (v) =>
      absolutise(v, PATH_FIELDS.clusters, base),
    );
    mergeList(d.users, 'user', users, fileProblems, (v) => absolutise(v, PATH_FIELDS.users, base));
    mergeList(d.contexts, 'context', contexts, fileProblems, (v) => v);
    const cc = d['current-context'];
    if (currentContext === null && typeof cc === 'string' && cc !== '') currentContext = cc;
    for (const message of fileProblems) problems.push({ file, message });
    files.push(file);
  }

  const toList = (m: Map<string, Entry>): NamedEntry[] => [...m].map(([name, value]) => ({ name, value }));
  return {
    clusters: toList(clusters),
    users: toList(users),
    contexts: toList(contexts),
    currentContext,
    files,
    problems,
  };
}

function mergeList(
  raw: unknown,
  key: 'cluster' | 'user' | 'context',
  into: Map<string, Entry>,
  problems: string[],
  fix: (value: Entry) => Entry,
): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) {
    problems.push(`"${key}s" must be a list.`);
    return;
  }
  raw.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) {
      problems.push(`${key}s[${i}] must be a mapping with "name" and "${key}".`);
      return;
    }
    const { name, [key]: value } = item as Entry;
    if (typeof name !== 'string' || name === '') {
      problems.push(`${key}s[${i}] has no name.`);
      return;
    }
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      problems.push(`${key}s[${i}] ("${name}"): "${key}" must be a mapping.`);
      return;
    }
    if (!into.has(name)) into.set(name, fix({ ...((value as Entry | undefined) ?? {}) }));
  });
}

function absolutise(value: Entry, fields: readonly string[], base: string): Entry {
  const out = { ...value };
  for (const f of fields) {
    const p = out[f];
    if (typeof p === 'string' && p !== '' && !isAbsolute(p)) out[f] = resolve(base, p);
  }
  return out;
}

/** A single-context kubeconfig document for one context of the merged config, as YAML. */
export function kubeconfigForContext(merged: MergedKubeconfig, contextName: string): string | null {
  const ctx = merged.contexts.find((c) => c.name === contextName);
  if (!ctx) return null;
  const clusterName = typeof ctx.value.cluster === 'string' ? ctx.value.cluster : '';
  const userName = typeof ctx.value.user === 'string' ? ctx.value.user : '';
  const cluster = merged.clusters.find((c) => c.name === clusterName);
  const user = merged.users.find((u) => u.name === userName);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': contextName,
    contexts: [{ name: contextName, context: ctx.value }],
    clusters: cluster ? [{ name: cluster.name, cluster: cluster.value }] : [],
    users: user ? [{ name: user.name, user: user.value }] : [{ name: userName || 'anonymous', user: {} }],
  });
}
