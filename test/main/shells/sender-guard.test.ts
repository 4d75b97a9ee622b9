import { describe, expect, it } from 'vitest';
import { isOpenableExternally, isTrustedSender } from '../../../src-main/shells/electron/sender-guard.ts';

const FILE = 'file:///opt/switchyard/out/renderer/index.html';

describe('Electron bridge sender guard', () => {
  it.each([
    ['our page, top frame', { url: FILE, parent: null }, FILE, true],
    ['our page with a hash', { url: `${FILE}#/run`, parent: null }, FILE, true],
    ['an iframe inside our page', { url: FILE, parent: {} }, FILE, false],
    ['another local file', { url: 'file:///tmp/evil.html', parent: null }, FILE, false],
    ['a remote page', { url: 'https://example.com/', parent: null }, FILE, false],
    ['no frame at all', null, FILE, false],
    ['the dev server', { url: 'http://localhost:5173/', parent: null }, 'http://localhost:5173', true],
    [
      'another port than the dev server',
      { url: 'http://localhost:5174/', parent: null },
      'http://localhost:5173',
      false,
    ],
    ['a garbage URL', { url: 'not a url', parent: null }, FILE, false],
  ])('%s → %s', (_label, frame, rendererUrl, trusted) => {
    expect(isTrustedSender(frame, rendererUrl)).toBe(trusted);
  });

  it.each([
    ['https://argo-rollouts.readthedocs.io/', true],
    ['http://example.com/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://host/share', false],
  ])('opens %s externally: %s', (url, ok) => {
    expect(isOpenableExternally(url)).toBe(ok);
  });
});
