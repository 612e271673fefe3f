// Module Web Worker: fine-tunes this shopper's model off the main thread with the package's
// `train({ epochs, onProgress })` (docs/js-api.md). Training from scratch is in the lazily loaded module
// alsobuy/models (/pkg/models/alsobuy_models.js), not in the widget's module the page loads: only this worker
// downloads it, when the shopper asks to train. A package without `train` is answered with `unavailable`.
//
// Message in:  { type: 'train', namespace?, pack?: Uint8Array, catalog?: CatalogItem[], epochs }
// Messages out: { type: 'progress', fraction, epoch?, epochs?, loss? } …, then { type: 'done', stats }
//               or { type: 'unavailable', message } or { type: 'error', message }.
//
// The worker opens the same IndexedDB namespace as the page (so it sees the shopper's stored events), trains
// (the engine saves the new model in IndexedDB when training ends), and the page then re-opens its Recommender
// (the widget's module: same storage format), which loads that model. All training logic is in the package; this file only relays progress.
import init, * as alsobuy from '/pkg/models/alsobuy_models.js';

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
        self.postMessage({ type: 'progress', fraction: p.fraction, epoch: p.epoch, epochs: p.epochs, loss: p.loss });
      },
    });
    await rec.flush();
    const stats = rec.stats();
    rec.free();
    self.postMessage({ type: 'done', stats: { events: stats.events, items: stats.items, model: stats.model } });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e?.message ?? e) });
  }
});
