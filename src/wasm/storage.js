// IndexedDB for src/wasm/storage.rs (its docs say why and how). Every promise rejects with a "name: message" string.
const E = 'events', S = 'state';
const describe = (e) => (e != null && typeof e === 'object' && 'name' in e && 'message' in e ? `${e.name}: ${e.message}` : String(e));
const run = (f) => new Promise(f).catch((e) => { throw describe(e); });
const request = (r, ok, bad) => { r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); };
const committed = (tx, ok, bad) => {
  tx.oncomplete = () => ok();
  tx.onabort = () => bad(tx.error ?? 'aborted');
  tx.onerror = () => bad(tx.error ?? 'error');
};
const factory = () => {
  const f = globalThis.indexedDB;
  if (f == null || typeof IDBFactory === 'undefined' || !(f instanceof IDBFactory)) throw 'no indexedDB on this global';
  return f;
};
const store = (db, name, mode) => db.transaction([name], mode).objectStore(name);

export function idb_unavailable() {
  try { factory(); } catch (e) { return describe(e); }
}

export function idb_open(name, version) {
  return run((ok, bad) => {
    const r = factory().open(name, version);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains(E)) db.createObjectStore(E, { autoIncrement: true });
      if (!db.objectStoreNames.contains(S)) db.createObjectStore(S);
    };
    // Another tab upgrading the schema: close so it is not blocked; this tab continues in memory.
    request(r, (db) => { db.onversionchange = () => db.close(); ok(db); }, bad);
  });
}

export function idb_append(db, records) {
  return run((ok, bad) => {
    const tx = db.transaction([E], 'readwrite');
    const reqs = records.map((v) => tx.objectStore(E).add(v));
    committed(tx, () => ok(reqs.map((r) => r.result).filter((k) => typeof k === 'number')), bad);
  });
}

export function idb_events_after(db, after) {
  return run((ok, bad) => {
    const s = store(db, E, 'readonly'), range = IDBKeyRange.lowerBound(after, true);
    const keys = s.getAllKeys(range);
    request(s.getAll(range), (values) => ok([keys.result, values]), bad);
  });
}

export function idb_put(db, name, schema, bytes, covers) {
  return run((ok, bad) => {
    const tx = db.transaction([S], 'readwrite');
    tx.objectStore(S).put({ schema, bytes, covers }, name);
    committed(tx, ok, bad);
  });
}

export const idb_get = (db, name) => run((ok, bad) => request(store(db, S, 'readonly').get(name), ok, bad));

export function idb_clear(db) {
  return run((ok, bad) => {
    const tx = db.transaction([E, S], 'readwrite');
    tx.objectStore(E).clear();
    tx.objectStore(S).clear();
    committed(tx, ok, bad);
  });
}

export const idb_delete = (name) => run((ok, bad) => request(factory().deleteDatabase(name), ok, bad));

export const idb_names = () => run((ok) => {
  const f = factory();
  ok(typeof f.databases === 'function' ? f.databases().then((l) => l.map((d) => d.name).filter((n) => typeof n === 'string')) : []);
});
