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
//! Both pack `B` once per call into zero-padded panels of 8 columns (`k × 8`, contiguous), so the inner
//! loop streams one small panel that stays in L1, and edge columns need no special code (padding adds
//! `+0·a` terms only to columns that are never stored).
//! - [`scalar`]: portable safe Rust; also packs 4-row panels of `A` (zero-padded), and its 4×8 tile loop
//!   over fixed-size arrays is what LLVM vectorises natively (SSE2 on x86-64).
//! - `simd128` (only on `wasm32` with the `simd128` target feature, which `.cargo/config.toml` enables):
//!   explicit `core::arch::wasm32` kernels with 4×8 register tiles of f32x4 accumulators (8 accumulators,
//!   2 `B` vectors and a broadcast `A` value per step: within the 16 SIMD registers of x86-64 hosts),
//!   reading `A` in place through `v128.load32_splat`; full tiles add the bias, apply the ReLU and store
//!   in vector registers. The only `unsafe` code in the crate.
//!
//! The forward pass of a network packs each layer's weights once per call ([`PackedB`],
//! [`matmul_bias_packed`]) instead of once per product.
//!
//! The top-level functions pick the SIMD128 kernel where it exists and the scalar one otherwise.

use super::error::{ModelError, ModelResult};

/// Rows of a register tile.
const MR: usize = 4;
/// Columns of a register tile (two f32x4 vectors).
const NR: usize = 8;

/// Where element `(i, p)` of a logical matrix operand lives: `i * row_stride + p * col_stride`.
#[derive(Clone, Copy, Debug)]
struct Strided {
    row_stride: usize,
    col_stride: usize,
}

impl Strided {
    const fn row_major(cols: usize) -> Self {
        Self {
            row_stride: cols,
            col_stride: 1,
        }
    }
    /// The transpose of a row-major matrix whose rows are `storage_cols` long: logical `(i, p)` is stored
    /// at `p * storage_cols + i`.
    const fn transposed(storage_cols: usize) -> Self {
        Self {
            row_stride: 1,
            col_stride: storage_cols,
        }
    }
    /// One past the largest index an `rows × cols` logical matrix touches (0 when empty).
    #[cfg_attr(
        not(all(target_arch = "wasm32", target_feature = "simd128")),
        allow(dead_code)
    )]
    fn extent(self, rows: usize, cols: usize) -> usize {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * self.row_stride + (cols - 1) * self.col_stride + 1
        }
    }
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

/// The three products' operand layouts, after checking the slice lengths.
#[allow(clippy::too_many_arguments)]
fn checked(
    op: Op,
    a: &[f32],
    b: &[f32],
    c: &[f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<(Strided, Strided)> {
    match op {
        Op::AB => {
            check_len("a", a.len(), m, k)?;
            check_len("b", b.len(), k, n)?;
        }
        Op::AtB => {
            check_len("a", a.len(), k, m)?;
            check_len("b", b.len(), k, n)?;
        }
        Op::ABt => {
            check_len("a", a.len(), m, k)?;
            check_len("b", b.len(), n, k)?;
        }
    }
    check_len("c", c.len(), m, n)?;
    Ok(match op {
        Op::AB => (Strided::row_major(k), Strided::row_major(n)),
        Op::AtB => (Strided::transposed(m), Strided::row_major(n)),
        Op::ABt => (Strided::row_major(k), Strided::transposed(k)),
    })
}

#[derive(Clone, Copy)]
enum Op {
    AB,
    AtB,
    ABt,
}

/// `C = A·B` for row-major `A` (`m × k`), `B` (`k × n`) and `C` (`m × n`); `C` is overwritten.
///
/// Complexity `O(m·k·n)` time, `O(k·n)` scratch. Errors: [`ModelError::ShapeMismatch`] when a slice length
/// differs from its shape. Never panics.
pub fn matmul(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    let (la, lb) = checked(Op::AB, a, b, c, m, k, n)?;
    dispatch(a, la, b, lb, c, m, k, n);
    Ok(())
}

/// `C = Aᵀ·B` for row-major `A` (`k × m`, so `Aᵀ` is `m × k`), `B` (`k × n`) and `C` (`m × n`).
///
/// Complexity `O(m·k·n)`, `O(k·n)` scratch. Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn matmul_at_b(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    let (la, lb) = checked(Op::AtB, a, b, c, m, k, n)?;
    dispatch(a, la, b, lb, c, m, k, n);
    Ok(())
}

/// `C = A·Bᵀ` for row-major `A` (`m × k`), `B` (`n × k`, so `Bᵀ` is `k × n`) and `C` (`m × n`).
///
/// `Bᵀ` is read in place while packing. Complexity `O(m·k·n)`, `O(k·n)` scratch.
/// Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn matmul_a_bt(
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    let (la, lb) = checked(Op::ABt, a, b, c, m, k, n)?;
    dispatch(a, la, b, lb, c, m, k, n);
    Ok(())
}

/// Packs the logical `k × n` operand `b` into `ceil(n / 8)` panels of `k` rows × 8 columns, zero-padded.
/// Panel `jb` occupies `[jb * k, (jb + 1) * k)` of the result. Unreadable elements (impossible after the
/// shape checks) read as zero.
fn pack_b(b: &[f32], lb: Strided, k: usize, n: usize) -> Vec<[f32; NR]> {
    let panels = n.div_ceil(NR);
    let mut out = vec![[0.0f32; NR]; panels * k];
    if k == 0 {
        return out;
    }
    for (jb, panel) in out.chunks_exact_mut(k).enumerate() {
        let j0 = jb * NR;
        let width = NR.min(n - j0);
        for (p, row) in panel.iter_mut().enumerate() {
            let start = p * lb.row_stride + j0 * lb.col_stride;
            if lb.col_stride == 1 {
                if let (Some(src), Some(dst)) = (b.get(start..start + width), row.get_mut(..width))
                {
                    dst.copy_from_slice(src);
                }
            } else {
                for (cidx, slot) in row.iter_mut().take(width).enumerate() {
                    *slot = b.get(start + cidx * lb.col_stride).copied().unwrap_or(0.0);
                }
            }
        }
    }
    out
}

/// What happens to each finished sum before it is stored: `C = act(A·B + bias)`.
#[derive(Clone, Copy)]
struct Epilogue<'a> {
    /// Added to column `j` (after the whole sum, so the summation order is unchanged).
    bias: Option<&'a [f32]>,
    /// `relu(z) = if z > 0 { z } else { +0.0 }` — written so every target returns the same bits.
    relu: bool,
}

const PLAIN: Epilogue<'static> = Epilogue {
    bias: None,
    relu: false,
};

/// `C = epilogue(0)` for an `m × n` product whose sums are all empty (`k == 0`): the epilogue still applies.
fn empty_sums(c: &mut [f32], m: usize, n: usize, epi: Epilogue<'_>) {
    for i in 0..m {
        for j0 in (0..n).step_by(NR) {
            let mut zero = [[0.0f32; NR]; MR];
            store_tile(c, n, i, j0, 1, NR.min(n - j0), &mut zero, epi);
        }
    }
}

/// Writes the valid `rows × cols` corner of a 4×8 tile into `c` at `(i0, j0)`, through the epilogue.
#[allow(clippy::too_many_arguments)]
fn store_tile(
    c: &mut [f32],
    n: usize,
    i0: usize,
    j0: usize,
    rows: usize,
    cols: usize,
    tile: &mut [[f32; NR]; MR],
    epi: Epilogue<'_>,
) {
    if let Some(bias) = epi.bias.and_then(|b| b.get(j0..j0 + cols)) {
        for acc_row in tile.iter_mut() {
            for (v, &b) in acc_row.iter_mut().zip(bias) {
                *v += b;
            }
        }
    }
    if epi.relu {
        for acc_row in tile.iter_mut() {
            for v in acc_row.iter_mut() {
                *v = if *v > 0.0 { *v } else { 0.0 };
            }
        }
    }
    for (r, acc_row) in tile.iter().enumerate().take(rows) {
        let start = (i0 + r) * n + j0;
        if let (Some(dst), Some(src)) = (c.get_mut(start..start + cols), acc_row.get(..cols)) {
            dst.copy_from_slice(src);
        }
    }
}

/// The forward product of a dense layer: `C = A·B + bias` (bias added to every row), then ReLU when
/// `relu` is true; `A` is `m × k`, `B` is `k × n`, `bias` has `n` values, all row-major.
///
/// Bit-identical to [`matmul`] followed by adding the bias and applying `if z > 0 { z } else { 0 }`, but
/// in one pass over `C`. Complexity `O(m·k·n)`. Errors: [`ModelError::ShapeMismatch`] (naming `bias` when
/// it is not `n` long). Never panics.
#[allow(clippy::too_many_arguments)]
pub fn matmul_bias(
    a: &[f32],
    b: &[f32],
    bias: &[f32],
    relu: bool,
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) -> ModelResult<()> {
    let (la, lb) = checked(Op::AB, a, b, c, m, k, n)?;
    if bias.len() != n {
        return Err(mismatch("bias", bias.len(), n));
    }
    let epi = Epilogue {
        bias: Some(bias),
        relu,
    };
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gemm(a, la, b, lb, c, m, k, n, epi);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm(a, la, b, lb, c, m, k, n, epi);
    Ok(())
}

/// A layer's weights `B` (`k × n`, row-major) packed once into the zero-padded 8-column panels of the
/// forward kernel, for many products `A·B + bias` without re-packing (see [`matmul_bias_packed`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PackedB {
    k: usize,
    n: usize,
    panels: Vec<[f32; NR]>,
}

