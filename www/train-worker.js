// Module Web Worker: fine-tunes this shopper's model off the main thread.
//
// WAITING FOR THE API: docs/js-api.md promises `train({ epochs, onProgress })` later. Until the package has it,
// this worker answers `unavailable` and does nothing else (no fake training).
//
// Message in:  { type: 'train', namespace?, pack?: Uint8Array, catalog?: CatalogItem[], epochs }
// Messages out: { type: 'progress', fraction, epoch?, epochs?, loss? } …, then { type: 'done', stats }
//               or { type: 'unavailable', message } or { type: 'error', message }.
//
// The worker opens the same IndexedDB namespace as the page (so it sees the shopper's stored events), trains,
// flushes (the fine-tuned model is persisted by the engine), and the page then re-opens its Recommender.
import init, * as alsobuy from '/pkg/alsobuy.js';

self.addEventListener('message', async (ev) => {
  const job = ev.data ?? {};
  if (job.type !== 'train') return;
  try {
    await init();
    const { Recommender } = alsobuy;
    if (typeof Recommender !== 'function' || typeof Recommender.prototype.train !== 'function') {
      self.postMessage({ type: 'unavailable', message: 'this build of alsobuy has no train()' });
      return;
    }
    const opts = job.namespace ? { namespace: job.namespace } : {};
    if (job.pack) opts.pack = job.pack;
    const rec = await Recommender.open(opts);
    if (!job.pack && Array.isArray(job.catalog)) rec.setCatalog(job.catalog);
    const epochs = Math.max(1, Math.min(100, Number(job.epochs) || 5));
    self.postMessage({ type: 'progress', fraction: 0, epochs });
    await rec.train({
      epochs,
      onProgress: (p) => {
        const fraction = typeof p?.fraction === 'number' ? p.fraction
          : typeof p?.epoch === 'number' ? p.epoch / (p.epochs ?? epochs) : undefined;
        self.postMessage({ type: 'progress', fraction, epoch: p?.epoch, epochs: p?.epochs ?? epochs, loss: p?.loss });
      },
    });
    await rec.flush();
    const stats = rec.stats();
    rec.free();
    self.postMessage({ type: 'done', stats: { events: stats.events, items: stats.items } });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
});
