//! The shopper profile: a time-decayed, event-weighted sum of item (and search) vectors.

use ndarray::{Array1, ArrayView1};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::events::Decay;

/// A shopper's interest vector.
///
/// Kept scaled to a reference time: `vector = Σ w · 2^((t − ref) / h) · v`, so adding an event at any time is
/// one exponential plus `dim` multiply-adds (`O(dim)`), and the order of arrival does not matter beyond float
/// rounding. The stored vector differs from the value at "now" only by a positive scalar, so its direction
/// (all that cosine similarity uses) is the decayed profile's. Rebased when time moves 64 half-lives on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    vector: Array1<f32>,
    /// The reference time of the scaling.
    scale_ms: f64,
    /// The latest event time.
    latest_ms: f64,
    events: u64,
}

impl Profile {
    /// An empty (all zeros) profile of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Profile {
            vector: Array1::zeros(dim),
            scale_ms: 0.0,
            latest_ms: 0.0,
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
        if self.events == 0 {
            self.scale_ms = timestamp_ms;
            self.latest_ms = timestamp_ms;
        }
        if let Some(h) = decay.half_life_ms {
            if (timestamp_ms - self.scale_ms) / h > 64.0 {
                let f = decay.factor(timestamp_ms - self.scale_ms) as f32;
                self.vector.mapv_inplace(|x| x * f);
                self.scale_ms = timestamp_ms;
            }
        }
        let up = match decay.half_life_ms {
            Some(h) => ((timestamp_ms - self.scale_ms) / h * std::f64::consts::LN_2).exp(),
            None => 1.0,
        };
        let w = (f64::from(weight) * up) as f32;
        if w.is_finite() {
            self.vector
                .zip_mut_with(&v, |p, &x| *p += if x.is_finite() { w * x } else { 0.0 });
        }
        self.latest_ms = self.latest_ms.max(timestamp_ms);
        self.events += 1;
        Ok(())
    }

    /// The profile vector, up to a positive scale (see the type's docs).
    pub fn vector(&self) -> ArrayView1<'_, f32> {
        self.vector.view()
    }

    /// The profile vector as it stands at the latest event time. `O(dim)`.
    pub fn vector_now(&self, decay: Decay) -> Array1<f32> {
        let f = decay.factor(self.latest_ms - self.scale_ms) as f32;
        self.vector.mapv(|x| x * f)
    }

    /// How many events were added.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Time of the latest event added (ms).
    pub fn reference_ms(&self) -> f64 {
        self.latest_ms
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
        let now = p.vector_now(d);
        assert_relative_eq!(now[0], 0.5, epsilon = 1e-6);
        assert_relative_eq!(now[1], 1.0, epsilon = 1e-6);
        // The stored vector has the same direction.
        assert_relative_eq!(p.vector()[0] / p.vector()[1], 0.5, epsilon = 1e-6);
        // Far-future events rebase without overflow.
        p.add(array![1.0, 0.0].view(), 1.0, 1e6, d).unwrap();
        assert!(p.vector().iter().all(|x| x.is_finite()));
        assert_relative_eq!(p.vector_now(d)[0], 1.0, epsilon = 1e-5);
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
        for (x, y) in a.vector_now(d).iter().zip(b.vector_now(d).iter()) {
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