impl PackedB {
    /// Packs the row-major `k × n` matrix `b`. Complexity `O(k · n)`.
    ///
    /// Errors: [`ModelError::ShapeMismatch`] when `b.len() != k · n`. Never panics.
    pub fn new(b: &[f32], k: usize, n: usize) -> ModelResult<Self> {
        check_len("b", b.len(), k, n)?;
        Ok(Self {
            k,
            n,
            panels: pack_b(b, Strided::row_major(n), k, n),
        })
    }

    /// Rows of `B` (the shared dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns of `B` (of the product).
    pub fn n(&self) -> usize {
        self.n
    }
}

/// [`matmul_bias`] with weights packed beforehand: `C = act(A·B + bias)` for `A` (`m × k`) and `C` (`m × n`)
/// row-major, `B` a [`PackedB`] of `k × n`. Bit-identical to [`matmul_bias`].
///
/// Complexity `O(m·k·n)`, no allocation. Errors: [`ModelError::ShapeMismatch`] naming `a`, `c` or `bias`.
/// Never panics.
pub fn matmul_bias_packed(
    a: &[f32],
    b: &PackedB,
    bias: &[f32],
    relu: bool,
    c: &mut [f32],
    m: usize,
) -> ModelResult<()> {
    let (k, n) = (b.k, b.n);
    check_len("a", a.len(), m, k)?;
    check_len("c", c.len(), m, n)?;
    if bias.len() != n {
        return Err(mismatch("bias", bias.len(), n));
    }
    let epi = Epilogue {
        bias: Some(bias),
        relu,
    };
    let la = Strided::row_major(k);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gemm_packed(a, la, &b.panels, c, m, k, n, epi);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_packed(a, la, &b.panels, c, m, k, n, epi);
    Ok(())
}

/// Runs the best kernel for this target. Shapes have been checked by the caller.
#[allow(clippy::too_many_arguments)]
#[inline]
fn dispatch(
    a: &[f32],
    la: Strided,
    b: &[f32],
    lb: Strided,
    c: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gemm(a, la, b, lb, c, m, k, n, PLAIN);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm(a, la, b, lb, c, m, k, n, PLAIN);
}

// ---------------------------------------------------------------------------------------------------------
// Packed `A·Bᵀ` for a fixed, large `B` (the rows of a vector index) and the fused top-k selection over it.
// ---------------------------------------------------------------------------------------------------------

/// Rows of `B` per panel of a [`PackedBt`]: 8 rows interleaved, so one step of the inner loop reads two
/// f32x4 vectors holding element `p` of 8 consecutive rows.
pub const PANEL: usize = 8;

/// Panels swept per query group before moving on to the next block, so that a block (`64 × 8` rows of
/// `depth` floats: 128 KiB at depth 64) stays in L2 while every query of a batch passes over it.
const BLOCK_PANELS: usize = 64;

/// An `n × depth` matrix `B` packed once for repeated products `A·Bᵀ`: `ceil(n / 8)` panels of
/// `depth × 8` floats (row `i` of `B` becomes column `i % 8` of panel `i / 8`), zero-padded.
///
/// Packing costs `O(n · depth)` time and memory once; every later product streams the panels in order
/// without any per-call packing (see [`matmul_a_packed_bt`] and [`top_k_a_packed_bt`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PackedBt {
    rows: usize,
    depth: usize,
    data: Vec<f32>,
}

impl PackedBt {
    /// Packs the row-major `rows × depth` matrix `b`.
    ///
    /// Complexity `O(rows · depth)`. Errors: [`ModelError::ShapeMismatch`] when `b.len() != rows · depth`
    /// (or the padded size overflows). Never panics.
    pub fn new(b: &[f32], rows: usize, depth: usize) -> ModelResult<Self> {
        check_len("b", b.len(), rows, depth)?;
        let padded = area("b", rows.div_ceil(PANEL) * PANEL, depth)?;
        let mut data = vec![0.0f32; padded];
        if depth > 0 {
            for (i, row) in b.chunks_exact(depth).enumerate() {
                let base = (i / PANEL) * depth * PANEL + i % PANEL;
                for (p, &v) in row.iter().enumerate() {
                    if let Some(slot) = data.get_mut(base + p * PANEL) {
                        *slot = v;
                    }
                }
            }
        }
        Ok(Self { rows, depth, data })
    }

    /// Rows of `B` (columns of the product).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row length of `B` (the shared dimension of the product).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of panels, `ceil(rows / 8)`.
    pub fn panels(&self) -> usize {
        self.rows.div_ceil(PANEL)
    }

    /// The packed floats (`panels · depth · 8`), for the kernels.
    fn data(&self) -> &[f32] {
        &self.data
    }
}

/// The running selection of one query: at most `k` `(score, column)` pairs, best first, ties to the lower
/// column (columns are offered in ascending order, so a later equal score never displaces an earlier one).
#[derive(Clone, Debug)]
struct Best {
    k: usize,
    items: Vec<(f32, u32)>,
    /// A score must be strictly greater than this to enter (`-∞` until `k` items are held).
    threshold: f32,
}

impl Best {
    fn new(k: usize) -> Self {
        Self {
            k,
            items: Vec::with_capacity(k + 1),
            threshold: f32::NEG_INFINITY,
        }
    }

    /// Offers column `j` with score `s`. `O(k)` when it enters, `O(1)` otherwise.
    #[inline]
    fn offer(&mut self, s: f32, j: u32) {
        if self.k == 0 || s.is_nan() || (self.items.len() == self.k && s <= self.threshold) {
            return;
        }
        let pos = self.items.partition_point(|&(v, _)| v >= s);
        self.items.insert(pos, (s, j));
        if self.items.len() > self.k {
            self.items.pop();
        }
        if self.items.len() == self.k {
            self.threshold = self.items.last().map_or(f32::NEG_INFINITY, |x| x.0);
        }
    }

    fn finish(self) -> Vec<(u32, f32)> {
        self.items.into_iter().map(|(s, j)| (j, s)).collect()
    }
}

/// Shape checks shared by the packed products: `a` is `m × depth`.
/// One implementation's sweep over a packed `B` (the scalar or the SIMD128 `packed`).
type PackedSweep = fn(&[f32], &PackedBt, usize, &mut Sink<'_>);

/// [`matmul_a_packed_bt`] with a given sweep: the shape checks, then the products stored into `c`.
fn store_packed(
    a: &[f32],
    b: &PackedBt,
    c: &mut [f32],
    m: usize,
    sweep: PackedSweep,
) -> ModelResult<()> {
    check_packed(a, b, m)?;
    check_len("c", c.len(), m, b.rows())?;
    sweep(a, b, m, &mut Sink::Store(c));
    Ok(())
}

/// [`top_k_a_packed_bt`] with a given sweep: the shape check, then the `k` best of each row selected on the fly.
fn select_packed(
    a: &[f32],
    b: &PackedBt,
    m: usize,
    k: usize,
    sweep: PackedSweep,
) -> ModelResult<Vec<Vec<(u32, f32)>>> {
    check_packed(a, b, m)?;
    let mut best: Vec<Best> = (0..m).map(|_| Best::new(k.min(b.rows()))).collect();
    if k > 0 && b.rows() > 0 {
        sweep(a, b, m, &mut Sink::Select(&mut best));
    }
    Ok(best.into_iter().map(Best::finish).collect())
}

fn check_packed(a: &[f32], b: &PackedBt, m: usize) -> ModelResult<()> {
    check_len("a", a.len(), m, b.depth())
}

/// `C = A·Bᵀ` for row-major `A` (`m × depth`) and a packed `B` (`n × depth`): `C` is `m × n`, row-major,
/// overwritten. Same per-element summation order (and so the same bits) as [`matmul_a_bt`] on the unpacked
/// `B`.
///
/// Complexity `O(m · n · depth)`, no scratch. Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn matmul_a_packed_bt(a: &[f32], b: &PackedBt, c: &mut [f32], m: usize) -> ModelResult<()> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd128::matmul_a_packed_bt(a, b, c, m);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::matmul_a_packed_bt(a, b, c, m)
}

/// For each row of `A` (`m × depth`), the `k` columns of `A·Bᵀ` with the largest values, best first, ties
/// to the lower column: `(column, value)` pairs. The `m × n` product is never materialised: each register
/// tile is compared with the query's current `k`-th best (one vector compare) and only tiles holding a
/// better value are looked at one by one. NaN values are skipped.
///
/// Values are bit-identical to [`matmul_a_bt`]'s. Complexity `O(m · n · depth)` time (plus `O(k)` per
/// value that enters a selection), `O(m · k)` memory. Errors: [`ModelError::ShapeMismatch`]. Never panics.
pub fn top_k_a_packed_bt(
    a: &[f32],
    b: &PackedBt,
    m: usize,
    k: usize,
) -> ModelResult<Vec<Vec<(u32, f32)>>> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd128::top_k_a_packed_bt(a, b, m, k);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::top_k_a_packed_bt(a, b, m, k)
}

