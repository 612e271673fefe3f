import init, { cosine } from '/pkg/alsobuy.js';

await init();
const out = document.getElementById('cosine-result');
out.textContent = cosine(new Float32Array([1, 2, 3]), new Float32Array([2, 4, 6.5])).toFixed(4);
out.dataset.ready = 'true';
