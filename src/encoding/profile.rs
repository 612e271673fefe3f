//! The shopper profile: a time-decayed, event-weighted sum of item (and search) vectors.

use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::events::Decay;

/// A shopper's interest vector, kept as its value at the time of the latest event added.
///
/// Adding an event at time `t` first decays the sum to `t` (when `t` is later than the reference), then adds
/// `weight · v` (decayed by the gap when the event is older than the reference). So the order of arrival does
/// not matter beyond float rounding. Each update is `O(dim)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    vector: Array1<f32>,
    reference_ms: f64,
    events: u64,
}

impl Profile {
    /// An empty (all zeros) profile of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Profile {
            vector: Array1::zeros(dim),
            reference_ms: 0.0,
            events: 0,
        }
    }

    /// Adds `weight · v` observed at `timestamp_ms`. `O(dim)`.
    ///
    /// Errors: [`Error::DimensionMismatch`] if `v` has the wrong length; [`Error::NotFinite`] if `weight` or
    /// `timestamp_ms` is not finite. A non-finite element of `v` is skipped (treated as 0).
    pub fn add(
        &mut self,
        v: ArrayView1<f32>,
        weight: f32,
        timestamp_ms: f64,
        decay: Decay,
    ) -> Result<()> {
        if v.len() != self.vector.len() {
            return Err(Error::DimensionMismatch {
                what: "item vector",
                got: v.len(),
                expected: self.vector.len(),
            });
        }
        if !weight.is_finite() {
            return Err(Error::NotFinite {
                field: "weight",
                value: f64::from(weight),
            });
        }
        if !timestamp_ms.is_finite() {
            return Err(Error::NotFinite {
                field: "timestamp_ms",
                value: timestamp_ms,
            });
        }
        let mut w = weight;
        if self.events == 0 || timestamp_ms > self.reference_ms {
            if self.events > 0 {
                let f = decay.factor(timestamp_ms - self.reference_ms) as f32;
                self.vector.mapv_inplace(|x| x * f);
            }
            self.reference_ms = timestamp_ms;
        } else {
            w *= decay.factor(self.reference_ms - timestamp_ms) as f32;
        }
        self.vector
            .zip_mut_with(&v, |p, &x| *p += if x.is_finite() { w * x } else { 0.0 });
        self.events += 1;
        Ok(())
    }

    /// The profile vector at its reference time (its direction is what similarity uses; decay to "now" only
    /// rescales it).
    pub fn vector(&self) -> ArrayView1<'_, f32> {
        self.vector.view()
    }

    /// How many events were added.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Time of the latest event added (ms).
    pub fn reference_ms(&self) -> f64 {
        self.reference_ms
    }

    /// Whether the vector is all zeros.
    pub fn is_zero(&self) -> bool {
        self.vector.iter().all(|x| *x == 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use ndarray::array;

    #[test]
    fn decays_older_events() {
        let d = Decay {
            half_life_ms: Some(100.0),
        };
        let mut p = Profile::new(2);
        p.add(array![1.0, 0.0].view(), 1.0, 0.0, d).unwrap();
        p.add(array![0.0, 1.0].view(), 1.0, 100.0, d).unwrap();
        assert_relative_eq!(p.vector()[0], 0.5, epsilon = 1e-6);
        assert_relative_eq!(p.vector()[1], 1.0, epsilon = 1e-6);
    }

    #[test]
    fn arrival_order_does_not_matter() {
        let d = Decay {
            half_life_ms: Some(50.0),
        };
        let evs = [
            (array![1.0f32, 0.0, 2.0], 1.0f32, 10.0),
            (array![0.0, 3.0, 1.0], 5.0, 70.0),
            (array![2.0, 1.0, 0.0], -1.0, 30.0),
        ];
        let mut a = Profile::new(3);
        let mut b = Profile::new(3);
        for (v, w, t) in &evs {
            a.add(v.view(), *w, *t, d).unwrap();
        }
        for (v, w, t) in evs.iter().rev() {
            b.add(v.view(), *w, *t, d).unwrap();
        }
        for (x, y) in a.vector().iter().zip(b.vector().iter()) {
            assert_relative_eq!(*x, *y, epsilon = 1e-5);
        }
        assert_eq!(a.reference_ms(), 70.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut p = Profile::new(2);
        assert!(p.add(array![1.0].view(), 1.0, 0.0, Decay::NONE).is_err());
        assert!(p
            .add(array![1.0, 1.0].view(), f32::NAN, 0.0, Decay::NONE)
            .is_err());
        assert!(p.is_zero());
    }
}
