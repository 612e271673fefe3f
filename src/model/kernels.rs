//! The hot matrix products behind the MLP, with one summation order on every target.
//!
//! Three products cover the forward and backward passes of a dense layer whose weights `W` are stored
//! `inputs × outputs`, row-major:
//!
//! | product | use | function |
//! |---|---|---|
//! | `C = A·B`  | forward, `Z = X·W` | [`matmul`] |
//! | `C = Aᵀ·B` | weight gradient, `dW = Xᵀ·dZ` | [`matmul_at_b`] |
//! | `C = A·Bᵀ` | input gradient, `dX = dZ·Wᵀ` | [`matmul_a_bt`] |
//!
//! All matrices are dense, row-major `f32` slices. Each function checks the slice lengths against the
//! dimensions it is given and returns [`ModelError::ShapeMismatch`] instead of panicking.
//!
//! # Summation order and bit-identical results
//!
//! Every implementation here computes each output element as
//! `c = 0.0; for p in 0..k { c = c + a(i, p) * b(p, j) }` — products rounded to `f32`, then added left to
//! right, never fused (Rust does not contract `a * b + c` into an FMA, and SIMD128 has no FMA). Blocking and
//! vectorisation only change *which* elements are computed together (register tiles of 4 rows × 8 columns,
//! vectorised across columns), never the order of the terms of one element's sum. IEEE-754 `+` and `*` are
//! correctly rounded on x86-64 (SSE), AArch64 and WebAssembly alike, so the scalar kernel and the wasm32
//! SIMD128 kernel return **bit-identical** results for the same inputs, natively and in the browser. (Only
//! NaN payloads could differ; the model rejects NaN inputs before they reach a kernel.)
//!
//! This is why the native build uses these kernels and not `ndarray`'s `dot`: `matrixmultiply` blocks the
//! `k` loop and may use FMA when the CPU has it, so its results differ in the last bits from the browser's.
//!
//! # Implementations
//! - [`scalar`]: portable safe Rust, register-blocked so LLVM vectorises it natively (SSE2 on x86-64).
//! - `simd128` (only on `wasm32` with the `simd128` target feature, which `.cargo/config.toml` enables):
//!   explicit `core::arch::wasm32` f32x4 kernels with 4×8 register tiles. The only `unsafe` code in the crate.
//!
//! The top-level functions pick the SIMD128 kernel where it exists and the scalar one otherwise.

use super::error::{ModelError, ModelResult};

/// Rows of a register tile.
const MR: usize = 4;
/// Columns of a register tile (two f32x4 vectors).
const NR: usize = 8;

/// How `A` is laid out for the kernel: element `(i, p)` of the logical `m × k` operand is at
/// `i * row_stride + p * col_stride`.
#[derive(Clone, Copy)]
struct Strided {
    row_stride: usize,
    col_stride: usize,
}

fn mismatch(what: &'static str, got: usize, expected: usize) -> ModelError {
    ModelError::ShapeMismatch {
        what,
        got: vec![got],
        expected: vec![expected],
    }
}

/// `rows * cols`, or a shape error when it overflows `usize`.
fn area(what: &'static str, rows: usize, cols: usize) -> ModelResult<usize> {
    rows.checked_mul(cols).ok_or(ModelError::ShapeMismatch {
        what,
        got: vec![rows, cols],
        expected: vec![usize::MAX],
    })
}

fn check_len(what: &'static str, slice_len: usize, rows: usize, cols: usize) -> ModelResult<()> {
    let want = area(what, rows, cols)?;
    if slice_len == want {
        Ok(())
    } else {
        Err(mismatch(what, slice_len, want))
    }
}

/// `C = A·B` for row-major `A` (`m × k`), `B` (`k × n`) and `C` (`m × n`); `C` is overwritten.
///
/// Complexity `O(m·k·n)`. Errors: [`ModelError::ShapeMismatch`] when a slice length differs from its shape.
/// Never panics.
pub fn matmul(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    check_len("a", a.len(), m, k)?;
    check_len("b", b.len(), k, n)?;
    check_len("c", c.len(), m, n)?;
    let layout = Strided {
        row_stride: k,
        col_stride: 1,
    };
    dispatch(a, layout, b, c, m, k, n);
    Ok(())
}

