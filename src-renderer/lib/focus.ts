/**
 * Puts keyboard focus back on the control that opened a dialog. A control that cannot take focus now (main
 * disabled it, or it is sending) hands it to its nearest `data-focus-return` ancestor, so focus stays in the
 * same panel instead of dropping to the page.
 */
export function returnFocus(opener: Element | null): void {
  if (!(opener instanceof HTMLElement) || !opener.isConnected) return;
  opener.focus();
  if (document.activeElement === opener) return;
  const panel = opener.closest<HTMLElement>('[data-focus-return]');
  panel?.focus();
}
