import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../../src-main/sandbox/sandbox.ts';

/** A sandbox for one test file and a temporary folder with a kubeconfig for it. */
export interface SandboxFolder {
  /** The temporary folder (made at once, removed after the file's tests). */
  readonly dir: string;
  /** The kubeconfig file in `dir`, written once the sandbox runs. */
  readonly kubeconfig: string;
  /** The running sandbox: read it inside tests and hooks only. */
  readonly sb: SandboxHandle;
}

/**
 * Makes a temporary folder named from `prefix`, starts a sandbox (60× by default) before the file's tests,
 * on the scenario `scenarioYaml` if given (written to `scenario.yaml` in the folder), writes its kubeconfig
 * (`kubeconfig` in the folder unless `file` says otherwise; `context` and `viewer` as
 * `SandboxHandle.writeKubeconfig` takes them), and closes the sandbox and removes the folder after them.
 */
export function useSandboxFolder(
  prefix: string,
  options: {
    sandbox?: SandboxOptions;
    scenarioYaml?: string;
    file?: string;
    context?: string;
    viewer?: boolean;
  } = {},
): SandboxFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const kubeconfig = join(dir, options.file ?? 'kubeconfig');
  let sb: SandboxHandle | undefined;
  beforeAll(async () => {
    let sandbox = options.sandbox ?? { speed: 60 };
    if (options.scenarioYaml !== undefined) {
      const scenario = join(dir, 'scenario.yaml');
      writeFileSync(scenario, options.scenarioYaml);
      sandbox = { ...sandbox, scenario };
    }
    sb = await startSandbox(sandbox);
    sb.writeKubeconfig(kubeconfig, options.context, { viewer: options.viewer });
  });
  afterAll(async () => {
    await sb?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    kubeconfig,
    get sb() {
      if (!sb) throw new Error('the sandbox is not running yet (use it inside a test or hook)');
      return sb;
    },
  };
}