/// `C = Aᵀ·B` for row-major `A` (`k × m`, so `Aᵀ` is `m × k`), `B` (`k × n`) and `C` (`m × n`).
///
/// Complexity `O(m·k·n)`. Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn matmul_at_b(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    check_len("a", a.len(), k, m)?;
    check_len("b", b.len(), k, n)?;
    check_len("c", c.len(), m, n)?;
    let layout = Strided {
        row_stride: 1,
        col_stride: m,
    };
    dispatch(a, layout, b, c, m, k, n);
    Ok(())
}

/// `C = A·Bᵀ` for row-major `A` (`m × k`), `B` (`n × k`, so `Bᵀ` is `k × n`) and `C` (`m × n`).
///
/// Transposes `B` once into a scratch buffer (`O(k·n)` extra memory), then runs [`matmul`]'s kernel, so the
/// summation order is the same as everywhere else. Complexity `O(m·k·n + k·n)`.
/// Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn matmul_a_bt(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    check_len("a", a.len(), m, k)?;
    check_len("b", b.len(), n, k)?;
    check_len("c", c.len(), m, n)?;
    let bt = transpose(b, n, k);
    let layout = Strided {
        row_stride: k,
        col_stride: 1,
    };
    dispatch(a, layout, &bt, c, m, k, n);
    Ok(())
}

/// The transpose of a row-major `rows × cols` matrix (`src.len()` must be `rows * cols`; missing elements
/// read as zero rather than panic).
fn transpose(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; rows * cols];
    for (r, row) in src.chunks_exact(cols.max(1)).take(rows).enumerate() {
        for (cidx, &v) in row.iter().enumerate() {
            if let Some(slot) = out.get_mut(cidx * rows + r) {
                *slot = v;
            }
        }
    }
    out
}

/// Runs the best kernel for this target. Shapes have been checked by the caller.
#[inline]
fn dispatch(a: &[f32], layout: Strided, b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gemm(a, layout, b, c, m, k, n);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm(a, layout, b, c, m, k, n);
}

/// Which kernel [`matmul`] and friends run on this build: `"simd128"` or `"scalar"`.
pub const fn active_kernel() -> &'static str {
    if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128"
    } else {
        "scalar"
    }
}

/// The portable kernels, callable directly on every target (the SIMD tests compare against these).
pub mod scalar {
    use super::{check_len, ModelResult, Strided, MR, NR};

    /// Scalar `C = A·B`; same contract and result bits as [`super::matmul`].
    pub fn matmul(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        check_len("a", a.len(), m, k)?;
        check_len("b", b.len(), k, n)?;
        check_len("c", c.len(), m, n)?;
        let layout = Strided {
            row_stride: k,
            col_stride: 1,
        };
        gemm(a, layout, b, c, m, k, n);
        Ok(())
    }

    /// Scalar `C = Aᵀ·B`; same contract and result bits as [`super::matmul_at_b`].
    pub fn matmul_at_b(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        check_len("a", a.len(), k, m)?;
        check_len("b", b.len(), k, n)?;
        check_len("c", c.len(), m, n)?;
        let layout = Strided {
            row_stride: 1,
            col_stride: m,
        };
        gemm(a, layout, b, c, m, k, n);
        Ok(())
    }

