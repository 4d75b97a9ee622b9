/**
 * Whether an IPC message comes from our own page: the top frame of a window we created, at the
 * renderer's own URL (file:// bundle, or the electron-vite dev server). Kept free of `electron`
 * so it is unit-tested; GitHub Desktop once shipped this check inverted.
 */
export function isTrustedSender(
  frame: { readonly url: string; readonly parent: unknown } | null | undefined,
  rendererUrl: string,
): boolean {
  // A frame with a parent is an iframe: never trusted.
  if (!frame || frame.parent !== null) return false;
  let actual: URL;
  let expected: URL;
  try {
    actual = new URL(frame.url);
    expected = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (expected.protocol === 'file:')
    return actual.protocol === 'file:' && actual.pathname === expected.pathname;
  return actual.origin === expected.origin;
}

/** Only https links a person clicked leave the app, and only to the system browser. */
export function isOpenableExternally(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
