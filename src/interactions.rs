//! A compact user × item interaction matrix (CSR, `f32` weights) with per-user histories and per-session
//! baskets: the training input of the offline scorers in [`crate::scorers`].
//!
//! Rows are *users*: a named shopper, or — for a row whose user is missing — the session itself (an anonymous
//! session is its own shopper). Each user row lists the distinct items the user touched, ordered by the time
//! of their **last** interaction with it (oldest first; ties keep input order), with the summed event weight.
//! Session rows list the distinct items of each session (a basket) with summed weights.
//!
//! Memory: `O(rows + nnz)`; building sorts each row once, `O(nnz log nnz)` overall.

use std::collections::HashMap;

use thiserror::Error;

use crate::ids::{validate_id, Interner};

/// What can go wrong while building an [`Interactions`] matrix.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum InteractionsError {
    /// An id is empty, too long or contains control characters.
    #[error(transparent)]
    InvalidId(#[from] crate::error::Error),
    /// A weight is NaN, infinite or not positive.
    #[error("weight must be a finite number > 0, got {0}")]
    BadWeight(f32),
    /// More distinct ids than `u32` can index, or more rows than fit in memory indexing.
    #[error("too many {0}: the limit is {1}")]
    TooMany(&'static str, usize),
}

/// A compressed sparse row matrix with `f32` values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    /// Builds a CSR matrix from per-row `(column, value)` lists, kept in the given order.
    pub fn from_rows(rows: &[Vec<(u32, f32)>]) -> Self {
        let nnz = rows.iter().map(Vec::len).sum();
        let mut out = Csr {
            indptr: Vec::with_capacity(rows.len() + 1),
            indices: Vec::with_capacity(nnz),
            values: Vec::with_capacity(nnz),
        };
        out.indptr.push(0);
        for row in rows {
            for &(c, v) in row {
                out.indices.push(c);
                out.values.push(v);
            }
            out.indptr.push(out.indices.len());
        }
        out
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The columns and values of row `r`; empty slices when `r` is out of range.
    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        match (self.indptr.get(r), self.indptr.get(r + 1)) {
            (Some(&a), Some(&b)) => (
                self.indices.get(a..b).unwrap_or(&[]),
                self.values.get(a..b).unwrap_or(&[]),
            ),
            _ => (&[], &[]),
        }
    }

    /// The transpose (`n_cols` columns become rows); entries of each new row ascend by old row index.
    /// Columns `>= n_cols` are dropped. `O(nnz + n_cols)`.
    pub fn transpose(&self, n_cols: usize) -> Csr {
        let mut counts = vec![0usize; n_cols + 1];
        for &c in &self.indices {
            if let Some(x) = counts.get_mut(c as usize + 1) {
                *x += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let indptr = counts.clone();
        let nnz = indptr.last().copied().unwrap_or(0);
        let mut next = counts;
        let mut indices = vec![0u32; nnz];
        let mut values = vec![0f32; nnz];
        for r in 0..self.n_rows() {
            let (cols, vals) = self.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                if let Some(slot) = next.get_mut(c as usize) {
                    let p = *slot;
                    *slot += 1;
                    if let (Some(ix), Some(vx)) = (indices.get_mut(p), values.get_mut(p)) {
                        *ix = r as u32;
                        *vx = v;
                    }
                }
            }
        }
        Csr {
            indptr,
            indices,
            values,
        }
    }
}

/// Key of a user row: a named user, or an anonymous session standing for itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UserKey {
    Named(u32),
    Session(u32),
}

#[derive(Debug, Clone, Copy)]
struct Row {
    user: u32,
    session: u32,
    item: u32,
    weight: f32,
    timestamp: i64,
}

/// Collects interaction rows, then [`build`](InteractionsBuilder::build)s an [`Interactions`].
#[derive(Debug, Clone, Default)]
pub struct InteractionsBuilder {
    users: Interner,
    sessions: Interner,
    items: Interner,
    row_keys: Vec<UserKey>,
    row_of: HashMap<UserKey, u32>,
    rows: Vec<Row>,
}

