//! IndexedDB persistence for the shopper's own data (events, fine-tuned model): never the network.
//!
//! One database per namespace, `alsobuy:<namespace>`, schema version [`SCHEMA_VERSION`], with two object stores:
//! - `events`: an append-only log, auto-incremented keys, one record per event (bytes). Appends from several tabs
//!   interleave without loss or duplication, because each is its own `add` in its own transaction.
//! - `state`: named blobs (`"snapshot"`, `"meta"`). A snapshot and the event key it covers are written in one
//!   transaction, so a reload in the middle of a save sees either the old or the new state, never a mix.
//!
//! Works in windows and workers (it looks up `indexedDB` on the global object). When IndexedDB is missing or
//! refuses to open (private modes, disabled storage), [`Store::open`] returns [`StorageError::Unavailable`] and
//! the caller keeps working in memory.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use thiserror::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, IdbDatabase, IdbFactory, IdbKeyRange, IdbObjectStoreParameters, IdbOpenDbRequest,
    IdbRequest, IdbTransaction, IdbTransactionMode,
};

/// The IndexedDB schema version of alsobuy's databases.
pub const SCHEMA_VERSION: u32 = 1;
const EVENTS: &str = "events";
const STATE: &str = "state";

/// What can go wrong with browser storage.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StorageError {
    /// IndexedDB is missing or refused to open; alsobuy keeps working in memory.
    #[error("IndexedDB is unavailable ({0}); working in memory only")]
    Unavailable(String),
    /// The origin's storage quota is used up; the write did not happen.
    #[error("storage quota exceeded while writing {0}")]
    QuotaExceeded(&'static str),
    /// The database was written by a newer version of alsobuy.
    #[error(
        "the stored data has schema version {found}, newer than this library's {SCHEMA_VERSION}"
    )]
    NewerSchema {
        /// The version found.
        found: u32,
    },
    /// Any other IndexedDB failure, with the browser's error name and message.
    #[error("IndexedDB {op} failed: {detail}")]
    Failed {
        /// The operation.
        op: &'static str,
        /// The browser's `name: message`.
        detail: String,
    },
}

fn describe(v: &JsValue) -> String {
    if let Some(e) = v.dyn_ref::<DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = v.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(e.name()), String::from(e.message()));
    }
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

fn is_quota(v: &JsValue) -> bool {
    v.dyn_ref::<DomException>()
        .map(|e| e.name() == "QuotaExceededError")
        .unwrap_or(false)
        || describe(v).contains("QuotaExceededError")
}

fn failed(op: &'static str) -> impl Fn(JsValue) -> StorageError {
    move |e| {
        if is_quota(&e) {
            StorageError::QuotaExceeded(op)
        } else {
            StorageError::Failed {
                op,
                detail: describe(&e),
            }
        }
    }
}

/// Resolves with the request's result on `success`, rejects with its error on `error`.
async fn request(req: &IdbRequest, op: &'static str) -> Result<JsValue, StorageError> {
    let r = req.clone();
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let ok = r.clone();
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let bad = r.clone();
        let on_err = Closure::once_into_js(move || {
            let err = bad
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        r.set_onsuccess(on_ok.dyn_ref());
        r.set_onerror(on_err.dyn_ref());
    });
    JsFuture::from(promise).await.map_err(failed(op))
}

/// Resolves when the transaction commits; rejects with its error when it aborts or fails.
async fn committed(tx: &IdbTransaction, op: &'static str) -> Result<(), StorageError> {
    let t = tx.clone();
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let bad = t.clone();
        let reject2 = reject.clone();
        let on_abort = Closure::once_into_js(move || {
            let err = bad
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| "aborted".into());
            let _ = reject.call1(&JsValue::NULL, &err);
        });
        let bad = t.clone();
        let on_err = Closure::once_into_js(move || {
            let err = bad
                .error()
                .map(JsValue::from)
                .unwrap_or_else(|| "error".into());
            let _ = reject2.call1(&JsValue::NULL, &err);
        });
        t.set_oncomplete(on_ok.dyn_ref());
        t.set_onabort(on_abort.dyn_ref());
        t.set_onerror(on_err.dyn_ref());
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(failed(op))
}