/// Where finished tiles of a packed product go.
enum Sink<'a> {
    /// Into the `m × n` output.
    Store(&'a mut [f32]),
    /// Into one running selection per query row.
    Select(&'a mut [Best]),
    /// Approximate values: a running selection per row, and every column within `slack` of its threshold.
    Prefilter {
        /// The running selection of approximate values.
        best: &'a mut [Best],
        /// The columns to rescore, ascending.
        cands: &'a mut [Vec<u32>],
        /// Per row, how far below the approximate k-th best a column is still kept (`2δ`).
        slack: &'a [f32],
    },
}

impl Sink<'_> {
    /// Takes the values of row `i`, columns `j0..j0 + vals.len()` (columns `≥ n` are padding and ignored).
    #[inline]
    fn take(&mut self, i: usize, j0: usize, n: usize, vals: &[f32]) {
        let width = vals.len().min(n.saturating_sub(j0));
        match self {
            Sink::Store(c) => {
                let start = i * n + j0;
                if let (Some(dst), Some(src)) = (c.get_mut(start..start + width), vals.get(..width))
                {
                    dst.copy_from_slice(src);
                }
            }
            Sink::Select(best) => {
                if let Some(b) = best.get_mut(i) {
                    for (off, &v) in vals.iter().take(width).enumerate() {
                        b.offer(v, (j0 + off) as u32);
                    }
                }
            }
            Sink::Prefilter { best, cands, slack } => {
                let slack = slack.get(i).copied().unwrap_or(f32::INFINITY);
                if let (Some(b), Some(c)) = (best.get_mut(i), cands.get_mut(i)) {
                    for (off, &v) in vals.iter().take(width).enumerate() {
                        b.offer(v, (j0 + off) as u32);
                        // A NaN floor (∞ − ∞: an infinite slack) keeps everything, as does a NaN value.
                        let floor = b.threshold - slack;
                        if v >= floor || floor.is_nan() || v.is_nan() {
                            c.push((j0 + off) as u32);
                        }
                    }
                }
            }
        }
    }

    /// The value a tile of row `i` must beat somewhere to matter; `None`: every tile matters.
    #[inline]
    #[cfg_attr(
        not(all(target_arch = "wasm32", target_feature = "simd128")),
        allow(dead_code)
    )]
    fn threshold(&self, i: usize) -> Option<f32> {
        match self {
            Sink::Store(_) => None,
            Sink::Select(best) => best.get(i).map(|b| b.threshold),
            Sink::Prefilter { best, slack, .. } => best
                .get(i)
                .map(|b| b.threshold - slack.get(i).copied().unwrap_or(f32::INFINITY))
                // No floor (−∞, or NaN from ∞ − ∞): every tile goes to `take`, NaN values included.
                .filter(|t| *t > f32::NEG_INFINITY),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The int8 prefilter of the exact top-k (what `VectorIndex` uses).
// ---------------------------------------------------------------------------------------------------------

/// Rows of `B` per panel of a [`PackedI8`] (one i32x4 lane each).
pub const PANEL_I8: usize = 4;

/// [`PackedI8`] panels swept per query group before moving on (`256 × 4` rows: 64 KiB at depth 64, in L2
/// while every query of a batch passes over it).
const BLOCK_PANELS_I8: usize = 256;

/// The unit roundoff of `f32`, `2⁻²⁴`.
const U32: f64 = 1.0 / 16_777_216.0;

/// An `n × depth` matrix `B` quantised to int8 for the exact top-k prefilter
/// ([`top_k_a_bt_prefiltered`]): each row `b_j` becomes `s_j · b̃_j` with `b̃_j ∈ [-127, 127]^depth` and
/// `s_j = max|b_j| / 127` (an `f32`, round to nearest), and the rows are packed in panels of 4: per panel
/// and group of 4 elements `p..p + 4`, 16 bytes holding elements `p, p + 1` of rows 0–3 (pairs, row
/// after row), then elements `p + 2, p + 3` of rows 0–3. One `i16x8.extend_{low,high}_i8x16` of such a
/// vector against the query pair `(q̃_p, q̃_{p+1})` splat into every lane feeds `i32x4.dot_i16x8_s`, whose
/// lane `r` is row `r`'s partial sum: no horizontal reduction. `depth` is zero-padded to a multiple of 4,
/// rows to a multiple of 4. A quarter of the bytes of `f32` rows.
///
/// Also kept: upper bounds of every row's L2 norm and of its quantisation error `‖b_j − s_j·b̃_j‖₂`
/// (computed in `f64`, rounded up), which the prefilter's error bound needs.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedI8 {
    rows: usize,
    depth: usize,
    /// `depth` rounded up to a multiple of 4.
    depth4: usize,
    /// `panels · depth4 · 4` bytes.
    data: Vec<i8>,
    /// `s_j` per row, zero for padding rows (`panels · 4`).
    scales: Vec<f32>,
    /// `≥ max_j ‖b_j‖₂`.
    norm_max: f64,
    /// `≥ max_j ‖b_j − s_j·b̃_j‖₂`.
    err_max: f64,
}

/// Rounds `x / s` to the nearest integer in `[-lim, lim]` (0 when `s` is 0).
fn quantise(x: f32, s: f32, lim: i32) -> i32 {
    if s > 0.0 {
        (f64::from(x) / f64::from(s))
            .round()
            .clamp(-f64::from(lim), f64::from(lim)) as i32
    } else {
        0
    }
}

/// `‖x − s·x̃‖₂` and `‖x‖₂` in `f64`, each rounded up (relative margin `10⁻⁶`, far above the `f64`
/// rounding of sums up to 2³⁰ terms).
fn quantisation_error(x: &[f32], s: f32, xq: impl Iterator<Item = i32>) -> (f64, f64) {
    let (mut e2, mut n2) = (0.0f64, 0.0f64);
    for (&v, t) in x.iter().zip(xq) {
        // s · t is exact in f64 (24 + 17 bits); the difference rounds by at most 2⁻⁵³ relative.
        let e = f64::from(v) - f64::from(s) * f64::from(t);
        e2 += e * e;
        n2 += f64::from(v) * f64::from(v);
    }
    (e2.sqrt() * (1.0 + 1e-6), n2.sqrt() * (1.0 + 1e-6))
}

impl PackedI8 {
    /// Quantises and packs the row-major `rows × depth` matrix `b` (finite values).
    ///
    /// Complexity `O(rows · depth)`. Errors: [`ModelError::ShapeMismatch`] when `b.len() != rows · depth`
    /// (or the padded size overflows). Never panics.
    pub fn new(b: &[f32], rows: usize, depth: usize) -> ModelResult<Self> {
        check_len("b", b.len(), rows, depth)?;
        let depth4 = depth.div_ceil(4) * 4;
        let panels = rows.div_ceil(PANEL_I8);
        let bytes = area("b", area("b", panels, depth4)?, PANEL_I8)?;
        let mut data = vec![0i8; bytes];
        let mut scales = vec![0.0f32; panels * PANEL_I8];
        let (mut norm_max, mut err_max) = (0.0f64, 0.0f64);
        if depth > 0 {
            for (i, row) in b.chunks_exact(depth).enumerate() {
                let amax = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                let s = amax / 127.0;
                if let Some(slot) = scales.get_mut(i) {
                    *slot = s;
                }
                let (panel, r) = (i / PANEL_I8, i % PANEL_I8);
                for (p, &v) in row.iter().enumerate() {
                    let at =
                        panel * depth4 * PANEL_I8 + (p / 4) * 16 + (p % 4 / 2) * 8 + r * 2 + p % 2;
                    if let Some(slot) = data.get_mut(at) {
                        *slot = quantise(v, s, 127) as i8;
                    }
                }
                let (e, n) = quantisation_error(row, s, row.iter().map(|&v| quantise(v, s, 127)));
                err_max = err_max.max(e);
                norm_max = norm_max.max(n);
            }
        }
        Ok(Self {
            rows,
            depth,
            depth4,
            data,
            scales,
            norm_max,
            err_max,
        })
    }

    /// Rows of `B`.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row length of `B`.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Number of panels, `ceil(rows / 4)`.
    pub fn panels(&self) -> usize {
        self.rows.div_ceil(PANEL_I8)
    }
}

/// Queries quantised for the int8 prefilter: row `i` is `s_i · q̃_i` (i16, zero-padded to `depth4`) plus
/// the bound `δ_i` it implies, as a slack `2δ_i` on the threshold.
struct QuantQueries {
    depth4: usize,
    q: Vec<i16>,
    scales: Vec<f32>,
    slack: Vec<f32>,
}

impl QuantQueries {
    /// The error analysis. For a query `q = s_q·q̃ + e_q` and a row `b = s·b̃ + e`, the integer sum
    /// `I = q̃·b̃` is exact (the i16 range is capped so that `Σ|q̃_p|·127 < 2³¹`), and
    /// `q·b − s_q·s·I = q·e + s·(e_q·b̃)`, so `|q·b − s_q·s·I| ≤ ‖q‖·E + ‖e_q‖·(N + E)` (Cauchy–Schwarz;
    /// `N`, `E`: the row norm and error bounds of [`PackedI8`]). The approximate value
    /// `(f32(I) · s) · s_q` adds three `f32` roundings, `≤ 3.01·u·(‖q‖ + ‖e_q‖)(N + E)`; the exact rescoring
    /// is `q·b` up to `γ_depth·‖q‖·N`; products that underflow add at most `(depth + 8)·2⁻¹⁴⁰`. `δ` is the
    /// sum (with a 1% margin); the slack is `2δ` plus `4u` times the largest possible `|approx|`, for the
    /// rounding of the `f32` threshold `T − slack`, rounded up to `f32`.
    fn new(a: &[f32], b: &PackedI8, m: usize) -> Self {
        let (depth, depth4) = (b.depth, b.depth4);
        let lim = (i32::MAX as usize / 127usize.saturating_mul(depth4.max(1)))
            .min(i16::MAX as usize) as i32;
        let mut q = vec![0i16; m * depth4];
        let mut scales = vec![0.0f32; m];
        let mut slack = vec![f32::INFINITY; m];
        let d = depth as f64 * U32;
        let gamma = d / (1.0 - d).max(f64::MIN_POSITIVE);
        let (nb, eb) = (b.norm_max, b.err_max);
        for i in 0..m {
            let row = a.get(i * depth..(i + 1) * depth).unwrap_or(&[]);
            let amax = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let s = if lim > 0 { amax / lim as f32 } else { 0.0 };
            if let Some(dst) = q.get_mut(i * depth4..i * depth4 + depth) {
                for (t, &v) in dst.iter_mut().zip(row) {
                    *t = quantise(v, s, lim) as i16;
                }
            }
            let (eq, nq) = quantisation_error(row, s, row.iter().map(|&v| quantise(v, s, lim)));
            let nqt = row
                .iter()
                .map(|&v| f64::from(quantise(v, s, lim)).powi(2))
                .sum::<f64>()
                .sqrt();
            let amax_approx = (nq + eq) * (nb + eb) * (1.0 + 4.0 * U32);
            let delta = (nq * eb + eq * (nb + eb) + 3.01 * U32 * amax_approx)
                + 1.01 * gamma * nq * nb
                + (depth as f64 + 8.0) * 2f64.powi(-140);
            let sl = 2.0 * delta * 1.01 + 4.0 * U32 * amax_approx;
            if let (Some(sc), Some(sk)) = (scales.get_mut(i), slack.get_mut(i)) {
                *sc = s;
                // Rounded up to f32. When `f32` values on the way (`f32(I)·s_j`, the approximate or
                // the exact value) could overflow, or the bound is not finite, the slack is ∞: every
                // row is rescored.
                let f = sl as f32;
                let safe = sl.is_finite() && (nqt * (nb + eb)).max(amax_approx) < 1e37;
                *sk = if !safe || !f.is_finite() {
                    f32::INFINITY
                } else if f64::from(f) < sl {
                    f * (1.0 + 2.0 * f32::EPSILON) + f32::MIN_POSITIVE
                } else {
                    f + f32::MIN_POSITIVE
                };
            }
        }
        Self {
            depth4,
            q,
            scales,
            slack,
        }
    }
}

/// Per query row, its `(column, value)` pairs, best first.
type TopK = Vec<Vec<(u32, f32)>>;

/// An int8 sweep feeding a prefilter sink (the scalar or the SIMD128 one).
type I8Sweep = fn(&QuantQueries, &PackedI8, usize, &mut Sink<'_>);

/// The exact top-k of `A·Bᵀ` per row of `A` (`m × depth`), with an int8 prefilter: one pass over
/// `approx` (the rows of `B` quantised to int8, a quarter of the bytes) keeps every column whose
/// approximate value could still be in the top k, then those few are recomputed exactly from `b` (the
/// `n × depth` rows in `f32`, which `approx` must have been built from).
///
/// The result is **identical** to [`top_k_a_packed_bt`] on `b` (same values, same bits, same ties), not an
/// approximation: each query row is quantised to i16 with its own scale, the approximate value of a column
/// is an exact integer dot product times both scales, and with `δ` a proven bound on
/// `|approx − exact f32 value|` (quantisation of both operands, the `f32` conversions and the rescoring's
/// own rounding; see `QuantQueries::new`), a column of the exact top k has an approximate value within `2δ`
/// of the approximate k-th best, and every such column is rescored. The integer arithmetic is the same on
/// every target, so the scalar and SIMD128 sweeps compute the same approximate values, bit for bit.
///
/// Complexity `O(m · n · depth)` byte reads plus `O(depth)` per kept column (typically a few dozen).
/// Errors: [`ModelError::ShapeMismatch`] when the shapes disagree. Never panics.
pub fn top_k_a_bt_prefiltered(
    a: &[f32],
    b: &[f32],
    approx: &PackedI8,
    m: usize,
    k: usize,
) -> ModelResult<Vec<Vec<(u32, f32)>>> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd128::top_k_a_bt_prefiltered(a, b, approx, m, k);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::top_k_a_bt_prefiltered(a, b, approx, m, k)
}

/// How many columns [`top_k_a_bt_prefiltered`] rescores exactly, summed over the `m` query rows (for
/// benchmarks and tests; same contract and errors).
pub fn prefilter_rescored(
    a: &[f32],
    b: &[f32],
    approx: &PackedI8,
    m: usize,
    k: usize,
) -> ModelResult<usize> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let sweep: I8Sweep = simd128::i8_packed;
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let sweep: I8Sweep = scalar::i8_packed;
    Ok(prefiltered_i8(a, b, approx, m, k, sweep)?.1)
}

