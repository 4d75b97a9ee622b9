import { describe, expect, it } from 'vitest';
import { go, useConsoleSession } from './console-helpers.ts';

describe('first use of the Plan screen', () => {
  const s = useConsoleSession();

  it('shows empty workload fields as empty, and preflight of the placeholder plan leads with its root cause', async () => {
    const { page } = s;
    await go(page, 'Plan');
    const namespace = page.getByLabel('Namespace', { exact: true });
    expect(await namespace.inputValue()).toBe('');
    expect(await namespace.getAttribute('placeholder')).toMatch(/^e\.g\. /);
    await page.getByText('left empty, the pre-filled plans name default/my-service').waitFor();

    await page.getByRole('button', { name: 'Recommend strategies' }).click();
    await page.getByRole('button', { name: 'Use canary', exact: true }).click();
    await page
      .getByRole('region', { name: 'Plan YAML' })
      .getByRole('status')
      .filter({ hasText: 'valid plan' })
      .waitFor();
    await page.getByRole('button', { name: /^Run preflight on / }).click();
    const findings = page.getByRole('list', { name: 'Preflight findings' }).getByRole('listitem');
    await findings.first().waitFor({ timeout: 60_000 });
    const texts = await findings.allInnerTexts();
    expect(texts[0]).toMatch(/Deployment default\/my-service does not exist/);
    // The queries' identical paragraph is said once, listing the steps it endangers.
    const noNumber = texts.filter((t) => /gives no usable number/.test(t));
    expect(noNumber).toHaveLength(1);
    expect(noNumber[0]).toMatch(/^blocker\s+query\s+\d+ findings: .*Endangers: .*step/s);
  }, 120_000);
});