fn factory() -> Result<IdbFactory, StorageError> {
    let global = js_sys::global();
    let idb = Reflect::get(&global, &"indexedDB".into())
        .map_err(|e| StorageError::Unavailable(describe(&e)))?;
    idb.dyn_into::<IdbFactory>()
        .map_err(|_| StorageError::Unavailable("no indexedDB on this global".into()))
}

/// The database name used for `namespace`.
pub fn database_name(namespace: &str) -> String {
    format!("alsobuy:{namespace}")
}

/// One open alsobuy database.
#[derive(Debug, Clone)]
pub struct Store {
    db: IdbDatabase,
}

/// A blob stored under a name in the `state` store, with the last event key it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The highest `events` key already folded into these bytes (0 = none).
    pub covers_events_up_to: f64,
}

impl Store {
    /// Opens (creating or upgrading) the database for `namespace`.
    pub async fn open(namespace: &str) -> Result<Store, StorageError> {
        let factory = factory()?;
        let req: IdbOpenDbRequest = factory
            .open_with_u32(&database_name(namespace), SCHEMA_VERSION)
            .map_err(|e| {
                if describe(&e).contains("VersionError") {
                    StorageError::NewerSchema {
                        found: SCHEMA_VERSION + 1,
                    }
                } else {
                    StorageError::Unavailable(describe(&e))
                }
            })?;
        let upgrade_req = req.clone();
        let on_upgrade = Closure::once_into_js(move || {
            let Ok(result) = upgrade_req.result() else {
                return;
            };
            let Ok(db) = result.dyn_into::<IdbDatabase>() else {
                return;
            };
            let names = db.object_store_names();
            if !names.contains(EVENTS) {
                let params = IdbObjectStoreParameters::new();
                params.set_auto_increment(true);
                let _ = db.create_object_store_with_optional_parameters(EVENTS, &params);
            }
            if !names.contains(STATE) {
                let _ = db.create_object_store(STATE);
            }
        });
        req.set_onupgradeneeded(on_upgrade.dyn_ref());
        let db = request(&req, "open").await.map_err(|e| match e {
            StorageError::Failed { detail, .. } if detail.starts_with("VersionError") => {
                StorageError::NewerSchema {
                    found: SCHEMA_VERSION + 1,
                }
            }
            StorageError::Failed { detail, .. } => StorageError::Unavailable(detail),
            other => other,
        })?;
        let db: IdbDatabase = db
            .dyn_into()
            .map_err(|_| StorageError::Unavailable("open did not return a database".into()))?;
        // Another tab upgrading the schema: close so it is not blocked; this tab continues in memory.
        let closing = db.clone();
        let on_version_change = Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
        on_version_change.forget();
        Ok(Store { db })
    }

    fn tx(
        &self,
        stores: &[&str],
        mode: IdbTransactionMode,
        op: &'static str,
    ) -> Result<IdbTransaction, StorageError> {
        let names = Array::new();
        for s in stores {
            names.push(&JsValue::from_str(s));
        }
        self.db
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(failed(op))
    }

