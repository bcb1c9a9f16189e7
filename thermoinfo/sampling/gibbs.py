"""Block Gibbs sampling of restricted Boltzmann machines (pure kernels).

An RBM with visible units v and hidden units h, both binary {0, 1} or spins
{-1, +1}, has the energy

    E(v, h) = -v.W.h - b.v - c.h

(``W`` of shape (n_visible, n_hidden), visible bias ``b``, hidden bias ``c``).
Given one layer the units of the other are independent. With the field
x_a = sum_i v_i W_ia + c_a on hidden unit a (at temperature T the energy, hence
the field, is divided by T):

    binary units:  P(h_a = 1 | v)  = sigmoid(x_a / T),      <h_a> = sigmoid(x_a / T)
    spin units:    P(h_a = +1 | v) = sigmoid(2 x_a / T),    <h_a> = tanh(x_a / T)

and the same for the visible units with the field y_i = sum_a W_ia h_a + b_i.
One block Gibbs step draws h ~ P(h | v) and then v ~ P(v | h); it leaves the
joint Boltzmann distribution P(v, h) = exp(-E(v, h) / T) / Z(T) invariant
(Hinton, Neural Computation 14, 1771 (2002); Fischer & Igel, "An introduction
to restricted Boltzmann machines", CIARP 2012).

Drawing units from their fields is one numba kernel, :func:`draw_units`: it
takes the uniform random numbers from the caller, so that the numpy-level
samplers here, annealed importance sampling (:mod:`thermoinfo.sampling.ais`)
and contrastive-divergence training
(:mod:`thermoinfo.sampling.contrastive_divergence`) draw units the same way,
and a step can be replayed exactly with or without JIT compilation.

Every function here is pure: it takes arrays and a ``numpy.random.Generator``
and returns new arrays. Samples are int8.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload
from scipy.special import expit

from thermoinfo._validation import UNIT_VALUES, as_rng, unit_values

__all__ = [
    "UNIT_VALUES",
    "check_units",
    "draw_units",
    "draw_units_given_exp",
    "draw_units_squeezed",
    "draw_units_vectorized",
    "gibbs_chain",
    "gibbs_step",
    "hidden_field",
    "mean_units",
    "sample_hidden",
    "sample_units",
    "sample_visible",
    "uniforms_float32",
    "unit_log_partition",
    "visible_field",
]


#: Bit generators whose raw output is 64 bits, of which numpy's float32 draws take the
#: low 32 bits first and then the high 32 (the high half kept for the next draw)
_RAW_64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64, np.random.Philox)


#: PCG64's multiplier (O'Neill, "PCG: a family of simple fast space-efficient
#: statistically good algorithms for random number generation", 2014; numpy's
#: ``PCG_DEFAULT_MULTIPLIER_128``)
_PCG64_MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341
_MASK_64 = (1 << 64) - 1
#: Steps of the PCG64 stream computed side by side: four states, each advanced four
#: steps at a time, keep the multiplier busy where one state would wait on its last step
_PCG64_LANES = 4


def _lcg128(s_hi, s_lo, a_hi, a_lo, c_hi, c_lo):
    """``(s a + c) mod 2^128`` for 128-bit numbers given as (high, low) uint64 halves,
    returned the same way (Python's integers here; LLVM's 128-bit integers in compiled
    code, where :func:`_lcg128_compiled` stands for it)."""
    r = (((int(s_hi) << 64) | int(s_lo)) * ((int(a_hi) << 64) | int(a_lo))
         + ((int(c_hi) << 64) | int(c_lo))) & (2 ** 128 - 1)
    return np.uint64(r >> 64), np.uint64(r & _MASK_64)


@intrinsic
def _lcg128_llvm(typingctx, s_hi, s_lo, a_hi, a_lo, c_hi, c_lo):
    u64 = types.uint64
    if any(arg != u64 for arg in (s_hi, s_lo, a_hi, a_lo, c_hi, c_lo)):
        return None

    def codegen(context, builder, signature, args):
        i64, i128 = ir.IntType(64), ir.IntType(128)
        half = ir.Constant(i128, 64)

        def join(hi, lo):
            return builder.or_(builder.shl(builder.zext(hi, i128), half), builder.zext(lo, i128))

        s, a, c = join(args[0], args[1]), join(args[2], args[3]), join(args[4], args[5])
        r = builder.add(builder.mul(s, a), c)
        hi, lo = builder.trunc(builder.lshr(r, half), i64), builder.trunc(r, i64)
        return context.make_tuple(builder, signature.return_type, [hi, lo])

    return types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64), codegen


@overload(_lcg128)
def _lcg128_compiled(s_hi, s_lo, a_hi, a_lo, c_hi, c_lo):
    if all(arg == types.uint64 for arg in (s_hi, s_lo, a_hi, a_lo, c_hi, c_lo)):
        return lambda s_hi, s_lo, a_hi, a_lo, c_hi, c_lo: _lcg128_llvm(s_hi, s_lo, a_hi, a_lo, c_hi, c_lo)
    return None


@numba.njit(cache=True, nogil=True, inline="always")
def _pcg64_output(hi, lo):
    """PCG64's output of a state (XSL-RR): the xor of its halves rotated right by its top 6 bits."""
    x = hi ^ lo
    rot = hi >> np.uint64(58)
    return (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))