    /// The blocked scalar kernel. `a` holds the logical `m × k` operand under `layout`, `b` is `k × n`,
    /// `c` is `m × n`; out-of-range reads yield zero (they cannot happen after the callers' shape checks).
    pub(super) fn gemm(
        a: &[f32],
        layout: Strided,
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) {
        let at = |i: usize, p: usize| -> f32 {
            a.get(i * layout.row_stride + p * layout.col_stride)
                .copied()
                .unwrap_or(0.0)
        };
        let mut i0 = 0;
        while i0 < m {
            let mr = MR.min(m - i0);
            let mut j0 = 0;
            while j0 < n {
                let nr = NR.min(n - j0);
                if mr == MR && nr == NR {
                    // Full 4×8 register tile: the shape LLVM vectorises across columns.
                    let mut acc = [[0.0f32; NR]; MR];
                    for p in 0..k {
                        let Some(brow) = b.get(p * n + j0..p * n + j0 + NR) else {
                            break;
                        };
                        for (r, acc_row) in acc.iter_mut().enumerate() {
                            let av = at(i0 + r, p);
                            for (slot, &bv) in acc_row.iter_mut().zip(brow) {
                                *slot += av * bv;
                            }
                        }
                    }
                    for (r, acc_row) in acc.iter().enumerate() {
                        let start = (i0 + r) * n + j0;
                        if let Some(dst) = c.get_mut(start..start + NR) {
                            dst.copy_from_slice(acc_row);
                        }
                    }
                } else {
                    // Edge tile: one element at a time, same term order.
                    for i in i0..i0 + mr {
                        for j in j0..j0 + nr {
                            let mut s = 0.0f32;
                            for p in 0..k {
                                s += at(i, p) * b.get(p * n + j).copied().unwrap_or(0.0);
                            }
                            if let Some(dst) = c.get_mut(i * n + j) {
                                *dst = s;
                            }
                        }
                    }
                }
                j0 += nr;
            }
            i0 += mr;
        }
    }
}

/// Explicit WebAssembly SIMD128 kernels: 4×8 register tiles of f32x4 accumulators, vectorised across
/// columns, with the same per-element summation order as [`scalar`] (so the results are bit-identical).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
pub mod simd128 {
    use super::{check_len, ModelResult, Strided, MR, NR};
    use core::arch::wasm32::{
        f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_load32_splat, v128_store,
    };

    /// SIMD128 `C = A·B`; same contract and result bits as [`super::scalar::matmul`].
    pub fn matmul(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        check_len("a", a.len(), m, k)?;
        check_len("b", b.len(), k, n)?;
        check_len("c", c.len(), m, n)?;
        let layout = Strided {
            row_stride: k,
            col_stride: 1,
        };
        gemm(a, layout, b, c, m, k, n);
        Ok(())
    }

    /// SIMD128 `C = Aᵀ·B`; same contract and result bits as [`super::scalar::matmul_at_b`].
    pub fn matmul_at_b(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        check_len("a", a.len(), k, m)?;
        check_len("b", b.len(), k, n)?;
        check_len("c", c.len(), m, n)?;
        let layout = Strided {
            row_stride: 1,
            col_stride: m,
        };
        gemm(a, layout, b, c, m, k, n);
        Ok(())
    }

    /// One `R × (4·V)` register tile: `C[i0.., j0..] = Σ_p A(i0+r, p) · B[p, j0..]`, `p` ascending.
    ///
    /// # Safety
    /// For every `r < R`, `p < k`: `a.add(r * rs + p * cs)` must be readable; for every `p < k`:
    /// `b.add(p * n .. p * n + 4 * V)` readable; for every `r < R`: `c.add(r * n .. r * n + 4 * V)` writable.
    #[inline(always)]
    unsafe fn tile<const R: usize, const V: usize>(
        a: *const f32,
        rs: usize,
        cs: usize,
        b: *const f32,
        c: *mut f32,
        k: usize,
        n: usize,
    ) {
        let mut acc = [[f32x4_splat(0.0); V]; R];
        let mut a_p = a;
        let mut b_p = b;
        for _ in 0..k {
            let mut bv = [f32x4_splat(0.0); V];
            for (v, slot) in bv.iter_mut().enumerate() {
                // SAFETY: `b_p` points at row `p` of B, column `j0`; the caller guarantees 4·V readable floats.
                // `v128_load` has no alignment requirement.
                *slot = unsafe { v128_load(b_p.add(4 * v).cast::<v128>()) };
            }
            for (r, acc_row) in acc.iter_mut().enumerate() {
                // SAFETY: element (i0 + r, p) of A, readable by the caller's guarantee.
                let av = unsafe { v128_load32_splat(a_p.add(r * rs).cast::<u32>()) };
                for (slot, &bvv) in acc_row.iter_mut().zip(bv.iter()) {
                    *slot = f32x4_add(*slot, f32x4_mul(av, bvv));
                }
            }
            // `wrapping_add` keeps the pointer arithmetic itself safe; the pointers are only dereferenced
            // for `p < k`, inside the caller's guaranteed ranges.
            a_p = a_p.wrapping_add(cs);
            b_p = b_p.wrapping_add(n);
        }
        for (r, acc_row) in acc.iter().enumerate() {
            for (v, &val) in acc_row.iter().enumerate() {
                // SAFETY: row `i0 + r`, columns `j0 + 4v .. j0 + 4v + 4` of C are in bounds (caller).
                unsafe { v128_store(c.add(r * n + 4 * v).cast::<v128>(), val) };
            }
        }
    }