impl InteractionsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder whose item indices start with `items` (e.g. a catalogue), so items without interactions
    /// still get an index and take part in rankings.
    pub fn with_items(items: Interner) -> Self {
        Self {
            items,
            ..Self::default()
        }
    }

    /// The index of item `name`, interning it when new (validated as an id).
    pub fn item(&mut self, name: &str) -> Result<u32, InteractionsError> {
        validate_id("item", name)?;
        Ok(self.items.intern(name)?)
    }

    /// Adds one interaction: `user` (`None` = anonymous: the session is the user), `session`, `item`, a
    /// positive finite `weight` (summed over repeats), and a `timestamp` (any unit; only the order matters).
    pub fn push(
        &mut self,
        user: Option<&str>,
        session: &str,
        item: &str,
        weight: f32,
        timestamp: i64,
    ) -> Result<(), InteractionsError> {
        if !(weight.is_finite() && weight > 0.0) {
            return Err(InteractionsError::BadWeight(weight));
        }
        validate_id("session", session)?;
        let session = self.sessions.intern(session)?;
        let key = match user {
            Some(u) if !u.is_empty() => {
                validate_id("user", u)?;
                UserKey::Named(self.users.intern(u)?)
            }
            _ => UserKey::Session(session),
        };
        let item = self.item(item)?;
        let next = self.row_keys.len();
        let user = match self.row_of.get(&key) {
            Some(&r) => r,
            None => {
                let r = u32::try_from(next)
                    .map_err(|_| InteractionsError::TooMany("user rows", u32::MAX as usize))?;
                self.row_of.insert(key.clone(), r);
                self.row_keys.push(key);
                r
            }
        };
        self.rows.push(Row {
            user,
            session,
            item,
            weight,
            timestamp,
        });
        Ok(())
    }

    /// Number of distinct items so far (given at construction or pushed).
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Whether item `name` already has an index.
    pub fn has_item(&self, name: &str) -> bool {
        self.items.get(name).is_some()
    }

    /// Number of rows pushed so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Builds the matrix. `O(nnz log nnz)` time, `O(nnz)` memory.
    pub fn build(self) -> Interactions {
        let InteractionsBuilder {
            users,
            sessions,
            items,
            row_keys,
            rows,
            ..
        } = self;
        let n_items = items.len();
        // User rows: sort by (user, timestamp, input order); walk each user's group backwards so the first
        // sighting of an item is its last interaction, summing weights on the way. O(nnz log nnz).
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_by_key(|&i| rows.get(i as usize).map(|r| (r.user, r.timestamp, i)));
        let mut user_rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); row_keys.len()];
        let mut user_ts: Vec<Vec<i64>> = vec![Vec::new(); row_keys.len()];
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let mut start = 0;
        while start < order.len() {
            let user_of = |k: usize| {
                order
                    .get(k)
                    .and_then(|&i| rows.get(i as usize))
                    .map(|r| r.user)
            };
            let user = user_of(start);
            let mut end = start;
            while end < order.len() && user_of(end) == user {
                end += 1;
            }
            seen.clear();
            let mut list: Vec<(u32, f32)> = Vec::new();
            let mut ts: Vec<i64> = Vec::new();
            for &i in order.get(start..end).unwrap_or(&[]).iter().rev() {
                let Some(r) = rows.get(i as usize) else {
                    continue;
                };
                match seen.get(&r.item) {
                    Some(&p) => {
                        if let Some(e) = list.get_mut(p) {
                            e.1 += r.weight;
                        }
                    }
                    None => {
                        seen.insert(r.item, list.len());
                        list.push((r.item, r.weight));
                        ts.push(r.timestamp);
                    }
                }
            }
            list.reverse();
            ts.reverse();
            if let Some(u) = user {
                if let (Some(l), Some(t)) =
                    (user_rows.get_mut(u as usize), user_ts.get_mut(u as usize))
                {
                    *l = list;
                    *t = ts;
                }
            }
            start = end;
        }
        // Session rows: distinct items in first-seen order, weights summed.
        order.sort_by_key(|&i| rows.get(i as usize).map(|r| (r.session, i)));
        let mut session_rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); sessions.len()];
        let mut session_row = vec![u32::MAX; sessions.len()];
        let mut current = u32::MAX;
        for &i in &order {
            let Some(r) = rows.get(i as usize) else {
                continue;
            };
            if r.session != current {
                current = r.session;
                seen.clear();
                if let Some(x) = session_row.get_mut(r.session as usize) {
                    *x = r.user;
                }
            }
            let Some(list) = session_rows.get_mut(r.session as usize) else {
                continue;
            };
            match seen.get(&r.item) {
                Some(&p) => {
                    if let Some(e) = list.get_mut(p) {
                        e.1 += r.weight;
                    }
                }
                None => {
                    seen.insert(r.item, list.len());
                    list.push((r.item, r.weight));
                }
            }
        }
        let mut popularity = vec![0u32; n_items];
        for row in &user_rows {
            for &(it, _) in row {
                if let Some(p) = popularity.get_mut(it as usize) {
                    *p += 1;
                }
            }
        }
        let mut user_row = vec![u32::MAX; users.len()];
        let row_owner = row_keys
            .iter()
            .enumerate()
            .map(|(r, k)| match k {
                UserKey::Named(u) => {
                    if let Some(x) = user_row.get_mut(*u as usize) {
                        *x = r as u32;
                    }
                    RowOwner::User(*u)
                }
                UserKey::Session(s) => RowOwner::Session(*s),
            })
            .collect();
        let last_ts = user_ts.into_iter().flatten().collect();
        Interactions {
            users,
            sessions,
            items,
            by_user: Csr::from_rows(&user_rows),
            last_ts,
            by_session: Csr::from_rows(&session_rows),
            session_row,
            row_owner,
            user_row,
            popularity,
        }
    }
}

