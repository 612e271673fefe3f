// "Train now": runs the engine's fine-tuning (`Recommender.train`, docs/js-api.md) in a module Web Worker
// (../train-worker.js) and reports progress. `train` is not in the widget's module the page loads: the worker
// imports the module that has it (alsobuy/models, /pkg/models/), so the page downloads it only when the shopper
// asks to train. A page without Web Workers or without a recommender gets a disabled button with a note; a
// package whose models module lacks `train` answers the click with an error (the worker's `unavailable`), and
// nothing pretends to train.

/** True when this page can fine-tune: it has a recommender and can start a module worker. */
export function trainingAvailable(rec) {
  return Boolean(rec) && typeof Worker === 'function';
}

/**
 * Trains in a worker. `job` = { namespace?, pack?: Uint8Array, catalog?: CatalogItem[], epochs }.
 * `onProgress(fraction, detail)` is called with 0..1. Resolves with the worker's final message.
 */
export function trainInWorker(job, onProgress) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../train-worker.js', import.meta.url), { type: 'module', name: 'alsobuy-train' });
    const done = (fn, v) => { worker.terminate(); fn(v); };
    worker.addEventListener('message', (ev) => {
      const m = ev.data ?? {};
      if (m.type === 'progress') onProgress(m.fraction, m);
      else if (m.type === 'done') done(resolve, m);
      else if (m.type === 'unavailable') done(reject, new Error(m.message ?? 'training is not available in this build'));
      else if (m.type === 'error') done(reject, new Error(m.message));
    });
    worker.addEventListener('error', (e) => done(reject, new Error(e.message || 'the training worker failed to start')));
    const pack = job.pack ? job.pack.slice() : undefined; // a copy we can transfer
    worker.postMessage({ type: 'train', namespace: job.namespace, pack, catalog: job.catalog, epochs: job.epochs },
      pack ? [pack.buffer] : []);
  });
}