    /// The blocked SIMD kernel; the callers have checked that `a` covers the logical `m × k` operand under
    /// `layout`, `b.len() == k * n` and `c.len() == m * n`.
    pub(super) fn gemm(
        a: &[f32],
        layout: Strided,
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) {
        let (rs, cs) = (layout.row_stride, layout.col_stride);
        // Defensive re-check of the invariants the unsafe tiles rely on (cheap, once per call).
        let a_needed = if m == 0 || k == 0 {
            0
        } else {
            (m - 1) * rs + (k - 1) * cs + 1
        };
        if a.len() < a_needed || b.len() < k * n || c.len() < m * n {
            return;
        }
        let ap = a.as_ptr();
        let bp = b.as_ptr();
        let cp = c.as_mut_ptr();
        let n_vec = n - n % 4;
        let mut i0 = 0;
        while i0 < m {
            let full_rows = m - i0 >= MR;
            let mut j0 = 0;
            // SAFETY (all tile calls below): rows i0..i0+R < m with R ≤ m - i0, columns j0..j0+4V ≤ n_vec ≤ n,
            // so every A read is below `a_needed`, every B read below `k * n`, every C write below `m * n`.
            while j0 + NR <= n_vec {
                unsafe {
                    if full_rows {
                        tile::<MR, 2>(
                            ap.add(i0 * rs),
                            rs,
                            cs,
                            bp.add(j0),
                            cp.add(i0 * n + j0),
                            k,
                            n,
                        );
                    } else {
                        for i in i0..m {
                            tile::<1, 2>(
                                ap.add(i * rs),
                                rs,
                                cs,
                                bp.add(j0),
                                cp.add(i * n + j0),
                                k,
                                n,
                            );
                        }
                    }
                }
                j0 += NR;
            }
            while j0 + 4 <= n_vec {
                unsafe {
                    if full_rows {
                        tile::<MR, 1>(
                            ap.add(i0 * rs),
                            rs,
                            cs,
                            bp.add(j0),
                            cp.add(i0 * n + j0),
                            k,
                            n,
                        );
                    } else {
                        for i in i0..m {
                            tile::<1, 1>(
                                ap.add(i * rs),
                                rs,
                                cs,
                                bp.add(j0),
                                cp.add(i * n + j0),
                                k,
                                n,
                            );
                        }
                    }
                }
                j0 += 4;
            }
            // Columns past the last multiple of 4: scalar, same term order.
            let i_end = if full_rows { i0 + MR } else { m };
            for i in i0..i_end {
                for j in n_vec..n {
                    let mut s = 0.0f32;
                    for p in 0..k {
                        let av = a.get(i * rs + p * cs).copied().unwrap_or(0.0);
                        let bv = b.get(p * n + j).copied().unwrap_or(0.0);
                        s += av * bv;
                    }
                    if let Some(dst) = c.get_mut(i * n + j) {
                        *dst = s;
                    }
                }
            }
            i0 = i_end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    fn random(len: usize, rng: &mut StdRng) -> Vec<f32> {
        (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// The naive triple loop in the documented term order.
    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0f32;
                for p in 0..k {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    fn naive_f64(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k)
                    .map(|p| f64::from(a[i * k + p]) * f64::from(b[p * n + j]))
                    .sum();
            }
        }
        c
    }

    const SIZES: [usize; 7] = [1, 3, 4, 8, 17, 64, 129];

    #[test]
    fn all_three_products_match_the_naive_order_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(7);
        for &m in &SIZES {
            for &k in &[1usize, 3, 17, 129] {
                for &n in &SIZES {
                    let a = random(m * k, &mut rng);
                    let b = random(k * n, &mut rng);
                    let want = naive(&a, &b, m, k, n);
                    let mut c = vec![f32::NAN; m * n];
                    matmul(&a, &b, &mut c, m, k, n).unwrap();
                    assert_eq!(c, want, "A·B {m}x{k}x{n}");

                    let at = transpose(&a, m, k); // k × m
                    let mut c2 = vec![f32::NAN; m * n];
                    matmul_at_b(&at, &b, &mut c2, m, k, n).unwrap();
                    assert_eq!(c2, want, "Aᵀ·B {m}x{k}x{n}");

                    let bt = transpose(&b, k, n); // n × k
                    let mut c3 = vec![f32::NAN; m * n];
                    matmul_a_bt(&a, &bt, &mut c3, m, k, n).unwrap();
                    assert_eq!(c3, want, "A·Bᵀ {m}x{k}x{n}");

                    let mut c4 = vec![f32::NAN; m * n];
                    scalar::matmul(&a, &b, &mut c4, m, k, n).unwrap();
                    assert_eq!(c4, want);
                    let mut c5 = vec![f32::NAN; m * n];
                    scalar::matmul_at_b(&at, &b, &mut c5, m, k, n).unwrap();
                    assert_eq!(c5, want);
                }
            }
        }
    }

    #[test]
    fn agrees_with_a_double_precision_reference() {
        let mut rng = StdRng::seed_from_u64(11);
        let (m, k, n) = (33, 129, 17);
        let a = random(m * k, &mut rng);
        let b = random(k * n, &mut rng);
        let mut c = vec![0.0; m * n];
        matmul(&a, &b, &mut c, m, k, n).unwrap();
        for (got, want) in c.iter().zip(naive_f64(&a, &b, m, k, n)) {
            approx::assert_abs_diff_eq!(f64::from(*got), want, epsilon = 1e-4);
        }
    }

    #[test]
    fn empty_dimensions_are_fine() {
        let mut c = vec![1.0f32; 6];
        matmul(&[], &[], &mut c, 2, 0, 3).unwrap();
        assert_eq!(c, vec![0.0; 6]);
        let mut empty: Vec<f32> = vec![];
        matmul(&[], &[1.0, 2.0], &mut empty, 0, 1, 2).unwrap();
    }

    #[test]
    fn wrong_lengths_are_shape_errors_not_panics() {
        let mut c = vec![0.0f32; 4];
        let err = matmul(&[1.0; 3], &[1.0; 4], &mut c, 2, 2, 2).unwrap_err();
        assert!(
            matches!(err, ModelError::ShapeMismatch { what: "a", .. }),
            "{err}"
        );
        let err = matmul_at_b(&[1.0; 4], &[1.0; 5], &mut c, 2, 2, 2).unwrap_err();
        assert!(
            matches!(err, ModelError::ShapeMismatch { what: "b", .. }),
            "{err}"
        );
        let err = matmul_a_bt(&[1.0; 4], &[1.0; 4], &mut c[..3], 2, 2, 2).unwrap_err();
        assert!(
            matches!(err, ModelError::ShapeMismatch { what: "c", .. }),
            "{err}"
        );
        let err = matmul(&[], &[], &mut [], usize::MAX, 2, 0).unwrap_err();
        assert!(matches!(err, ModelError::ShapeMismatch { .. }), "{err}");
    }

    #[test]
    fn reports_the_active_kernel() {
        let want = if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
            "simd128"
        } else {
            "scalar"
        };
        assert_eq!(active_kernel(), want);
    }
}
