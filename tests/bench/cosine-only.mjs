// A stand-in for today's pkg/alsobuy.js: only `cosine`, none of the benchmark's building blocks.
export default async function init() {}
export function cosine() { return 1; }