@numba.njit(cache=True, nogil=True, inline="always")
def _uniform_of_half(half):
    """numpy's float32 uniform of a 32-bit half (a uint32): its top 24 bits times 2^-24."""
    return np.float32(np.int32(half >> np.uint32(8))) * np.float32(2.0 ** -24)


@numba.njit(cache=True, nogil=True, inline="always")
def _halves_of(word, out, j):
    """numpy's float32 uniforms of a 64-bit output into ``out[j]`` (low half) and
    ``out[j + 1]`` (high half)."""
    out[j] = _uniform_of_half(np.uint32(word & np.uint64(0xFFFFFFFF)))
    out[j + 1] = _uniform_of_half(np.uint32(word >> np.uint64(32)))


@numba.njit(cache=True, nogil=True)
def _pcg64_uniforms(state, jumps, out):
    """numpy's float32 uniforms of the next ``ceil(len(out) / 2)`` outputs of a PCG64
    stream into ``out`` (both halves of each, the low first; the high half of the last
    output dropped when ``len(out)`` is odd), bit for bit as numpy draws them.

    ``state`` holds the stream's 128-bit state as (high, low) uint64 and is advanced
    in place; ``jumps[j]`` (from :func:`_pcg64_jumps`) holds the multiplier and the
    increment of ``j + 1`` steps at once, ``s -> A s + C`` (high and low halves of
    each), so that :data:`_PCG64_LANES` states run side by side. Returns the last
    64-bit output.
    """
    n = out.shape[0]
    n_words = (n + 1) // 2
    lanes = _PCG64_LANES  # the loop below is written out for four
    s_hi, s_lo = state[0], state[1]
    last = np.uint64(0)
    groups = n // (2 * lanes)
    if groups > 0:
        h0, l0 = _lcg128(s_hi, s_lo, jumps[0, 0], jumps[0, 1], jumps[0, 2], jumps[0, 3])
        h1, l1 = _lcg128(s_hi, s_lo, jumps[1, 0], jumps[1, 1], jumps[1, 2], jumps[1, 3])
        h2, l2 = _lcg128(s_hi, s_lo, jumps[2, 0], jumps[2, 1], jumps[2, 2], jumps[2, 3])
        h3, l3 = _lcg128(s_hi, s_lo, jumps[3, 0], jumps[3, 1], jumps[3, 2], jumps[3, 3])
        a_hi, a_lo, c_hi, c_lo = jumps[3, 0], jumps[3, 1], jumps[3, 2], jumps[3, 3]
        for g in range(groups):
            j = 2 * lanes * g
            _halves_of(_pcg64_output(h0, l0), out, j)
            _halves_of(_pcg64_output(h1, l1), out, j + 2)
            _halves_of(_pcg64_output(h2, l2), out, j + 4)
            last = _pcg64_output(h3, l3)
            _halves_of(last, out, j + 6)
            s_hi, s_lo = h3, l3
            h0, l0 = _lcg128(h0, l0, a_hi, a_lo, c_hi, c_lo)
            h1, l1 = _lcg128(h1, l1, a_hi, a_lo, c_hi, c_lo)
            h2, l2 = _lcg128(h2, l2, a_hi, a_lo, c_hi, c_lo)
            h3, l3 = _lcg128(h3, l3, a_hi, a_lo, c_hi, c_lo)
    for w in range(lanes * groups, n_words):
        s_hi, s_lo = _lcg128(s_hi, s_lo, jumps[0, 0], jumps[0, 1], jumps[0, 2], jumps[0, 3])
        last = _pcg64_output(s_hi, s_lo)
        if 2 * w + 1 < n:
            _halves_of(last, out, 2 * w)
        else:
            out[2 * w] = _uniform_of_half(np.uint32(last & np.uint64(0xFFFFFFFF)))
    state[0], state[1] = s_hi, s_lo
    return last


