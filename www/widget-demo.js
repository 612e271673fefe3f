// The bare page's only script besides also-buy.js: shows the alsobuy:click event a host page would handle.
document.addEventListener('alsobuy:click', (e) => {
  e.preventDefault(); // this demo has no product pages to go to
  document.getElementById('last-click').textContent = e.detail.item;
});
