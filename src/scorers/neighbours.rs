//! Per-item neighbour lists in one flat array (compressed rows): the fitted state shared by the `cooccur`
//! and `knn` scorers.

/// Item `i`'s neighbours are `entries[offsets[i]..offsets[i + 1]]`, best first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NeighbourLists {
    offsets: Vec<usize>,
    entries: Vec<(u32, f32)>,
}

impl NeighbourLists {
    /// An empty set of lists, ready for [`NeighbourLists::push_item`] in item order.
    pub fn with_capacity(n_items: usize) -> Self {
        let mut offsets = Vec::with_capacity(n_items + 1);
        offsets.push(0);
        NeighbourLists {
            offsets,
            entries: Vec::new(),
        }
    }

    /// Appends the next item's list (best first).
    pub fn push_item(&mut self, list: impl IntoIterator<Item = (u32, f32)>) {
        self.entries.extend(list);
        self.offsets.push(self.entries.len());
    }

    /// The list of `item`, best first (empty for an unknown item). `O(1)`.
    pub fn of(&self, item: u32) -> &[(u32, f32)] {
        let i = item as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.entries.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Adds `Σ_i w_i · s(i, ·)` for the weighted `inputs` into `out`; neighbours past `out`'s end are
    /// skipped. `O(Σ list lengths)`.
    pub fn accumulate(&self, inputs: &[(u32, f32)], out: &mut [f32]) {
        for &(i, w) in inputs {
            for &(j, s) in self.of(i) {
                if let Some(o) = out.get_mut(j as usize) {
                    *o += w * s;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_found_by_item_and_accumulate_weighted() {
        let mut l = NeighbourLists::with_capacity(3);
        l.push_item([(1, 1.0), (2, 0.5)]);
        l.push_item([]);
        l.push_item([(0, 0.25)]);
        assert_eq!(l.of(0), &[(1, 1.0), (2, 0.5)]);
        assert!(l.of(1).is_empty());
        assert!(l.of(7).is_empty());
        let mut out = vec![0.0; 3];
        l.accumulate(&[(0, 2.0), (2, 4.0), (9, 1.0)], &mut out);
        assert_eq!(out, vec![1.0, 2.0, 1.0]);
    }
}
