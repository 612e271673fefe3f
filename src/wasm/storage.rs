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
//!
//! The IndexedDB calls themselves are a small JS module, `src/wasm/storage.js` (wasm-pack copies it to
//! `pkg/snippets/`; the glue imports it): promise-returning functions that reject with the browser's
//! `name: message` string. Every decision (schema check, error kinds, messages) stays here. Driving IndexedDB's
//! request and transaction events from Rust through web-sys and closures cost the download 5.2 KiB gzip more
//! than this module does, its own 1.1 KiB included (2026-12-01, branch size3). web-sys still gives the handle its
//! type: the open database is a [`web_sys::IdbDatabase`] (checked with `instanceof` when it arrives), every
//! snippet function takes that type, and closing goes through web-sys directly.

use js_sys::{Array, Promise, Reflect, Uint8Array};
use thiserror::Error;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::IdbDatabase;

#[wasm_bindgen(module = "/src/wasm/storage.js")]
extern "C" {
    fn idb_unavailable() -> Option<String>;
    fn idb_open(name: &str, version: u32) -> Promise;
    fn idb_append(db: &IdbDatabase, records: &Array) -> Promise;
    fn idb_events_after(db: &IdbDatabase, after: f64) -> Promise;
    fn idb_put(
        db: &IdbDatabase,
        name: &str,
        schema: u32,
        bytes: &Uint8Array,
        covers: f64,
    ) -> Promise;
    fn idb_get(db: &IdbDatabase, name: &str) -> Promise;
    fn idb_clear(db: &IdbDatabase) -> Promise;
    fn idb_delete(name: &str) -> Promise;
    fn idb_names() -> Promise;
}

/// The IndexedDB schema version of alsobuy's databases.
pub const SCHEMA_VERSION: u32 = 1;

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

/// The error's text (storage.js rejects with `"name: message"` strings).
fn describe(v: &JsValue) -> String {
    v.as_string().unwrap_or_else(|| super::dto::describe(v))
}

fn failed(op: &'static str) -> impl Fn(JsValue) -> StorageError {
    move |e| {
        let detail = describe(&e);
        if detail.contains("QuotaExceededError") {
            StorageError::QuotaExceeded(op)
        } else {
            StorageError::Failed { op, detail }
        }
    }
}

/// Awaits one of storage.js's promises, mapping a rejection to [`StorageError`] for `op`.
async fn call(promise: Promise, op: &'static str) -> Result<JsValue, StorageError> {
    JsFuture::from(promise).await.map_err(failed(op))
}

/// [`StorageError::Unavailable`] when this global has no usable `indexedDB`.
fn available() -> Result<(), StorageError> {
    match idb_unavailable() {
        Some(detail) => Err(StorageError::Unavailable(detail)),
        None => Ok(()),
    }
}

/// The database name used for `namespace`.
pub fn database_name(namespace: &str) -> String {
    format!("alsobuy:{namespace}")
}

/// One open alsobuy database.
#[derive(Debug, Clone)]
pub struct Store {
    /// The open connection.
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
        available()?;
        let db = call(idb_open(&database_name(namespace), SCHEMA_VERSION), "open")
            .await
            .map_err(|e| match e {
                StorageError::Failed { detail, .. } if detail.starts_with("VersionError") => {
                    StorageError::NewerSchema {
                        found: SCHEMA_VERSION + 1,
                    }
                }
                StorageError::Failed { detail, .. } => StorageError::Unavailable(detail),
                other => other,
            })?;
        let db = db.dyn_into::<IdbDatabase>().map_err(|v| {
            StorageError::Unavailable(format!(
                "open returned {}, not an IDBDatabase",
                describe(&v)
            ))
        })?;
        Ok(Store { db })
    }

    /// Appends records to the event log, in one transaction; returns their keys once committed.
    pub async fn append_events(&self, records: &[Vec<u8>]) -> Result<Vec<f64>, StorageError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let values: Array = records
            .iter()
            .map(|r| JsValue::from(Uint8Array::from(r.as_slice())))
            .collect();
        let keys = call(idb_append(&self.db, &values), "append events").await?;
        Ok(Array::from(&keys)
            .iter()
            .filter_map(|k| k.as_f64())
            .collect())
    }

    /// Every event record with a key above `after`, in key order, as `(key, bytes)`. Records that are not byte
    /// arrays (corrupted or foreign) are returned as `None` bytes so the caller can report them.
    pub async fn events_after(
        &self,
        after: f64,
    ) -> Result<Vec<(f64, Option<Vec<u8>>)>, StorageError> {
        let pair = Array::from(&call(idb_events_after(&self.db, after), "read events").await?);
        let keys = Array::from(&pair.get(0));
        let values = Array::from(&pair.get(1));
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
        let bytes = Uint8Array::from(blob.bytes.as_slice());
        let put = idb_put(
            &self.db,
            name,
            SCHEMA_VERSION,
            &bytes,
            blob.covers_events_up_to,
        );
        call(put, "save state").await.map(|_| ())
    }

    /// Reads a named blob; `Ok(None)` when there is none, [`StorageError::Failed`] when the record is malformed.
    pub async fn get_blob(&self, name: &str) -> Result<Option<Blob>, StorageError> {
        let v = call(idb_get(&self.db, name), "load state").await?;
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
        call(idb_clear(&self.db), "clear").await.map(|_| ())
    }

    /// Closes the connection.
    pub fn close(&self) {
        self.db.close();
    }
}

/// Deletes the whole database of `namespace` (every byte alsobuy stored there).
pub async fn delete_database(namespace: &str) -> Result<(), StorageError> {
    available()?;
    call(idb_delete(&database_name(namespace)), "delete database")
        .await
        .map(|_| ())
}

/// Names of the databases on this origin, where the browser can list them (`indexedDB.databases()`).
pub async fn database_names() -> Result<Vec<String>, StorageError> {
    available()?;
    let list = call(idb_names(), "list databases").await?;
    Ok(Array::from(&list)
        .iter()
        .filter_map(|d| d.as_string())
        .collect())
}