/// Who owns a user row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOwner {
    /// A named user (index into [`Interactions::users`]).
    User(u32),
    /// An anonymous session (index into [`Interactions::sessions`]).
    Session(u32),
}

/// The built interaction data: user rows, session baskets, item popularity, and the id interners.
#[derive(Debug, Clone)]
pub struct Interactions {
    users: Interner,
    sessions: Interner,
    items: Interner,
    by_user: Csr,
    last_ts: Vec<i64>,
    by_session: Csr,
    /// Per session, the user row of its first event.
    session_row: Vec<u32>,
    row_owner: Vec<RowOwner>,
    user_row: Vec<u32>,
    popularity: Vec<u32>,
}

impl Interactions {
    /// Number of items (columns), including items that were interned but never interacted with.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of user rows (named users plus anonymous sessions).
    pub fn n_rows(&self) -> usize {
        self.by_user.n_rows()
    }

    /// Number of stored (user row, item) entries.
    pub fn nnz(&self) -> usize {
        self.by_user.nnz()
    }

    /// The item interner (index ↔ id).
    pub fn items(&self) -> &Interner {
        &self.items
    }

    /// The named-user interner.
    pub fn users(&self) -> &Interner {
        &self.users
    }

    /// The session interner.
    pub fn sessions(&self) -> &Interner {
        &self.sessions
    }

    /// The user × item matrix: each row's items ordered by last interaction, oldest first.
    pub fn user_matrix(&self) -> &Csr {
        &self.by_user
    }

    /// The session × item matrix (baskets), distinct items in first-seen order.
    pub fn session_matrix(&self) -> &Csr {
        &self.by_session
    }

    /// Who owns user row `row`.
    pub fn row_owner(&self, row: usize) -> Option<RowOwner> {
        self.row_owner.get(row).copied()
    }

    /// The user row of named user `user`, if they have interactions.
    pub fn row_of_user(&self, user: &str) -> Option<usize> {
        let u = self.users.get(user)?;
        let r = *self.user_row.get(u as usize)?;
        (r != u32::MAX).then_some(r as usize)
    }

    /// Row `row`'s history: `(item, summed weight)` ordered by last interaction, oldest first.
    pub fn history(&self, row: usize) -> Vec<(u32, f32)> {
        let (items, weights) = self.by_user.row(row);
        items.iter().copied().zip(weights.iter().copied()).collect()
    }