/// [`top_k_a_bt_prefiltered`] with the given sweep; also returns the number of rescored columns.
fn prefiltered_i8(
    a: &[f32],
    b: &[f32],
    approx: &PackedI8,
    m: usize,
    k: usize,
    sweep: I8Sweep,
) -> ModelResult<(TopK, usize)> {
    let (n, depth) = (approx.rows(), approx.depth());
    check_len("a", a.len(), m, depth)?;
    check_len("b", b.len(), n, depth)?;
    let kk = k.min(n);
    let queries = QuantQueries::new(a, approx, m);
    let mut best: Vec<Best> = (0..m).map(|_| Best::new(kk)).collect();
    let mut cands: Vec<Vec<u32>> = vec![Vec::new(); m];
    if kk > 0 {
        let mut sink = Sink::Prefilter {
            best: &mut best,
            cands: &mut cands,
            slack: &queries.slack,
        };
        sweep(&queries, approx, m, &mut sink);
    }
    let mut out = Vec::with_capacity(m);
    for (i, list) in cands.iter().enumerate() {
        let row = a.get(i * depth..(i + 1) * depth).unwrap_or(&[]);
        let mut exact = Best::new(kk);
        for &j in list {
            let col = b
                .get(j as usize * depth..(j as usize + 1) * depth)
                .unwrap_or(&[]);
            // The kernels' order: c = 0, then c + a·b for p ascending, product rounded then added.
            let v = row.iter().zip(col).fold(0.0f32, |c, (x, y)| c + x * y);
            exact.offer(v, j);
        }
        out.push(exact.finish());
    }
    Ok((out, cands.iter().map(Vec::len).sum()))
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
    use super::{
        checked, empty_sums, pack_b, store_tile, Epilogue, ModelResult, Op, PackedBt, Sink,
        Strided, BLOCK_PANELS, MR, NR, PANEL, PLAIN,
    };
    use super::{PackedI8, QuantQueries, BLOCK_PANELS_I8, PANEL_I8};

    /// Scalar `C = A·B`; same contract and result bits as [`super::matmul`].
    pub fn matmul(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        let (la, lb) = checked(Op::AB, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
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
        let (la, lb) = checked(Op::AtB, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
        Ok(())
    }

    /// Scalar `C = A·Bᵀ`; same contract and result bits as [`super::matmul_a_bt`].
    pub fn matmul_a_bt(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        let (la, lb) = checked(Op::ABt, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
        Ok(())
    }

    /// The packed, register-blocked scalar kernel (safe Rust).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gemm(
        a: &[f32],
        la: Strided,
        b: &[f32],
        lb: Strided,
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        epi: Epilogue<'_>,
    ) {
        // k == 0 (every sum empty) is handled by `gemm_packed`: the epilogue still applies.
        let bpack = pack_b(b, lb, k, n);
        gemm_packed(a, la, &bpack, c, m, k, n, epi);
    }

    /// [`gemm`] on `B` already packed by [`pack_b`] (`ceil(n / 8) · k` rows of 8).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gemm_packed(
        a: &[f32],
        la: Strided,
        bpack: &[[f32; NR]],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        epi: Epilogue<'_>,
    ) {
        if k == 0 {
            return empty_sums(c, m, n, epi);
        }
        let mut apanel = vec![[0.0f32; MR]; k];
        let mut i0 = 0;
        while i0 < m {
            let rows = MR.min(m - i0);
            for (p, slot) in apanel.iter_mut().enumerate() {
                for (r, v) in slot.iter_mut().enumerate() {
                    *v = if r < rows {
                        a.get((i0 + r) * la.row_stride + p * la.col_stride)
                            .copied()
                            .unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
            }
            for (jb, bpanel) in bpack.chunks_exact(k).take(n.div_ceil(NR)).enumerate() {
                let mut acc = [[0.0f32; NR]; MR];
                for (av, bv) in apanel.iter().zip(bpanel) {
                    for (acc_row, &ar) in acc.iter_mut().zip(av) {
                        for (slot, &bc) in acc_row.iter_mut().zip(bv) {
                            *slot += ar * bc;
                        }
                    }
                }
                let j0 = jb * NR;
                store_tile(c, n, i0, j0, rows, NR.min(n - j0), &mut acc, epi);
            }
            i0 += rows;
        }
    }
    /// Scalar [`super::matmul_a_packed_bt`]; same contract and result bits.
    pub fn matmul_a_packed_bt(a: &[f32], b: &PackedBt, c: &mut [f32], m: usize) -> ModelResult<()> {
        super::store_packed(a, b, c, m, packed)
    }

    /// Scalar [`super::top_k_a_packed_bt`]; same contract and result.
    pub fn top_k_a_packed_bt(
        a: &[f32],
        b: &PackedBt,
        m: usize,
        k: usize,
    ) -> ModelResult<Vec<Vec<(u32, f32)>>> {
        super::select_packed(a, b, m, k, packed)
    }

    /// Scalar [`super::top_k_a_bt_prefiltered`]; same contract and result.
    pub fn top_k_a_bt_prefiltered(
        a: &[f32],
        b: &[f32],
        approx: &PackedI8,
        m: usize,
        k: usize,
    ) -> ModelResult<Vec<Vec<(u32, f32)>>> {
        Ok(super::prefiltered_i8(a, b, approx, m, k, i8_packed)?.0)
    }

    /// The int8 sweep of [`super::top_k_a_bt_prefiltered`] (safe Rust): each query row against each
    /// panel; the same integer sums (exact, wrapping arithmetic is never reached) and the same `f32`
    /// operations, `(f32(I) · s_j) · s_q`, as the SIMD128 sweep.
    pub(super) fn i8_packed(q: &QuantQueries, b: &PackedI8, m: usize, sink: &mut Sink<'_>) {
        let (n, panels, d4) = (b.rows(), b.panels(), q.depth4);
        let pl = d4 * PANEL_I8;
        for blk in (0..panels).step_by(BLOCK_PANELS_I8) {
            let end = (blk + BLOCK_PANELS_I8).min(panels);
            for i in 0..m {
                let qrow = q.q.get(i * d4..(i + 1) * d4).unwrap_or(&[]);
                let sq = q.scales.get(i).copied().unwrap_or(0.0);
                for j in blk..end {
                    let panel = b.data.get(j * pl..(j + 1) * pl).unwrap_or(&[]);
                    let mut acc = [0i32; PANEL_I8];
                    for (qg, bg) in qrow.chunks_exact(4).zip(panel.chunks_exact(16)) {
                        for (h, half) in bg.chunks_exact(8).enumerate() {
                            for (r, pair) in acc.iter_mut().zip(half.chunks_exact(2)) {
                                for (t, &bv) in pair.iter().enumerate() {
                                    let qv = qg.get(2 * h + t).copied().unwrap_or(0);
                                    *r = r.wrapping_add(i32::from(qv) * i32::from(bv));
                                }
                            }
                        }
                    }
                    let mut vals = [0.0f32; PANEL_I8];
                    for (r, v) in vals.iter_mut().enumerate() {
                        let s = b.scales.get(j * PANEL_I8 + r).copied().unwrap_or(0.0);
                        *v = (acc[r] as f32 * s) * sq;
                    }
                    sink.take(i, j * PANEL_I8, n, &vals);
                }
            }
        }
    }

    /// The packed `A·Bᵀ` sweep (safe Rust): blocks of [`super::BLOCK_PANELS`] panels; in each, every query
    /// row against groups of 4 panels (32 independent sums, `p` ascending in each).
    pub(super) fn packed(a: &[f32], b: &PackedBt, m: usize, sink: &mut Sink<'_>) {
        let (depth, n, panels) = (b.depth(), b.rows(), b.panels());
        let pl = depth * PANEL;
        let data = b.data();
        for blk in (0..panels).step_by(BLOCK_PANELS) {
            let end = (blk + BLOCK_PANELS).min(panels);
            for i in 0..m {
                let row = a.get(i * depth..(i + 1) * depth).unwrap_or(&[]);
                let mut j = blk;
                while j < end {
                    let np = 4.min(end - j);
                    let group = data.get(j * pl..(j + np) * pl).unwrap_or(&[]);
                    let mut acc = [[0.0f32; PANEL]; 4];
                    for (p, &av) in row.iter().enumerate() {
                        for (q, acc_q) in acc.iter_mut().take(np).enumerate() {
                            let at = q * pl + p * PANEL;
                            if let Some(bv) = group.get(at..at + PANEL) {
                                for (s, &bc) in acc_q.iter_mut().zip(bv) {
                                    *s += av * bc;
                                }
                            }
                        }
                    }
                    sink.take(i, j * PANEL, n, acc.get(..np).unwrap_or(&[]).as_flattened());
                    j += np;
                }
            }
        }
    }
}

/// Explicit WebAssembly SIMD128 kernels: 4×8 register tiles of f32x4 accumulators, vectorised across
/// columns, with the same per-element summation order as [`scalar`] (so the results are bit-identical).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
pub mod simd128 {
    use super::{
        checked, empty_sums, pack_b, store_tile, Epilogue, ModelResult, Op, PackedBt, Sink,
        Strided, BLOCK_PANELS, MR, NR, PANEL, PLAIN,
    };
    use super::{PackedI8, QuantQueries, BLOCK_PANELS_I8, PANEL_I8};
    use core::arch::wasm32::{
        f32x4_add, f32x4_convert_i32x4, f32x4_extract_lane, f32x4_ge, f32x4_gt, f32x4_mul,
        f32x4_pmax, f32x4_splat, i16x8_extend_high_i8x16, i16x8_extend_low_i8x16, i32x4_add,
        i32x4_dot_i16x8, i32x4_splat, v128, v128_any_true, v128_load, v128_load32_splat, v128_or,
        v128_store,
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
        let (la, lb) = checked(Op::AB, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
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
        let (la, lb) = checked(Op::AtB, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
        Ok(())
    }

    /// SIMD128 `C = A·Bᵀ`; same contract and result bits as [`super::scalar::matmul_a_bt`].
    pub fn matmul_a_bt(
        a: &[f32],
        b: &[f32],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
    ) -> ModelResult<()> {
        let (la, lb) = checked(Op::ABt, a, b, c, m, k, n)?;
        gemm(a, la, b, lb, c, m, k, n, PLAIN);
        Ok(())
    }

    /// One `R × 8` tile: `acc[r] = Σ_p A(i0 + r, p) · panel[p]`, `p` ascending, product then sum; each row
    /// as two f32x4 vectors (columns 0–3 and 4–7).
    ///
    /// # Safety
    /// `a` must be readable at `r * rs + p * cs` for all `r < R`, `p < panel.len()`.
    #[inline(always)]
    unsafe fn tile<const R: usize>(
        a: *const f32,
        rs: usize,
        cs: usize,
        panel: &[[f32; NR]],
    ) -> [[v128; 2]; R] {
        let zero = f32x4_splat(0.0);
        let mut acc = [[zero; 2]; R];
        let mut a_p = a;
        for bv in panel {
            // SAFETY: `bv` is a valid `[f32; 8]`; `v128_load` reads 16 bytes without alignment requirements,
            // at offsets 0 and 16 — both inside the array.
            let (b0, b1) = unsafe {
                let ptr = bv.as_ptr();
                (
                    v128_load(ptr.cast::<v128>()),
                    v128_load(ptr.add(4).cast::<v128>()),
                )
            };
            for (r, acc_row) in acc.iter_mut().enumerate() {
                // SAFETY: element (i0 + r, p) of A; readable by the caller's guarantee.
                let av = unsafe { v128_load32_splat(a_p.add(r * rs).cast::<u32>()) };
                acc_row[0] = f32x4_add(acc_row[0], f32x4_mul(av, b0));
                acc_row[1] = f32x4_add(acc_row[1], f32x4_mul(av, b1));
            }
            // Only dereferenced for the next `p < panel.len()`; `wrapping_add` keeps the arithmetic itself safe.
            a_p = a_p.wrapping_add(cs);
        }
        acc
    }

    /// Stores rows `i0..i0 + R` × columns `j0..j0 + cols` of a finished tile through the epilogue. Full
    /// tiles take the vector path (bias added after the sum, ReLU as `pmax(+0, z)`, which returns the same
    /// bits as the scalar `if z > 0 { z } else { +0.0 }` for every input, NaN and -0 included); edge tiles go
    /// through [`store_tile`].
    #[inline(always)]
    fn finish<const R: usize>(
        c: &mut [f32],
        n: usize,
        i0: usize,
        j0: usize,
        cols: usize,
        acc: &[[v128; 2]; R],
        epi: Epilogue<'_>,
    ) {
        let zero = f32x4_splat(0.0);
        let bias = match epi.bias {
            None => Some((zero, zero, false)),
            Some(b) => b.get(j0..j0 + NR).map(|b| {
                // SAFETY: `b` is 8 floats long; two unaligned 16-byte loads at offsets 0 and 16.
                unsafe {
                    let ptr = b.as_ptr();
                    (
                        v128_load(ptr.cast::<v128>()),
                        v128_load(ptr.add(4).cast::<v128>()),
                        true,
                    )
                }
            }),
        };
        match bias {
            Some((b0, b1, add)) if cols == NR => {
                for (r, row) in acc.iter().enumerate() {
                    let (mut v0, mut v1) = (row[0], row[1]);
                    if add {
                        v0 = f32x4_add(v0, b0);
                        v1 = f32x4_add(v1, b1);
                    }
                    if epi.relu {
                        v0 = f32x4_pmax(zero, v0);
                        v1 = f32x4_pmax(zero, v1);
                    }
                    let start = (i0 + r) * n + j0;
                    if let Some(dst) = c.get_mut(start..start + NR) {
                        // SAFETY: `dst` is 8 floats long; two unaligned 16-byte stores at offsets 0 and 16.
                        unsafe {
                            let ptr = dst.as_mut_ptr();
                            v128_store(ptr.cast::<v128>(), v0);
                            v128_store(ptr.add(4).cast::<v128>(), v1);
                        }
                    }
                }
            }
            _ => {
                for (r, row) in acc.iter().enumerate() {
                    let mut t = [[0.0f32; NR]; MR];
                    if let Some(dst) = t.first_mut() {
                        // SAFETY: `dst` is a `[f32; 8]`; two unaligned 16-byte stores at offsets 0 and 16.
                        unsafe {
                            let ptr = dst.as_mut_ptr();
                            v128_store(ptr.cast::<v128>(), row[0]);
                            v128_store(ptr.add(4).cast::<v128>(), row[1]);
                        }
                    }
                    store_tile(c, n, i0 + r, j0, 1, cols, &mut t, epi);
                }
            }
        }
    }

    /// The packed SIMD kernel; the callers have checked the slice lengths against the shapes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gemm(
        a: &[f32],
        la: Strided,
        b: &[f32],
        lb: Strided,
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        epi: Epilogue<'_>,
    ) {
        let bpack = pack_b(b, lb, k, n);
        gemm_packed(a, la, &bpack, c, m, k, n, epi);
    }

    /// [`gemm`] on `B` already packed by [`super::pack_b`]: blocks of 4 rows (then single rows), each
    /// against every column panel. (6×8 and 5×8 tiles measured slower in V8: 12 or 10 accumulators plus the
    /// operands exceed what its register allocator keeps in the 16 x86-64 vector registers without spills.)
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gemm_packed(
        a: &[f32],
        la: Strided,
        bpack: &[[f32; NR]],
        c: &mut [f32],
        m: usize,
        k: usize,
        n: usize,
        epi: Epilogue<'_>,
    ) {
        // Defensive re-check of the invariant the unsafe tiles rely on (cheap, once per call).
        if a.len() < la.extent(m, k) {
            return;
        }
        if k == 0 {
            return empty_sums(c, m, n, epi);
        }
        let (rs, cs) = (la.row_stride, la.col_stride);
        let ap = a.as_ptr();
        let panels = n.div_ceil(NR);
        let mut i0 = 0;
        while i0 < m {
            let rows = if m - i0 >= MR { MR } else { 1 };
            let a0 = ap.wrapping_add(i0 * rs);
            for (jb, panel) in bpack.chunks_exact(k).take(panels).enumerate() {
                let j0 = jb * NR;
                let cols = NR.min(n - j0);
                // SAFETY (both arms): rows i0..i0 + rows ≤ m and p < k, so every read is below
                // `la.extent(m, k)`, checked above.
                if rows == MR {
                    let acc = unsafe { tile::<MR>(a0, rs, cs, panel) };
                    finish::<MR>(c, n, i0, j0, cols, &acc, epi);
                } else {
                    let acc = unsafe { tile::<1>(a0, rs, cs, panel) };
                    finish::<1>(c, n, i0, j0, cols, &acc, epi);
                }
            }
            i0 += rows;
        }
    }

    /// SIMD128 [`super::matmul_a_packed_bt`]; same contract and result bits.
    pub fn matmul_a_packed_bt(a: &[f32], b: &PackedBt, c: &mut [f32], m: usize) -> ModelResult<()> {
        super::store_packed(a, b, c, m, packed)
    }

    /// SIMD128 [`super::top_k_a_packed_bt`]; same contract and result.
    pub fn top_k_a_packed_bt(
        a: &[f32],
        b: &PackedBt,
        m: usize,
        k: usize,
    ) -> ModelResult<Vec<Vec<(u32, f32)>>> {
        super::select_packed(a, b, m, k, packed)
    }

    /// SIMD128 [`super::top_k_a_bt_prefiltered`]; same contract and result.
    pub fn top_k_a_bt_prefiltered(
        a: &[f32],
        b: &[f32],
        approx: &PackedI8,
        m: usize,
        k: usize,
    ) -> ModelResult<Vec<Vec<(u32, f32)>>> {
        Ok(super::prefiltered_i8(a, b, approx, m, k, i8_packed)?.0)
    }

    /// The int8 sweep of [`super::top_k_a_bt_prefiltered`]: blocks of [`super::BLOCK_PANELS_I8`]
    /// panels; in each, groups of 4 query rows against 2 panels (8 i32x4 accumulators, each panel's
    /// widened rows shared by the 4 queries), or a single row against 4 panels. Per group of 4 elements
    /// and panel: one 16-byte load, two `i16x8.extend_*_i8x16`, two `i32x4.dot_i16x8_s` (16 exact MACs).
    pub(super) fn i8_packed(q: &QuantQueries, b: &PackedI8, m: usize, sink: &mut Sink<'_>) {
        let (n, panels, d4) = (b.rows(), b.panels(), q.depth4);
        let pl = d4 * PANEL_I8;
        // The invariants the unsafe tiles rely on (cheap, once per call).
        if d4 == 0
            || q.q.len() < m * d4
            || q.scales.len() < m
            || b.data.len() < panels * pl
            || b.scales.len() < panels * PANEL_I8
        {
            return;
        }
        let (qp, bp) = (q.q.as_ptr(), b.data.as_ptr());
        for blk in (0..panels).step_by(BLOCK_PANELS_I8) {
            let end = (blk + BLOCK_PANELS_I8).min(panels);
            let mut i = 0;
            while i < m {
                let rows = if m - i >= 4 { 4 } else { 1 };
                let np = if rows == 1 { 4 } else { 2 };
                let mut j = blk;
                while j < end {
                    let q_i = qp.wrapping_add(i * d4);
                    let b_j = bp.wrapping_add(j * pl);
                    // SAFETY: rows i..i + rows ≤ m and panels j..j + np ≤ panels (or one panel): every
                    // read is inside the quantised queries and the packed bytes, checked above.
                    unsafe {
                        if rows == 1 && j + 4 <= end {
                            emit_i8(&i8_tile::<1, 4>(q_i, d4, b_j, pl), q, b, i, j, n, sink);
                        } else if rows == 4 && j + 2 <= end {
                            emit_i8(&i8_tile::<4, 2>(q_i, d4, b_j, pl), q, b, i, j, n, sink);
                        } else if rows == 1 {
                            emit_i8(&i8_tile::<1, 1>(q_i, d4, b_j, pl), q, b, i, j, n, sink);
                        } else {
                            emit_i8(&i8_tile::<4, 1>(q_i, d4, b_j, pl), q, b, i, j, n, sink);
                        }
                    }
                    j += if j + np <= end { np } else { 1 };
                }
                i += rows;
            }
        }
    }

    /// `MQ` quantised query rows against `NP` int8 panels: `acc[r][q]` lane `l` = the exact integer dot
    /// product of query `r` with row `l` of panel `q`.
    ///
    /// # Safety
    /// `q` readable at `r * d4 + p` (`r < MQ`, `p < d4`); `b` at `c * pl + g * 16 .. + 16` bytes
    /// (`c < NP`, `g < d4 / 4`).
    #[inline(always)]
    unsafe fn i8_tile<const MQ: usize, const NP: usize>(
        q: *const i16,
        d4: usize,
        b: *const i8,
        pl: usize,
    ) -> [[v128; NP]; MQ] {
        let zero = i32x4_splat(0);
        let mut acc = [[zero; NP]; MQ];
        for g in 0..d4 / 4 {
            let mut bv = [(zero, zero); NP];
            for (c, slot) in bv.iter_mut().enumerate() {
                // SAFETY: inside the caller's panels; unaligned 16-byte load.
                let w = unsafe { v128_load(b.add(c * pl + g * 16).cast::<v128>()) };
                *slot = (i16x8_extend_low_i8x16(w), i16x8_extend_high_i8x16(w));
            }
            for (r, acc_row) in acc.iter_mut().enumerate() {
                // SAFETY: elements (r, 4g .. 4g + 4) of the caller's quantised queries.
                let (q0, q1) = unsafe {
                    let at = q.add(r * d4 + g * 4);
                    (
                        v128_load32_splat(at.cast::<u32>()),
                        v128_load32_splat(at.add(2).cast::<u32>()),
                    )
                };
                for (s, &(lo, hi)) in acc_row.iter_mut().zip(&bv) {
                    *s = i32x4_add(
                        *s,
                        i32x4_add(i32x4_dot_i16x8(lo, q0), i32x4_dot_i16x8(hi, q1)),
                    );
                }
            }
        }
        acc
    }

    /// Scales an int8 tile to approximate values, `(f32(I) · s_j) · s_q`, and hands it to the sink (rows
    /// without a value above their threshold are skipped with one vector compare per accumulator).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn emit_i8<const MQ: usize, const NP: usize>(
        acc: &[[v128; NP]; MQ],
        q: &QuantQueries,
        b: &PackedI8,
        i: usize,
        j: usize,
        n: usize,
        sink: &mut Sink<'_>,
    ) {
        let mut sv = [f32x4_splat(0.0); NP];
        for (c, s) in sv.iter_mut().enumerate() {
            let at = (j + c) * PANEL_I8;
            if let Some(sc) = b.scales.get(at..at + PANEL_I8) {
                // SAFETY: `sc` is 4 floats long; unaligned 16-byte load.
                *s = unsafe { v128_load(sc.as_ptr().cast::<v128>()) };
            }
        }
        for (r, panels) in acc.iter().enumerate() {
            let sq = f32x4_splat(q.scales.get(i + r).copied().unwrap_or(0.0));
            let mut vals = [f32x4_splat(0.0); NP];
            for ((v, &t), &s) in vals.iter_mut().zip(panels).zip(&sv) {
                *v = f32x4_mul(f32x4_mul(f32x4_convert_i32x4(t), s), sq);
            }
            if let Some(t) = sink.threshold(i + r) {
                let thr = f32x4_splat(t);
                let hit = vals
                    .iter()
                    .fold(f32x4_splat(0.0), |h, &v| v128_or(h, f32x4_ge(v, thr)));
                if !v128_any_true(hit) {
                    continue;
                }
            }
            let mut out = [[0.0f32; PANEL_I8]; NP];
            for (dst, &v) in out.iter_mut().zip(&vals) {
                *dst = [
                    f32x4_extract_lane::<0>(v),
                    f32x4_extract_lane::<1>(v),
                    f32x4_extract_lane::<2>(v),
                    f32x4_extract_lane::<3>(v),
                ];
            }
            sink.take(i + r, j * PANEL_I8, n, out.as_flattened());
        }
    }

    /// The packed `A·Bᵀ` sweep: blocks of [`super::BLOCK_PANELS`] panels (kept in L2 while every query
    /// of a batch passes); in each, pairs of query rows against 2 panels (2 × 16 columns: 8 f32x4
    /// accumulators), or a single row against 4 panels (32 columns: 8 accumulators, enough independent
    /// add chains to hide the add latency). Remainder panels go one at a time.
    pub(super) fn packed(a: &[f32], b: &PackedBt, m: usize, sink: &mut Sink<'_>) {
        let (depth, n, panels) = (b.depth(), b.rows(), b.panels());
        let pl = depth * PANEL;
        let data = b.data();
        // The invariants the unsafe tiles rely on (cheap, once per call).
        if a.len() < m * depth || data.len() < panels * pl {
            return;
        }
        if depth == 0 {
            for i in 0..m {
                for j in 0..panels {
                    sink.take(i, j * PANEL, n, &[0.0; PANEL]);
                }
            }
            return;
        }
        let (ap, bp) = (a.as_ptr(), data.as_ptr());
        for blk in (0..panels).step_by(BLOCK_PANELS) {
            let end = (blk + BLOCK_PANELS).min(panels);
            let mut i = 0;
            while i < m {
                if m - i >= 2 {
                    sweep::<2, 4>(ap, depth, i, bp, blk, end, n, sink);
                    i += 2;
                } else {
                    sweep::<1, 8>(ap, depth, i, bp, blk, end, n, sink);
                    i += 1;
                }
            }
        }
    }

    /// Rows `i..i + MQ` of `A` against panels `blk..end`, `NV / 2` panels at a time, then one at a time.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn sweep<const MQ: usize, const NV: usize>(
        ap: *const f32,
        depth: usize,
        i: usize,
        bp: *const f32,
        blk: usize,
        end: usize,
        n: usize,
        sink: &mut Sink<'_>,
    ) {
        let pl = depth * PANEL;
        let np = NV / 2;
        let mut j = blk;
        while j + np <= end {
            // SAFETY: rows i..i + MQ ≤ m and panels j..j + np ≤ panels: every read is inside `a` and the
            // packed data (checked against m · depth and panels · pl by `packed`).
            let acc = unsafe {
                ptile::<MQ, NV>(
                    ap.wrapping_add(i * depth),
                    depth,
                    bp.wrapping_add(j * pl),
                    pl,
                )
            };
            emit(&acc, i, j * PANEL, n, sink);
            j += np;
        }
        while j < end {
            // SAFETY: as above, one panel.
            let acc = unsafe {
                ptile::<MQ, 2>(
                    ap.wrapping_add(i * depth),
                    depth,
                    bp.wrapping_add(j * pl),
                    pl,
                )
            };
            emit(&acc, i, j * PANEL, n, sink);
            j += 1;
        }
    }

    /// An `MQ × 4·NV` tile: `acc[r][v]` holds columns `4v..4v + 4` of the tile (panel `v / 2`, half
    /// `v % 2`), each `Σ_p A(r, p) · B(col, p)` with `p` ascending, product then sum.
    ///
    /// # Safety
    /// `a` must be readable at `r * lda + p` for `r < MQ`, `p < lda`; `b` at
    /// `(v / 2) * pl + p * 8 + (v % 2) * 4 .. + 4` for `v < NV`, `p < lda` (`pl = lda * 8`).
    #[inline(always)]
    unsafe fn ptile<const MQ: usize, const NV: usize>(
        a: *const f32,
        lda: usize,
        b: *const f32,
        pl: usize,
    ) -> [[v128; NV]; MQ] {
        let zero = f32x4_splat(0.0);
        let mut acc = [[zero; NV]; MQ];
        for p in 0..lda {
            let mut bv = [zero; NV];
            for (v, slot) in bv.iter_mut().enumerate() {
                // SAFETY: inside the caller's panels (see the function's contract); unaligned load.
                *slot = unsafe {
                    v128_load(b.add((v / 2) * pl + p * PANEL + (v % 2) * 4).cast::<v128>())
                };
            }
            for (r, acc_row) in acc.iter_mut().enumerate() {
                // SAFETY: element (r, p) of the caller's rows of A.
                let av = unsafe { v128_load32_splat(a.add(r * lda + p).cast::<u32>()) };
                for (s, &bvv) in acc_row.iter_mut().zip(&bv) {
                    *s = f32x4_add(*s, f32x4_mul(av, bvv));
                }
            }
        }
        acc
    }

    /// Hands a finished tile to the sink; for a selection, only rows with a value above their threshold
    /// (one vector compare per accumulator decides).
    #[inline(always)]
    fn emit<const MQ: usize, const NV: usize>(
        acc: &[[v128; NV]; MQ],
        i: usize,
        j0: usize,
        n: usize,
        sink: &mut Sink<'_>,
    ) {
        for (r, vecs) in acc.iter().enumerate() {
            if let Some(t) = sink.threshold(i + r) {
                let thr = f32x4_splat(t);
                let hit = vecs
                    .iter()
                    .fold(f32x4_splat(0.0), |h, &v| v128_or(h, f32x4_gt(v, thr)));
                if !v128_any_true(hit) {
                    continue;
                }
            }
            let mut vals = [[0.0f32; 4]; NV];
            for (dst, &v) in vals.iter_mut().zip(vecs) {
                *dst = [
                    f32x4_extract_lane::<0>(v),
                    f32x4_extract_lane::<1>(v),
                    f32x4_extract_lane::<2>(v),
                    f32x4_extract_lane::<3>(v),
                ];
            }
            sink.take(i + r, j0, n, vals.as_flattened());
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

    fn transpose(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; rows * cols];
        for r in 0..rows {
            for c in 0..cols {
                out[c * rows + r] = src[r * cols + c];
            }
        }
        out
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
                    let mut c6 = vec![f32::NAN; m * n];
                    scalar::matmul_a_bt(&a, &bt, &mut c6, m, k, n).unwrap();
                    assert_eq!(c6, want);
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
    fn fused_bias_and_relu_equal_the_separate_steps() {
        let mut rng = StdRng::seed_from_u64(13);
        let mut clipped = 0;
        for &(m, k, n) in &[(5usize, 17usize, 9usize), (8, 3, 8), (1, 1, 1), (3, 0, 2)] {
            let a = random(m * k, &mut rng);
            let b = random(k * n, &mut rng);
            let bias = random(n, &mut rng);
            let mut want = naive(&a, &b, m, k, n);
            for (idx, v) in want.iter_mut().enumerate() {
                let z = *v + bias[idx % n];
                *v = if z > 0.0 { z } else { 0.0 };
            }
            let mut got = vec![f32::NAN; m * n];
            matmul_bias(&a, &b, &bias, true, &mut got, m, k, n).unwrap();
            assert_eq!(got, want, "{m}x{k}x{n}");
            clipped += got.iter().filter(|v| **v == 0.0).count();
        }
        assert!(clipped > 5, "the ReLU was exercised");
        let err = matmul_bias(
            &[1.0; 4],
            &[1.0; 4],
            &[0.0; 3],
            false,
            &mut [0.0; 4],
            2,
            2,
            2,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ModelError::ShapeMismatch { what: "bias", .. }
        ));
    }

    #[test]
    fn prepacked_weights_give_the_same_bits_as_matmul_bias() {
        let mut rng = StdRng::seed_from_u64(19);
        for &m in &[1usize, 4, 5, 6, 7, 11, 12, 13, 256] {
            for &k in &[0usize, 1, 17, 64, 128] {
                for &n in &[1usize, 7, 8, 9, 32, 64] {
                    let mut a = random(m * k, &mut rng);
                    if k > 0 && m > 2 {
                        // ∞ · 0 and ∞ − ∞ make NaN sums: the ReLU must map them to +0 on every path.
                        a[k] = f32::INFINITY;
                        a[2 * k] = f32::NEG_INFINITY;
                    }
                    let b = random(k * n, &mut rng);
                    let bias = random(n, &mut rng);
                    let packed = PackedB::new(&b, k, n).unwrap();
                    assert_eq!((packed.k(), packed.n()), (k, n));
                    for relu in [false, true] {
                        let mut want = vec![f32::NAN; m * n];
                        matmul_bias(&a, &b, &bias, relu, &mut want, m, k, n).unwrap();
                        let mut got = vec![f32::NAN; m * n];
                        matmul_bias_packed(&a, &packed, &bias, relu, &mut got, m).unwrap();
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        if relu {
                            assert_eq!(bits(&got), bits(&want), "{m}x{k}x{n}");
                            assert!(got.iter().all(|v| *v >= 0.0), "{m}x{k}x{n}");
                        } else {
                            // NaN payloads may differ; everything else bit for bit.
                            for (g, w) in got.iter().zip(&want) {
                                assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
                            }
                        }
                    }
                }
            }
        }
        let packed = PackedB::new(&[1.0; 6], 2, 3).unwrap();
        let err = matmul_bias_packed(&[1.0; 3], &packed, &[0.0; 3], true, &mut [0.0; 3], 1);
        assert!(matches!(
            err,
            Err(ModelError::ShapeMismatch { what: "a", .. })
        ));
        let err = matmul_bias_packed(&[1.0; 2], &packed, &[0.0; 2], true, &mut [0.0; 3], 1);
        assert!(matches!(
            err,
            Err(ModelError::ShapeMismatch { what: "bias", .. })
        ));
        let err = matmul_bias_packed(&[1.0; 2], &packed, &[0.0; 3], true, &mut [0.0; 2], 1);
        assert!(matches!(
            err,
            Err(ModelError::ShapeMismatch { what: "c", .. })
        ));
        assert!(matches!(
            PackedB::new(&[1.0; 5], 2, 3),
            Err(ModelError::ShapeMismatch { what: "b", .. })
        ));
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
    fn packed_products_match_the_unpacked_kernel_bit_for_bit() {
        let mut rng = StdRng::seed_from_u64(17);
        for &m in &[1usize, 2, 3, 5] {
            for &depth in &[0usize, 1, 3, 17, 64] {
                for &n in &[1usize, 7, 8, 9, 33, 517, 1031] {
                    let a = random(m * depth, &mut rng);
                    let b = random(n * depth, &mut rng);
                    let packed = PackedBt::new(&b, n, depth).unwrap();
                    assert_eq!((packed.rows(), packed.depth()), (n, depth));
                    let mut want = vec![f32::NAN; m * n];
                    matmul_a_bt(&a, &b, &mut want, m, depth, n).unwrap();
                    let mut got = vec![f32::NAN; m * n];
                    matmul_a_packed_bt(&a, &packed, &mut got, m).unwrap();
                    assert_eq!(got, want, "{m}x{depth}x{n}");
                    for k in [0usize, 1, 10, n + 3] {
                        let tops = top_k_a_packed_bt(&a, &packed, m, k).unwrap();
                        assert_eq!(tops.len(), m);
                        for (row, top) in want.chunks_exact(n).zip(&tops) {
                            let expect: Vec<(u32, f32)> = crate::similarity::top_k(row, k)
                                .into_iter()
                                .map(|(j, v)| (j as u32, v))
                                .collect();
                            assert_eq!(top, &expect, "{m}x{depth}x{n} k={k}");
                        }
                    }
                }
            }
        }
        // Ties go to the lower column, also across panels and blocks.
        let b = vec![1.0f32; 3 * 1000];
        let packed = PackedBt::new(&b, 1000, 3).unwrap();
        let top = top_k_a_packed_bt(&[1.0, 1.0, 1.0], &packed, 1, 4).unwrap();
        assert_eq!(top, vec![vec![(0, 3.0), (1, 3.0), (2, 3.0), (3, 3.0)]]);
        assert!(PackedBt::new(&[1.0; 5], 2, 3).is_err());
        assert!(top_k_a_packed_bt(&[1.0; 2], &packed, 1, 1).is_err());
        assert!(matmul_a_packed_bt(&[1.0; 3], &packed, &mut [0.0; 999], 1).is_err());
    }

    /// The data shapes the int8 prefilter must survive: random, quantised (many exact ties, rows closer
    /// than int8 can separate), one huge component per row, near-zero and zero rows.
    fn adversarial(kind: usize, len: usize, depth: usize, rng: &mut StdRng) -> Vec<f32> {
        let mut v = random(len, rng);
        match kind {
            1 => {
                for (j, x) in v.iter_mut().enumerate() {
                    *x = (*x * 2.0).round() + (j / depth.max(1) % 7) as f32 * 1e-5;
                }
            }
            2 => {
                for (j, x) in v.iter_mut().enumerate() {
                    if j % depth.max(1) == 0 {
                        *x = 1e4 * (1.0 + (j % 3) as f32);
                    } else {
                        *x *= 1e-3;
                    }
                }
            }
            3 => {
                for (j, x) in v.iter_mut().enumerate() {
                    match j / depth.max(1) % 4 {
                        0 => *x = 0.0,
                        1 => *x *= 1e-30,
                        2 => *x *= 1e-41, // subnormal
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        v
    }

    #[test]
    fn the_int8_prefilter_returns_the_exact_top_k() {
        let mut rng = StdRng::seed_from_u64(29);
        let mut rescored = 0usize;
        for &m in &[1usize, 2, 3, 4, 5, 9] {
            for &depth in &[1usize, 3, 4, 16, 17, 64, 130] {
                for &n in &[1usize, 9, 33, 517, 2049] {
                    for kind in 0..4 {
                        let mut a = adversarial(kind, m * depth, depth, &mut rng);
                        if kind == 1 {
                            a.iter_mut().for_each(|v| *v = v.round());
                        }
                        let b = adversarial(kind, n * depth, depth, &mut rng);
                        let packed = PackedBt::new(&b, n, depth).unwrap();
                        let approx = PackedI8::new(&b, n, depth).unwrap();
                        assert_eq!((approx.rows(), approx.depth()), (n, depth));
                        for k in [0usize, 1, 10, n + 2] {
                            let want = top_k_a_packed_bt(&a, &packed, m, k).unwrap();
                            let got = top_k_a_bt_prefiltered(&a, &b, &approx, m, k).unwrap();
                            assert_eq!(got, want, "{m}x{depth}x{n} k={k} kind={kind}");
                            let got = scalar::top_k_a_bt_prefiltered(&a, &b, &approx, m, k);
                            assert_eq!(got.unwrap(), want, "scalar {m}x{depth}x{n} k={k}");
                            if kind == 0 && depth == 64 && n == 2049 && k == 10 {
                                rescored += prefilter_rescored(&a, &b, &approx, m, k).unwrap();
                            }
                        }
                    }
                }
            }
        }
        // The filter filters: random 64-wide rows keep well under 10% of 2049 per query.
        assert!(rescored > 0 && rescored < 6 * 24 * 200, "{rescored}");
        let approx = PackedI8::new(&[1.0; 6], 2, 3).unwrap();
        assert!(top_k_a_bt_prefiltered(&[1.0; 2], &[1.0; 6], &approx, 1, 1).is_err());
        assert!(top_k_a_bt_prefiltered(&[1.0; 3], &[1.0; 5], &approx, 1, 1).is_err());
        assert!(PackedI8::new(&[1.0; 5], 2, 3).is_err());
        assert!(PackedI8::new(&[], usize::MAX, 1).is_err());
    }

    #[test]
    fn the_int8_prefilter_is_exact_at_large_depth_and_extreme_scales() {
        let mut rng = StdRng::seed_from_u64(31);
        // Depth 20,000: the query's i16 range is capped (Σ|q̃|·127 < 2³¹) so the integer sums never wrap.
        for &(n, depth) in &[(37usize, 20_000usize), (5, 70_001)] {
            let a = random(2 * depth, &mut rng);
            let mut b = random(n * depth, &mut rng);
            // Two rows that differ in one element by far less than one int8 step.
            b.copy_within(0..depth, depth);
            b[depth + depth / 2] += 1e-4;
            let packed = PackedBt::new(&b, n, depth).unwrap();
            let approx = PackedI8::new(&b, n, depth).unwrap();
            for k in [1usize, 3, n] {
                let want = top_k_a_packed_bt(&a, &packed, 2, k).unwrap();
                assert_eq!(top_k_a_bt_prefiltered(&a, &b, &approx, 2, k).unwrap(), want);
            }
        }
        // Huge and tiny magnitudes: the bound scales with them (and overflows to "rescore everything").
        for scale in [1e-38f32, 1e-20, 1e18, 3e37] {
            let (n, depth) = (40usize, 9usize);
            let a: Vec<f32> = random(depth, &mut rng).iter().map(|v| v * scale).collect();
            let b: Vec<f32> = random(n * depth, &mut rng)
                .iter()
                .map(|v| v * scale)
                .collect();
            let packed = PackedBt::new(&b, n, depth).unwrap();
            let approx = PackedI8::new(&b, n, depth).unwrap();
            for k in [1usize, 7] {
                let want = top_k_a_packed_bt(&a, &packed, 1, k).unwrap();
                assert_eq!(
                    top_k_a_bt_prefiltered(&a, &b, &approx, 1, k).unwrap(),
                    want,
                    "scale {scale}"
                );
            }
        }
        // Ties across panels and blocks go to the lower row.
        let b = vec![1.0f32; 3 * 3000];
        let approx = PackedI8::new(&b, 3000, 3).unwrap();
        let top = top_k_a_bt_prefiltered(&[1.0, 1.0, 1.0], &b, &approx, 1, 4).unwrap();
        assert_eq!(top, vec![vec![(0, 3.0), (1, 3.0), (2, 3.0), (3, 3.0)]]);
    }

    #[test]
    fn the_int8_bound_is_nearly_attained_and_still_holds() {
        // Cauchy–Schwarz is tight when the query is parallel to a row's quantisation error. Row 1 is
        // `n + 0.499` (int8 rounds it down: error +0.499 along q) and row 0 `n + 1 − 0.499` (error −0.499)
        // except in one place, so row 1 is exactly better by 0.874 while its approximate value is ~62
        // below row 0's (seen first, so the running threshold is already there): just inside the slack
        // 2δ ≈ 63.5 (2·‖q‖·E with E = 0.499·√63, and 1% margins). A bound smaller by 3% loses row 1 and
        // fails this test.
        let depth = 64;
        let mut b = vec![0.0f32; 2 * depth];
        b[0] = 127.0;
        b[depth] = 127.0;
        for p in 1..depth {
            let n = (p % 50) as f32 - 25.0;
            b[depth + p] = n + 0.499;
            b[p] = if p == 1 { n - 0.499 } else { n + 1.0 - 0.499 };
        }
        let mut a = vec![1.0f32; depth];
        a[0] = 0.0;
        let packed = PackedBt::new(&b, 2, depth).unwrap();
        let approx = PackedI8::new(&b, 2, depth).unwrap();
        let want = top_k_a_packed_bt(&a, &packed, 1, 1).unwrap();
        assert_eq!(want[0][0].0, 1, "row 1 is the exact best");
        assert_eq!(top_k_a_bt_prefiltered(&a, &b, &approx, 1, 1).unwrap(), want);
        assert_eq!(
            scalar::top_k_a_bt_prefiltered(&a, &b, &approx, 1, 1).unwrap(),
            want
        );
        assert_eq!(prefilter_rescored(&a, &b, &approx, 1, 1).unwrap(), 2);
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
