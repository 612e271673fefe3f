//! Several model seeds: a quantity measured once per model seed (e.g. the paired Δ NDCG@10 of two models on
//! the same cases) summarised over the seeds — mean, sample standard deviation, a Student-t interval and how
//! many seeds are ahead — and the per-case metric averaged over the seeds (for the paired bootstrap over cases
//! or over their clusters, [`super::metrics::bootstrap_clustered`]).
//!
//! What each interval covers: the t-interval over seeds is the spread due to **training randomness only** (the
//! cases are fixed); the bootstrap of the seed-averaged per-case metric is **case sampling** for the method
//! "train with an arbitrary seed", averaged over the seeds run (resampling baskets when every item of a basket
//! is a case, as the cases of one basket are correlated).

/// A quantity measured once per model seed, summarised over the seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverSeeds {
    /// Number of seeds.
    pub n: usize,
    /// Mean over the seeds (0 for no seed).
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`); `None` below two seeds.
    pub sd: Option<f64>,
    /// Student-t confidence interval of the mean, `mean ± t(1 − (1 − level)/2, n − 1) · sd / √n`; `None`
    /// below two seeds.
    pub interval: Option<(f64, f64)>,
    /// Seeds whose value is strictly above 0 (the first model ahead, for a difference first − other).
    pub ahead: usize,
}

/// Summarises per-seed `values` with a two-sided Student-t interval at `level` (e.g. 0.95). `O(n)`.
///
/// Fewer than two values give no standard deviation and no interval; a `level` outside `(0, 1)` gives no
/// interval.
pub fn over_seeds(values: &[f64], level: f64) -> OverSeeds {
    let n = values.len();
    let ahead = values.iter().filter(|&&v| v > 0.0).count();
    if n == 0 {
        return OverSeeds {
            n,
            mean: 0.0,
            sd: None,
            interval: None,
            ahead,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return OverSeeds {
            n,
            mean,
            sd: None,
            interval: None,
            ahead,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let t = student_t_quantile(1.0 - (1.0 - level) / 2.0, (n - 1) as f64);
    let interval = t.is_finite().then(|| {
        let half = t * sd / (n as f64).sqrt();
        (mean - half, mean + half)
    });
    OverSeeds {
        n,
        mean,
        sd: Some(sd),
        interval,
        ahead,
    }
}

/// Per case, the mean of its metric over the seeds: `runs[s][c]` is case `c` under seed `s`. Runs of
/// different lengths use the common prefix; no run gives an empty vector. `O(seeds · cases)`.
pub fn mean_per_case(runs: &[Vec<f64>]) -> Vec<f64> {
    let Some(len) = runs.iter().map(Vec::len).min() else {
        return Vec::new();
    };
    let n = runs.len() as f64;
    (0..len)
        .map(|c| runs.iter().filter_map(|r| r.get(c)).sum::<f64>() / n)
        .collect()
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (e.g. `p = 0.975, df = 9` →
/// 2.2622), by bisection on the exact distribution function (regularised incomplete beta). NaN for `p`
/// outside `(0, 1)` or `df ≤ 0`; accurate to about 1e-10.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if p < 0.5 {
        return -student_t_quantile(1.0 - p, df);
    }
    if p == 0.5 {
        return 0.0;
    }
    let mut hi = 1.0;
    let mut grow = 0;
    while student_t_cdf(hi, df) < p && grow < 200 {
        hi *= 2.0;
        grow += 1;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Distribution function of Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(0.5 * df, 0.5, x);
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, 9 terms; relative error about 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function `I_x(a, b)` (continued fraction, modified Lentz).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of [`incomplete_beta`] (Numerical Recipes' `betacf`, modified Lentz).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    // One Lentz step with coefficient `aa`: updates `c` and `d`, returns the factor for `h`.
    let step = |aa: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 / nonzero(1.0 + aa * *d);
        *c = nonzero(1.0 + aa / *c);
        *d * *c
    };
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let del = step(
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            &mut c,
            &mut d,
        );
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn t_quantiles_match_the_tables() {
        // Two-sided 95% critical values (p = 0.975) from standard t tables, and a few other levels.
        for (df, t) in [
            (1.0, 12.7062),
            (2.0, 4.3027),
            (3.0, 3.1824),
            (4.0, 2.7764),
            (5.0, 2.5706),
            (9.0, 2.2622),
            (19.0, 2.0930),
            (29.0, 2.0452),
            (100.0, 1.9840),
            (1e6, 1.9600),
        ] {
            assert_abs_diff_eq!(student_t_quantile(0.975, df), t, epsilon = 1e-4);
        }
        assert_abs_diff_eq!(student_t_quantile(0.995, 9.0), 3.2498, epsilon = 1e-4);
        assert_abs_diff_eq!(student_t_quantile(0.95, 9.0), 1.8331, epsilon = 1e-4);
        assert_abs_diff_eq!(student_t_quantile(0.025, 9.0), -2.2622, epsilon = 1e-4);
        // df = 1 is the Cauchy distribution: quantile tan(π (p − ½)).
        let cauchy = (std::f64::consts::PI * 0.475).tan();
        assert_abs_diff_eq!(student_t_quantile(0.975, 1.0), cauchy, epsilon = 1e-8);
        assert_eq!(student_t_quantile(0.5, 3.0), 0.0);
        assert!(student_t_quantile(1.0, 3.0).is_nan());
        assert!(student_t_quantile(0.975, 0.0).is_nan());
        assert!(student_t_quantile(f64::NAN, 3.0).is_nan());
    }

    #[test]
    fn over_seeds_by_hand() {
        // Values 1..=10 (as if Δs of 10 seeds, shifted): mean 5.5, sample sd √(82.5/9) = 3.02765;
        // half-width 2.26216 · 3.02765 / √10 = 2.16587.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = over_seeds(&v, 0.95);
        assert_eq!((s.n, s.ahead), (10, 10));
        assert_abs_diff_eq!(s.mean, 5.5);
        assert_abs_diff_eq!(s.sd.unwrap(), (82.5f64 / 9.0).sqrt(), epsilon = 1e-12);
        let (lo, hi) = s.interval.unwrap();
        assert_abs_diff_eq!(lo, 5.5 - 2.16587, epsilon = 1e-4);
        assert_abs_diff_eq!(hi, 5.5 + 2.16587, epsilon = 1e-4);
        // Mixed signs: two ahead, one level (0 is not ahead), one behind.
        let s = over_seeds(&[0.002, -0.001, 0.0, 0.003], 0.95);
        assert_eq!(s.ahead, 2);
        assert_abs_diff_eq!(s.mean, 0.001, epsilon = 1e-15);
        // sd² = (1 + 4 + 1 + 4)e-6 / 3; t(0.975, 3) = 3.18245.
        let sd = (10e-6f64 / 3.0).sqrt();
        assert_abs_diff_eq!(s.sd.unwrap(), sd, epsilon = 1e-12);
        let (lo, hi) = s.interval.unwrap();
        assert_abs_diff_eq!(hi - lo, 2.0 * 3.18245 * sd / 2.0, epsilon = 1e-6);
        // Constant values: zero-width interval.
        let s = over_seeds(&[0.01, 0.01, 0.01], 0.95);
        assert_eq!(s.interval, Some((0.01, 0.01)));
        // One seed: a mean, no spread; none: zeros.
        let s = over_seeds(&[0.4], 0.95);
        assert_eq!((s.mean, s.sd, s.interval, s.ahead), (0.4, None, None, 1));
        assert_eq!(over_seeds(&[], 0.95).n, 0);
    }

    #[test]
    fn per_case_means_over_seeds() {
        let runs = vec![vec![1.0, 0.0, 0.5], vec![0.0, 0.0, 1.0, 9.0]];
        assert_eq!(mean_per_case(&runs), vec![0.5, 0.0, 0.75]);
        assert!(mean_per_case(&[]).is_empty());
        assert_eq!(mean_per_case(&[vec![0.25, 1.0]]), vec![0.25, 1.0]);
    }
}