    /// The timestamps of the last interaction of each entry of [`history`](Self::history)`(row)`.
    pub fn history_timestamps(&self, row: usize) -> &[i64] {
        match (
            self.by_user.indptr.get(row),
            self.by_user.indptr.get(row + 1),
        ) {
            (Some(&a), Some(&b)) => self.last_ts.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Per item, the number of distinct user rows that touched it.
    pub fn popularity(&self) -> &[u32] {
        &self.popularity
    }

    /// A copy without the `(user row, item)` entries in `removed`: each is dropped from its user row and from
    /// the sessions that row owns, and popularity is recounted. Ids, rows and item indices are unchanged, so
    /// a model fitted on the copy scores in the same index space (internal validation splits use this).
    /// `O(nnz + sessions)`.
    pub fn without(&self, removed: &[(usize, u32)]) -> Interactions {
        let gone: std::collections::HashSet<(usize, u32)> = removed.iter().copied().collect();
        let mut user_rows = Vec::with_capacity(self.by_user.n_rows());
        let mut last_ts = Vec::with_capacity(self.last_ts.len());
        for r in 0..self.by_user.n_rows() {
            let (cols, vals) = self.by_user.row(r);
            let ts = self.history_timestamps(r);
            let mut row = Vec::with_capacity(cols.len());
            for (k, (&c, &v)) in cols.iter().zip(vals).enumerate() {
                if !gone.contains(&(r, c)) {
                    row.push((c, v));
                    last_ts.push(ts.get(k).copied().unwrap_or(0));
                }
            }
            user_rows.push(row);
        }
        let session_rows: Vec<Vec<(u32, f32)>> = (0..self.by_session.n_rows())
            .map(|s| {
                let owner = self.session_row.get(s).map_or(usize::MAX, |&o| o as usize);
                let (cols, vals) = self.by_session.row(s);
                cols.iter()
                    .zip(vals)
                    .filter(|(&c, _)| !gone.contains(&(owner, c)))
                    .map(|(&c, &v)| (c, v))
                    .collect()
            })
            .collect();
        let mut popularity = vec![0u32; self.popularity.len()];
        for row in &user_rows {
            for &(it, _) in row {
                if let Some(p) = popularity.get_mut(it as usize) {
                    *p += 1;
                }
            }
        }
        Interactions {
            users: self.users.clone(),
            sessions: self.sessions.clone(),
            items: self.items.clone(),
            by_user: Csr::from_rows(&user_rows),
            last_ts,
            by_session: Csr::from_rows(&session_rows),
            session_row: self.session_row.clone(),
            row_owner: self.row_owner.clone(),
            user_row: self.user_row.clone(),
            popularity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Interactions {
        let mut b = InteractionsBuilder::new();
        b.push(Some("ann"), "s1", "milk", 1.0, 10).unwrap();
        b.push(Some("ann"), "s1", "bread", 3.0, 11).unwrap();
        b.push(Some("ann"), "s2", "milk", 5.0, 20).unwrap();
        b.push(None, "s3", "eggs", 1.0, 5).unwrap();
        b.push(None, "s3", "milk", 1.0, 5).unwrap();
        b.push(Some("bob"), "s4", "bread", 1.0, 1).unwrap();
        b.build()
    }

    #[test]
    fn history_is_ordered_by_last_interaction_and_weights_sum() {
        let x = sample();
        let ann = x.row_of_user("ann").unwrap();
        let h = x.history(ann);
        let names: Vec<_> = h.iter().map(|&(i, _)| x.items().name(i).unwrap()).collect();
        assert_eq!(names, ["bread", "milk"]);
        assert_eq!(h[1].1, 6.0);
        assert_eq!(x.history_timestamps(ann), &[11, 20]);
    }

    #[test]
    fn anonymous_sessions_are_their_own_rows() {
        let x = sample();
        assert_eq!(x.n_rows(), 3);
        assert_eq!(x.n_items(), 3);
        assert_eq!(x.nnz(), 5);
        assert_eq!(x.row_owner(1), Some(RowOwner::Session(2)));
        assert_eq!(x.row_of_user("nobody"), None);
        let milk = x.items().get("milk").unwrap() as usize;
        assert_eq!(x.popularity()[milk], 2);
        assert_eq!(x.session_matrix().n_rows(), 4);
        assert_eq!(x.session_matrix().row(1).0.len(), 1);
    }

    #[test]
    fn without_drops_entries_from_rows_sessions_and_popularity() {
        let x = sample();
        let ann = x.row_of_user("ann").unwrap();
        let milk = x.items().get("milk").unwrap();
        let y = x.without(&[(ann, milk)]);
        assert_eq!(y.nnz(), x.nnz() - 1);
        assert_eq!(y.popularity()[milk as usize], 1);
        assert_eq!(y.history_timestamps(ann), &[11]);
        // ann's sessions s1 and s2 lose milk; the anonymous s3 keeps it.
        let s_nnz = |d: &Interactions| d.session_matrix().nnz();
        assert_eq!(s_nnz(&y), s_nnz(&x) - 2);
        assert_eq!(y.n_items(), x.n_items());
        assert_eq!(x.without(&[]).user_matrix(), x.user_matrix());
    }

    #[test]
    fn transpose_round_trips() {
        let x = sample();
        let t = x.user_matrix().transpose(x.n_items());
        assert_eq!(t.nnz(), x.nnz());
        let tt = t.transpose(x.n_rows());
        for r in 0..x.n_rows() {
            let mut a: Vec<_> = x.user_matrix().row(r).0.to_vec();
            a.sort_unstable();
            assert_eq!(tt.row(r).0, a.as_slice());
        }
        assert_eq!(x.user_matrix().row(99), (&[][..], &[][..]));
    }

    #[test]
    fn bad_rows_are_rejected() {
        let mut b = InteractionsBuilder::new();
        assert_eq!(
            b.push(None, "s", "x", f32::NAN, 0).unwrap_err().to_string(),
            "weight must be a finite number > 0, got NaN"
        );
        assert!(b.push(None, "", "x", 1.0, 0).is_err());
        assert!(b.push(None, "s", " ", 1.0, 0).is_err());
        assert!(b.is_empty());
    }
}