    /// Appends records to the event log, in one transaction; returns their keys once committed.
    pub async fn append_events(&self, records: &[Vec<u8>]) -> Result<Vec<f64>, StorageError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.tx(&[EVENTS], IdbTransactionMode::Readwrite, "append events")?;
        let store = tx.object_store(EVENTS).map_err(failed("append events"))?;
        let mut reqs = Vec::with_capacity(records.len());
        for r in records {
            let value = Uint8Array::from(r.as_slice());
            reqs.push(store.add(&value).map_err(failed("append events"))?);
        }
        committed(&tx, "append events").await?;
        Ok(reqs
            .iter()
            .filter_map(|r| r.result().ok().and_then(|k| k.as_f64()))
            .collect())
    }

    /// Every event record with a key above `after`, in key order, as `(key, bytes)`. Records that are not byte
    /// arrays (corrupted or foreign) are returned as `None` bytes so the caller can report them.
    pub async fn events_after(
        &self,
        after: f64,
    ) -> Result<Vec<(f64, Option<Vec<u8>>)>, StorageError> {
        let tx = self.tx(&[EVENTS], IdbTransactionMode::Readonly, "read events")?;
        let store = tx.object_store(EVENTS).map_err(failed("read events"))?;
        let range = IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(after), true)
            .map_err(failed("read events"))?;
        let keys = request(
            &store
                .get_all_keys_with_key(&range)
                .map_err(failed("read events"))?,
            "read events",
        )
        .await?;
        let values = request(
            &store
                .get_all_with_key(&range)
                .map_err(failed("read events"))?,
            "read events",
        )
        .await?;
        let keys = Array::from(&keys);
        let values = Array::from(&values);
        Ok((0..keys.length())
            .map(|i| {
                let key = keys.get(i).as_f64().unwrap_or(0.0);
                let v = values.get(i);
                let bytes = v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec);
                (key, bytes)
            })
            .collect())
    }

    /// Writes a named blob covering events up to `covers`, atomically.
    pub async fn put_blob(&self, name: &str, blob: &Blob) -> Result<(), StorageError> {
        let tx = self.tx(&[STATE], IdbTransactionMode::Readwrite, "save state")?;
        let store = tx.object_store(STATE).map_err(failed("save state"))?;
        let rec = js_sys::Object::new();
        let set =
            |k: &str, v: &JsValue| Reflect::set(&rec, &k.into(), v).map_err(failed("save state"));
        set("schema", &JsValue::from(SCHEMA_VERSION))?;
        set("bytes", &Uint8Array::from(blob.bytes.as_slice()).into())?;
        set("covers", &JsValue::from_f64(blob.covers_events_up_to))?;
        store
            .put_with_key(&rec, &JsValue::from_str(name))
            .map_err(failed("save state"))?;
        committed(&tx, "save state").await
    }

    /// Reads a named blob; `Ok(None)` when there is none, [`StorageError::Failed`] when the record is malformed.
    pub async fn get_blob(&self, name: &str) -> Result<Option<Blob>, StorageError> {
        let tx = self.tx(&[STATE], IdbTransactionMode::Readonly, "load state")?;
        let store = tx.object_store(STATE).map_err(failed("load state"))?;
        let v = request(
            &store
                .get(&JsValue::from_str(name))
                .map_err(failed("load state"))?,
            "load state",
        )
        .await?;
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        let field = |k: &str| Reflect::get(&v, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let schema = field("schema").as_f64().unwrap_or(0.0);
        if schema > f64::from(SCHEMA_VERSION) {
            return Err(StorageError::NewerSchema {
                found: schema as u32,
            });
        }
        let bytes = field("bytes")
            .dyn_ref::<Uint8Array>()
            .map(Uint8Array::to_vec)
            .ok_or_else(|| StorageError::Failed {
                op: "load state",
                detail: format!("record {name:?} has no byte payload"),
            })?;
        Ok(Some(Blob {
            bytes,
            covers_events_up_to: field("covers").as_f64().unwrap_or(0.0),
        }))
    }

    /// Empties both stores (the database itself stays).
    pub async fn clear(&self) -> Result<(), StorageError> {
        let tx = self.tx(&[EVENTS, STATE], IdbTransactionMode::Readwrite, "clear")?;
        for s in [EVENTS, STATE] {
            tx.object_store(s)
                .and_then(|st| st.clear())
                .map_err(failed("clear"))?;
        }
        committed(&tx, "clear").await
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.db.close();
    }
}

/// Deletes the whole database of `namespace` (every byte alsobuy stored there).
pub async fn delete_database(namespace: &str) -> Result<(), StorageError> {
    let factory = factory()?;
    let req = factory
        .delete_database(&database_name(namespace))
        .map_err(failed("delete database"))?;
    request(&req, "delete database").await.map(|_| ())
}

/// Names of the databases on this origin, where the browser can list them (`indexedDB.databases()`).
pub async fn database_names() -> Result<Vec<String>, StorageError> {
    let factory = factory()?;
    let f = Reflect::get(&factory, &"databases".into()).map_err(failed("list databases"))?;
    let Some(f) = f.dyn_ref::<Function>() else {
        return Ok(Vec::new());
    };
    let p: Promise = f
        .call0(&factory)
        .map_err(failed("list databases"))?
        .dyn_into()
        .map_err(failed("list databases"))?;
    let list = JsFuture::from(p).await.map_err(failed("list databases"))?;
    Ok(Array::from(&list)
        .iter()
        .filter_map(|d| Reflect::get(&d, &"name".into()).ok()?.as_string())
        .collect())
}
