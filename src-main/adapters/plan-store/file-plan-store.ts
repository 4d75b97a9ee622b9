import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../../../src-shared/bridge/errors.ts';
import type { PlanStore } from '../../ports/plan-store.port.ts';

/** Plans as `<name>.yaml` files under `plansDir`. */
export function createFilePlanStore(plansDir: string): PlanStore {
  const fileOf = (name: string) => join(plansDir, `${name}.yaml`);
  return {
    async list() {
      let names: string[];
      try {
        names = (await readdir(plansDir)).filter((f) => f.endsWith('.yaml'));
      } catch {
        return [];
      }
      const plans = await Promise.all(
        names.map(async (f) => ({
          name: f.slice(0, -'.yaml'.length),
          savedAtMs: (await stat(join(plansDir, f))).mtimeMs,
        })),
      );
      return plans.sort((a, b) => b.savedAtMs - a.savedAtMs);
    },

    async save(name, text) {
      await mkdir(plansDir, { recursive: true });
      // Write then rename, so a crash never leaves half a plan under the real name.
      const tmp = `${fileOf(name)}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, fileOf(name));
    },

    async open(name) {
      try {
        return await readFile(fileOf(name), 'utf8');
      } catch {
        throw new DomainError('notFound', `There is no saved plan named "${name}".`);
      }
    },
  };
}
