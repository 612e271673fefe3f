//! Write-behind journal: every event the page records is queued and appended to IndexedDB in the background,
//! in batches, so `record()` stays synchronous and cheap while no recorded event is lost on reload.
//!
//! `flush()` resolves once everything queued so far is committed (or rejects with the storage error). A failed
//! batch (quota exceeded, storage gone) stays queued: the next `record` or `flush` retries it, and the error is
//! kept for `stats().storageNote`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use super::storage::{StorageError, Store};

/// The write-behind queue of one recommender.
#[derive(Debug)]
pub struct Journal {
    store: Store,
    queue: RefCell<Vec<Vec<u8>>>,
    writing: Cell<bool>,
    last_error: RefCell<Option<StorageError>>,
    waiters: RefCell<Vec<(Function, Function)>>,
    last_key: Cell<f64>,
    generation: Cell<u32>,
}

impl Journal {
    /// A journal writing to `store`; `last_key` is the highest event key already in the store.
    pub fn new(store: Store, last_key: f64) -> Rc<Journal> {
        Rc::new(Journal {
            store,
            queue: RefCell::new(Vec::new()),
            writing: Cell::new(false),
            last_error: RefCell::new(None),
            waiters: RefCell::new(Vec::new()),
            last_key: Cell::new(last_key),
            generation: Cell::new(0),
        })
    }

    /// The store behind the journal.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Events queued and not yet committed.
    pub fn pending(&self) -> usize {
        self.queue.borrow().len()
    }

    /// The last storage error, if the last write failed.
    pub fn last_error(&self) -> Option<StorageError> {
        self.last_error.borrow().clone()
    }

    /// The highest event key committed by this journal (or found at open).
    pub fn last_key(&self) -> f64 {
        self.last_key.get()
    }

    /// Queues one encoded event and starts the writer if it is idle.
    pub fn push(self: &Rc<Self>, record: Vec<u8>) {
        self.queue.borrow_mut().push(record);
        self.kick();
    }

    /// Drops everything queued (used by `forget`).
    pub fn discard(&self) {
        self.queue.borrow_mut().clear();
        self.generation.set(self.generation.get().wrapping_add(1));
    }

    /// A promise that resolves when the queue is empty and committed, or rejects with the storage error.
    pub fn flush(self: &Rc<Self>) -> Promise {
        let this = self.clone();
        let promise = Promise::new(&mut |resolve: Function, reject: Function| {
            this.waiters.borrow_mut().push((resolve, reject));
        });
        if self.writing.get() {
            return promise; // the running writer settles the waiters when it stops
        }
        self.kick();
        if !self.writing.get() {
            self.settle();
        }
        promise
    }

    fn kick(self: &Rc<Self>) {
        if self.writing.get() || self.queue.borrow().is_empty() {
            return;
        }
        self.writing.set(true);
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let batch: Vec<Vec<u8>> = this.queue.borrow().clone();
                if batch.is_empty() {
                    break;
                }
                let generation = this.generation.get();
                match this.store.append_events(&batch).await {
                    Ok(keys) => {
                        if this.generation.get() == generation {
                            let n = batch.len().min(this.pending());
                            this.queue.borrow_mut().drain(..n);
                        }
                        if let Some(k) = keys.iter().copied().reduce(f64::max) {
                            this.last_key.set(this.last_key.get().max(k));
                        }
                        *this.last_error.borrow_mut() = None;
                    }
                    Err(e) => {
                        *this.last_error.borrow_mut() = Some(e);
                        break; // keep the batch queued; the next push or flush retries
                    }
                }
            }
            this.writing.set(false);
            this.settle();
        });
    }

    fn settle(&self) {
        let waiters: Vec<_> = self.waiters.borrow_mut().drain(..).collect();
        let error = self.last_error();
        for (resolve, reject) in waiters {
            let _ = match &error {
                None => resolve.call0(&JsValue::NULL),
                Some(e) => reject.call1(
                    &JsValue::NULL,
                    &JsError::new(&format!("alsobuy: {e}")).into(),
                ),
            };
        }
    }
}