@functools.lru_cache(maxsize=64)
def _pcg64_jumps(increment: int) -> np.ndarray:
    """Row ``j`` (0 to :data:`_PCG64_LANES` - 1): ``(A_hi, A_lo, C_hi, C_lo)`` of
    ``j + 1`` PCG64 steps at once, ``s -> A s + C (mod 2^128)``: ``A_1 = a``,
    ``C_1 = increment``, ``A_{k+1} = a A_k``, ``C_{k+1} = a C_k + increment``."""
    rows, a, c = [], 1, 0
    for _ in range(_PCG64_LANES):
        a = (a * _PCG64_MULTIPLIER) & (2 ** 128 - 1)
        c = (c * _PCG64_MULTIPLIER + increment) & (2 ** 128 - 1)
        rows.append((a >> 64, a & _MASK_64, c >> 64, c & _MASK_64))
    jumps = np.array(rows, dtype=np.uint64)
    jumps.flags.writeable = False  # cached: shared by every call with this increment
    return jumps


@numba.njit(cache=True, nogil=True)
def _halves_to_uniforms(halves, out):
    """numpy's float32 uniform of each 32-bit half (:func:`_uniform_of_half`)."""
    for j in range(out.shape[0]):
        out[j] = _uniform_of_half(halves[j])


