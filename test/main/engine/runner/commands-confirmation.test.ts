import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resumeRelease, startRelease } from '../../../../src-main/engine/runner/release-runner.ts';
import { planCommands } from '../../../../src-shared/plan/plan-commands.ts';
import { blueGreenPlan, useHarness } from './release-harness.ts';

const harness = useHarness({ journal: 'file' });
const plan = blueGreenPlan({
  strategy: { kind: 'blue-green', smoke: { checks: [], command: ['./smoke.sh', '--colour', 'green'] } },
});
const { digest } = planCommands(plan);

describe('commands in a plan run only after the user confirmed them', () => {
  it.each([
    ['no confirmation', undefined, /^This plan runs one command; confirm it before starting\.$/],
    [
      'a confirmation of other commands',
      planCommands(blueGreenPlan({ strategy: { kind: 'blue-green', smoke: { command: ['./old.sh'] } } }))
        .digest,
      /The commands changed since they were confirmed\.$/,
    ],
  ])('refuses to start with %s and writes nothing', async (_name, confirmed, message) => {
    const h = harness.h();
    await expect(
      startRelease({
        ...h.deps,
        plan,
        releaseId: 'bg-refused',
        ...(confirmed ? { confirmedCommands: confirmed } : {}),
      }),
    ).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(message),
      details: ['blue-green smoke check, on this computer: ["./smoke.sh","--colour","green"]'],
    });
    expect(await h.journal.listReleases()).toEqual([]);
    expect(h.ops.calls).toEqual([]);
  });

  it('starts with the current digest and resumes later without asking again', async () => {
    const h = harness.h();
    const handle = await startRelease({
      ...h.deps,
      plan,
      releaseId: 'bg-confirmed',
      confirmedCommands: digest,
    });
    await h.settle(handle);
    await handle.stop();
    const resumed = harness.track(await resumeRelease({ ...h.deps, releaseId: 'bg-confirmed' }));
    expect(resumed.id).toBe('bg-confirmed');
    const start = (await readFile(join(h.dir, 'bg-confirmed', 'audit.jsonl'), 'utf8')).split('\n')[0]!;
    expect(JSON.parse(start)).toMatchObject({
      what: 'start',
      data: { confirmedCommands: digest, commands: [{ argv: ['./smoke.sh', '--colour', 'green'] }] },
    });
  });

  it('asks on resume when the journal holds no confirmation (a release from an older build)', async () => {
    const h = harness.h();
    const handle = await startRelease({ ...h.deps, plan, releaseId: 'bg-old', confirmedCommands: digest });
    await h.settle(handle);
    await handle.stop();
    // Rewrite the snapshot as a build without confirmations wrote it, through the journal (records are checksummed).
    const rj = await h.journal.open('bg-old');
    const { record } = await rj.load();
    const { confirmedCommands: _dropped, ...older } = record.snapshot as Record<string, unknown>;
    await rj.record({ status: record.status, snapshot: older, event: { what: 'test', why: 'older build' } });
    await rj.close();
    await expect(resumeRelease({ ...h.deps, releaseId: 'bg-old' })).rejects.toMatchObject({
      kind: 'conflict',
    });
    const resumed = harness.track(
      await resumeRelease({ ...h.deps, releaseId: 'bg-old', confirmedCommands: digest }),
    );
    await resumed.flushed();
    const audit = (await readFile(join(h.dir, 'bg-old', 'audit.jsonl'), 'utf8')).trim().split('\n');
    const resume = audit
      .map((l) => JSON.parse(l) as { what: string; why: string })
      .find((e) => e.what === 'resume');
    expect(resume?.why).toContain(`alice confirmed its 1 command(s) (${digest}).`);
  });
});
