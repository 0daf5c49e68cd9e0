// The browser's page lifecycle: send what waits when the page is hidden or left.

export interface PageHooks {
  /** the page went hidden or is being left: send now, the page may never come back */
  leaving(): void;
  /** the network came back */
  online(): void;
}

/** Listen to visibilitychange, pagehide and online where they exist; returns the undo. */
export function watchPage(hooks: PageHooks): () => void {
  const doc = (globalThis as { document?: Document }).document;
  const win = (globalThis as { window?: Window }).window;
  if (!doc || !win || typeof win.addEventListener !== "function") return () => {};
  const onVisibility = () => {
    if (doc.visibilityState === "hidden") hooks.leaving();
  };
  const onPageHide = () => hooks.leaving();
  const onOnline = () => hooks.online();
  doc.addEventListener("visibilitychange", onVisibility);
  win.addEventListener("pagehide", onPageHide);
  win.addEventListener("online", onOnline);
  return () => {
    doc.removeEventListener("visibilitychange", onVisibility);
    win.removeEventListener("pagehide", onPageHide);
    win.removeEventListener("online", onOnline);
  };
}