def uniforms_float32(rng: np.random.Generator, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """``rng.random(n, dtype=np.float32)``: the same numbers, leaving ``rng`` in the same
    state, drawn about 1.5 times as fast from 64-bit bit generators and 2.3 times as
    fast from PCG64 (``np.random.default_rng``'s) (into ``out[:n]`` if given, a
    float32 array, which is returned).

    numpy makes a float32 uniform from each 32-bit half of the generator's 64-bit
    output, calling the generator once per number; here the raw 64-bit outputs are
    drawn in one call (``bit_generator.random_raw``) and their halves turned into
    uniforms by one vectorized loop, the half left over (if any) kept in the
    generator as numpy keeps it. For PCG64 the stream itself is computed in the same
    compiled loop from the generator's state (the 128-bit congruential step and the
    XSL-RR output of O'Neill's PCG64, four states side by side, each advanced four
    steps at a time), and the state is handed back to the generator: the numbers
    and the state after are numpy's, bit for bit (tested against numpy for many
    seeds, lengths and states). The generator's lock is held throughout. Other bit
    generators (MT19937) draw through ``rng.random``.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.random.default_rng(3), np.random.default_rng(3)
    >>> bool(np.array_equal(uniforms_float32(a, 1001), b.random(1001, dtype=np.float32)))
    True
    >>> a.bit_generator.state == b.bit_generator.state
    True
    """
    if out is None:
        out = np.empty(n, dtype=np.float32)
    elif out.dtype != np.float32 or out.ndim != 1 or out.shape[0] < n or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous 1-D float32 array of at least {n} numbers")
    out = out[:n]
    bitgen = rng.bit_generator
    if type(bitgen) not in _RAW_64 or sys.byteorder != "little" or n < 64:
        return rng.random(n, dtype=np.float32, out=out)
    with bitgen.lock:
        state = bitgen.state
        first = 0
        if state["has_uint32"]:  # the high half numpy kept from an odd draw comes first
            out[0] = np.float32((state["uinteger"] >> 8) * 2.0 ** -24)
            first = 1
        rest = n - first
        if type(bitgen) is np.random.PCG64 and not numba.config.DISABLE_JIT:
            # the stream computed here, four steps side by side, then handed back to numpy
            pcg = state["state"]
            s = np.array([pcg["state"] >> 64, pcg["state"] & _MASK_64], dtype=np.uint64)
            last = int(_pcg64_uniforms(s, _pcg64_jumps(pcg["inc"]), out[first:]))
            pcg["state"] = (int(s[0]) << 64) | int(s[1])
        else:
            raw = bitgen.random_raw((rest + 1) // 2)
            _halves_to_uniforms(raw.view(np.uint32)[:rest], out[first:])  # little-endian: low half first
            last = int(raw[-1])
            state = bitgen.state
        # numpy's bookkeeping as rng.random leaves it: the last high half, and whether it
        # is still to be used
        state["has_uint32"] = rest % 2
        state["uinteger"] = last >> 32
        bitgen.state = state
    return out


def check_units(units: Any) -> str:
    """Return ``units`` if it is ``"binary"`` or ``"spin"``, else raise ValueError."""
    unit_values(units)
    return units


@numba.njit(cache=True, fastmath={"reassoc", "contract", "arcp"})
def draw_units(field, scale, spin, uniforms, out, means=None):
    """Draw independent units from their fields (the one block-Gibbs draw).

    For each ``j``: ``out[j] = +1`` if ``uniforms[j] < P(on)`` else the low value
    (0 for binary units, -1 for spins), with ``P(on) = sigmoid(scale * field[j])``
    (binary) or ``sigmoid(2 scale field[j])`` (spins). ``scale`` is the inverse
    temperature. All arrays are 1-D of the same length (pass ``.reshape(-1)``
    views of contiguous blocks); ``out`` may be int8 or floating. If ``means`` is
    given it receives the conditional means from the same evaluation: ``P(on)``
    (binary) or ``2 P(on) - 1 = tanh(scale * field[j])`` (spins).

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty(3, np.int8)
    >>> draw_units(np.array([-50.0, 0.0, 50.0]), 1.0, True, np.array([0.5, 0.4, 0.5]), out)
    >>> out.tolist()
    [-1, 1, 1]
    """
    s = field.dtype.type(scale + scale if spin else scale)
    n = field.shape[0]
    # sigmoid in the precision of the field from e = exp(-|x|) (never overflows);
    # the exponentials in this loop, the rest in draw_units_given_exp's, which
    # vectorizes
    es = np.empty(n, dtype=field.dtype)
    for j in range(n):
        es[j] = math.exp(-abs(s * field[j]))
    draw_units_given_exp(field, es, scale, spin, uniforms, out, means)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp"}, error_model="numpy",
            inline="always")
def _sigmoid_given_exp(x, e, one):
    """``sigmoid(x)`` from ``e = exp(-|x|)`` (never overflows), in the precision of
    ``one`` (that type's 1): ``1 / (1 + e)`` for ``x >= 0``, else ``e / (1 + e)``; a
    select, no branch, and a division that cannot be by zero (unchecked)."""
    inv = one / (one + e)
    return inv if x >= 0 else e * inv


@numba.njit(cache=True, nogil=True, inline="always")
def _draw_unit(u, p_on, high, low):
    """The draw of one unit: ``high`` (on) if the U(0, 1) number ``u`` is below its
    probability ``p_on`` of being on, else ``low``; every block-Gibbs and AIS draw of
    a unit from its probability is this comparison."""
    return high if u < p_on else low


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp"}, error_model="numpy")
def draw_units_given_exp(field, exps, scale, spin, uniforms, out, means=None):
    """:func:`draw_units` given ``exps[j] = exp(-|s field[j]|)`` (``s = scale``,
    ``2 scale`` for spins), e.g. from numpy's vectorized ``np.exp``: the sigmoid
    ``P(on) = 1 / (1 + e)`` or ``e / (1 + e)`` by the sign of the field, the draw
    and the means. The one loop that turns exponentials into units; it vectorizes
    (selects, no branches on the random signs of the fields, and a division
    1 / (1 + e) that cannot be by zero, so not checked: ``error_model="numpy"``).

    Examples
    --------
    >>> import numpy as np
    >>> field = np.array([-2.0, 0.0, 3.0]); out = np.empty(3, np.int8)
    >>> draw_units_given_exp(field, np.exp(-np.abs(field)), 1.0, False, np.full(3, 0.5), out)
    >>> out.tolist()
    [0, 0, 1]
    """
    high = out.dtype.type(1)
    low = out.dtype.type(-1 if spin else 0)
    one = field.dtype.type(1)
    s = field.dtype.type(scale + scale if spin else scale)
    for j in range(field.shape[0]):
        p = _sigmoid_given_exp(s * field[j], exps[j], one)
        out[j] = _draw_unit(uniforms[j], p, high, low)
        if means is not None:
            means[j] = p + p - one if spin else p


#: log2(e), for fields compared in base-2 logarithms
_LOG2_E = 1.4426950408889634
#: log2(1 + m) = m + m (1 - m) (A + B m) + r(m) on [0, 1) with |r| < _LOG2_GAP (A and B
#: exact float32 values; the bound from r on a grid of 2e7 points plus its slope
#: times the spacing)
_LOG2_A = 0.4228653907775879
_LOG2_B = -0.15922018885612488
_LOG2_GAP = 8.8e-4
#: room left on each side of the bracket for the float32 roundings of the comparison
#: (u / (1 - u), the scaled field, the polynomial)
_SQUEEZE_SLACK = 2.0 ** -12


def _float32_bits(x):
    """The bit pattern of a float32 as an int32 (numpy's view here; a bitcast in
    compiled code, where :func:`_float32_bits_compiled` stands for it)."""
    return np.float32(x).view(np.int32)


@intrinsic
def _bitcast_float32(typingctx, x):
    if x != types.float32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int32))

    return types.int32(types.float32), codegen


