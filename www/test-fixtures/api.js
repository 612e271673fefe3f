// Loads the package and hands it to the browser tests (tests/e2e/faults.test.mjs) as window.alsobuy.
import init, * as alsobuy from '/pkg/alsobuy.js';

await init();
window.alsobuy = alsobuy;
window.catalog = await (await fetch('/data/catalog.json')).json();
document.documentElement.dataset.ready = 'true';
