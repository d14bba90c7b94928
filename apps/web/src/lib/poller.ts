/**
 * Runs `task` now and then every `intervalMs` after the previous run finished (never two at once, so a slow
 * gateway is not flooded). `stop()` ends it; a task returning `false` ends it too (e.g. an order reached its
 * final status).
 */
export function poll(task: () => Promise<boolean | void>, intervalMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    if (stopped) return;
    let again = true;
    try {
      again = (await task()) !== false;
    } catch (error: unknown) {
      // Tasks show their own errors; one that throws anyway must be visible rather than silently stop polling.
      console.error('poll task failed', error);
    }
    if (!stopped && again) timer = setTimeout(() => void run(), intervalMs);
  };
  void run();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