@overload(_float32_bits)
def _float32_bits_compiled(x):
    if x == types.float32:
        return lambda x: _bitcast_float32(x)
    return None


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp"}, error_model="numpy")
def draw_units_squeezed(field, bias, scale, spin, uniforms, out, flags):
    """:func:`draw_units` without the means, deciding nearly every unit without an exponential.

    ``out[r, a]`` is drawn on (+1) if ``uniforms[r k + a] < P(on)`` for the field
    ``x = field[r, a] + bias[a]`` (written back into ``field``), with ``P(on) =
    sigmoid(s x)``, ``s = scale`` (binary) or ``2 scale`` (spins). Since ``u <
    sigmoid(s x)`` if and only if ``s x log2(e) > log2 z`` with ``z = u / (1 - u)``,
    the draw needs only the logarithm of ``z``, and that is bracketed cheaply: a
    positive float32 ``z = 2^E (1 + m)`` has ``log2 z = E + log2(1 + m)``, and the
    cubic ``m + m (1 - m) (A + B m)`` is within 8.8e-4 of ``log2(1 + m)`` on [0, 1).
    A unit whose scaled field is farther than that (plus 2^-12 for the roundings of
    ``z``, the field and the cubic) from the reading of ``z``'s bit pattern is
    decided by the comparison, with no exponential; only the units closer (a few in
    10^4 for fields of order one), and uniforms of 0 or below 2^-126 (which the reading
    does not cover), get the sigmoid of :func:`draw_units_given_exp`. The draws are
    those of :func:`draw_units` up to float32 rounding of ``P(on)``.

    ``field`` (n, k) and ``out`` (n, k) are C-contiguous; ``uniforms`` (float32,
    C-contiguous) holds at least ``n k`` numbers; ``flags`` (uint8) is scratch of at
    least ``32 ceil(n k / 32)`` elements.

    Examples
    --------
    >>> import numpy as np
    >>> field = np.array([[-2.0, 0.0, 3.0]], np.float32); out = np.empty((1, 3), np.int8)
    >>> draw_units_squeezed(field, np.zeros(3, np.float32), 1.0, False,
    ...                     np.full(3, 0.5, np.float32), out, np.empty(32, np.uint8))
    >>> out.tolist()
    [[0, 0, 1]]
    """
    n, k = field.shape
    size = n * k
    f32 = np.float32
    high = out.dtype.type(1)
    low = out.dtype.type(-1 if spin else 0)
    s = scale + scale if spin else scale
    s_log2 = f32(s * _LOG2_E)
    half = f32(_LOG2_GAP + _SQUEEZE_SLACK)
    one, a_coef, b_coef, step = f32(1), f32(_LOG2_A), f32(_LOG2_B), f32(2.0 ** -23)
    low_bits, mant_mask, bias_exp = np.int32(23), np.int32(0x7FFFFF), f32(127)
    min_normal = np.int32(0x00800000)  # below it 0 and subnormals, which the reading does not cover
    padded = 32 * ((size + 31) // 32)
    if uniforms.shape[0] < size or flags.shape[0] < padded or out.shape != field.shape:
        raise ValueError("uniforms, flags and out must hold n k, 32 ceil(n k / 32) and (n, k) elements")
    u = uniforms[:size]
    u_rows = u.reshape(n, k)
    flags[size:padded] = 0
    flag_rows = flags[:size].reshape(n, k)
    for r in range(n):
        x_row, u_row, out_row, flag_row = field[r], u_rows[r], out[r], flag_rows[r]
        for a in range(k):
            x = x_row[a] + bias[a]
            x_row[a] = x
            t = s_log2 * x
            bits = _float32_bits(u_row[a] / (one - u_row[a]))  # u <= 1 - 2^-24: no division by 0
            # exponent and mantissa as int32 before the conversion (int64 would not vectorize)
            m = f32(np.int32(bits & mant_mask)) * step
            d = f32(np.int32(bits >> low_bits)) - bias_exp + m + m * (one - m) * (a_coef + b_coef * m)
            out_row[a] = high if t > d else low
            flag_row[a] = np.uint8((abs(t - d) <= half) | (bits < min_normal))
    # the few units near their threshold: the flags scanned 32 at a time, each unit
    # found drawn by the sigmoid of draw_units_given_exp
    flat_x = field.reshape(-1)
    flat_out = out.reshape(-1)
    exp1 = np.empty(1, dtype=field.dtype)
    s_field = field.dtype.type(s)
    words = flags[:padded].view(np.uint64)
    for q in range(0, words.shape[0], 4):
        if (words[q] | words[q + 1] | words[q + 2] | words[q + 3]) != 0:
            for j in range(8 * q, min(8 * q + 32, size)):
                if flags[j]:
                    exp1[0] = math.exp(-abs(s_field * flat_x[j]))
                    draw_units_given_exp(flat_x[j:j + 1], exp1, scale, spin, u[j:j + 1], flat_out[j:j + 1])


def draw_units_vectorized(field, spin, uniforms, out, exps, means=None):
    """:func:`draw_units` at scale 1 with the exponentials from numpy's vectorized
    ``np.exp`` (into the scratch ``exps``, of ``field``'s shape and dtype), the
    rest in :func:`draw_units_given_exp`. ``field``, ``out`` (and ``means``) are
    C-contiguous arrays of one shape; ``uniforms`` holds ``field.size`` numbers.

    Examples
    --------
    >>> import numpy as np
    >>> field = np.array([[-50.0, 0.0, 50.0]]); out = np.empty((1, 3), np.int8)
    >>> draw_units_vectorized(field, True, np.array([0.5, 0.4, 0.5]), out, np.empty_like(field))
    >>> out.tolist()
    [[-1, 1, 1]]
    """
    for name, arr in (("out", out), ("means", means)):
        if arr is not None and not arr.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous (it is written through a flat view)")
    np.abs(field, out=exps)
    np.multiply(exps, -2.0 if spin else -1.0, out=exps)
    np.exp(exps, out=exps)
    draw_units_given_exp(field.reshape(-1), exps.reshape(-1), 1.0, spin, uniforms.reshape(-1),
                         out.reshape(-1), None if means is None else means.reshape(-1))


def unit_log_partition(field: np.ndarray, units: str = "binary") -> np.ndarray:
    """``log sum_u exp(u * field)`` over the two unit values, elementwise:
    ``log(1 + e^x)`` for binary units, ``log(2 cosh x)`` for spins (overflow-free).

    Examples
    --------
    >>> import numpy as np
    >>> [round(float(v), 6) for v in unit_log_partition(np.array([0.0, 800.0]), "spin")]
    [0.693147, 800.0]
    """
    a = np.abs(field)
    t = np.multiply(a, -1.0 if units == "binary" else -2.0)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    t += np.maximum(field, 0.0) if units == "binary" else a
    return t


def hidden_field(v: np.ndarray, weights: np.ndarray, hidden_bias: np.ndarray) -> np.ndarray:
    """Field on the hidden units, ``v @ W + c`` (rows of ``v`` are configurations)."""
    return np.asarray(v, dtype=np.float64) @ weights + hidden_bias


def visible_field(h: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray) -> np.ndarray:
    """Field on the visible units, ``h @ W.T + b``."""
    return np.asarray(h, dtype=np.float64) @ weights.T + visible_bias


def mean_units(field: np.ndarray, units: str = "binary", temperature: float = 1.0) -> np.ndarray:
    """Conditional means of independent units in ``field`` at ``temperature``:
    ``sigmoid(field / T)`` for binary units, ``tanh(field / T)`` for spins."""
    if units == "spin":
        return np.tanh(np.asarray(field) / temperature)
    return expit(np.asarray(field) / temperature)


def sample_units(field: np.ndarray, units: str, rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw independent units given their fields (int8 array of ``field``'s shape).

    ``P(+1) = sigmoid(field / T)`` for binary units and ``sigmoid(2 field / T)``
    for spins (:func:`draw_units`).
    """
    rng = as_rng(rng)
    field = np.ascontiguousarray(field, dtype=np.float64)
    out = np.empty(field.shape, dtype=np.int8)
    draw_units(field.reshape(-1), 1.0 / temperature, units == "spin", rng.random(field.size),
               out.reshape(-1))
    return out


def sample_hidden(v: np.ndarray, weights: np.ndarray, hidden_bias: np.ndarray, units: str,
                  rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw ``h ~ P(h | v)`` for every row of ``v``."""
    return sample_units(hidden_field(v, weights, hidden_bias), units, rng, temperature)


def sample_visible(h: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray, units: str,
                   rng: Any, temperature: float = 1.0) -> np.ndarray:
    """Draw ``v ~ P(v | h)`` for every row of ``h``."""
    return sample_units(visible_field(h, weights, visible_bias), units, rng, temperature)


def gibbs_step(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
               hidden_bias: np.ndarray, units: str, rng: Any, temperature: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """One block Gibbs step ``v -> h -> v'``; returns ``(v', h)``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.zeros((3, 2)); b = np.zeros(3); c = np.zeros(2)
    >>> v, h = gibbs_step(np.zeros((4, 3), np.int8), W, b, c, "spin", rng=0)
    >>> v.shape, h.shape, v.dtype.name, sorted(set(v.ravel().tolist()) | {-1, 1})
    ((4, 3), (4, 2), 'int8', [-1, 1])
    """
    rng = as_rng(rng)
    h = sample_hidden(v, weights, hidden_bias, units, rng, temperature)
    v_new = sample_visible(h, weights, visible_bias, units, rng, temperature)
    return v_new, h


def gibbs_chain(v: np.ndarray, weights: np.ndarray, visible_bias: np.ndarray,
                hidden_bias: np.ndarray, units: str, n_steps: int, rng: Any,
                temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Run ``n_steps`` block Gibbs steps from every row of ``v`` (independent chains);
    returns the final ``(v, h)``. ``n_steps = 0`` returns ``v`` and a fresh ``h``."""
    rng = as_rng(rng)
    v = np.asarray(v, dtype=np.int8)
    h = None
    for _ in range(n_steps):
        v, h = gibbs_step(v, weights, visible_bias, hidden_bias, units, rng, temperature)
    if h is None:
        h = sample_hidden(v, weights, hidden_bias, units, rng, temperature)
    return v, h
