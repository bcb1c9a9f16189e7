"""Numba kernels of Ising Monte Carlo: multi-spin coded single-spin flips and Wolff clusters.

Single-spin flips (Metropolis 1953; heat bath / Glauber 1963). Flipping s_i
costs dE = 2 s_i (J sum_j s_j + H) = 2 J (z - 2 n_i) + 2 H s_i, with z = 2 dim
neighbours and n_i the number of anti-aligned neighbours, so the flip
probability depends only on the class (n_i, s_i) and is tabulated:
Metropolis min(1, e^{-beta dE}), heat bath 1 / (1 + e^{beta dE}).

Multi-spin coding (Jacobs & Rebbi, J. Comput. Phys. 41, 203 (1981); Bhanot,
Duke & Salvador, J. Stat. Phys. 44, 985 (1986)): bit b of word ``words[g, y, x]``
is the spin at site (y, x) of chain 64 g + b (1 = up), so one word holds the same
site of 64 independent lattices. The anti-aligned neighbour counts of all 64
chains come from bitwise half adders over the XORs with the neighbour words;
the flips are accepted bit-parallel by comparing, most significant bit first, 64
independent uniform 64-bit integers U against the class threshold t = p 2^64
(accept where U < t). Only bits still undecided draw another random word, so a
word costs about log2(64) + 1.3 random words and every chain's acceptance is an
exact Bernoulli(p) draw (to 2^-64). Sites are visited in checkerboard order; for
even L the sites of one colour are independent and the rows of a colour run in
parallel (numba ``prange``), each row with its own random stream so that the
result does not depend on the thread schedule. For odd L (no checkerboard) a
sweep is N updates at uniformly drawn sites: a fixed typewriter order with
Metropolis' deterministic zero-cost flips traps small odd lattices in
near-periodic orbits for thousands of sweeps (observed at L = 3).

Wolff single-cluster updates (Wolff, Phys. Rev. Lett. 62, 361 (1989)), H = 0:
grow a cluster from a random seed adding aligned neighbours with probability
p_add = 1 - e^{-2 beta J}, flip it.

Random numbers: xoshiro256** (Blackman & Vigna, arXiv:1805.01407), one stream per
row (multi-spin) or per chain (Wolff), seeded by the caller from a
``numpy.random.Generator``, so the kernels are pure functions of their
arguments and replay identically with or without JIT (the callers wrap them in
``np.errstate(over="ignore")`` for the pure-Python mode, where uint64 scalar
arithmetic wraps with a warning).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "flip_probabilities",
    "flip_thresholds",
    "multispin_sweeps",
    "pack",
    "seed_streams",
    "unpack",
    "wolff_clusters",
    "word_observables",
]

_U1 = np.uint64(1)
_U5 = np.uint64(5)
_U9 = np.uint64(9)
_U7 = np.uint64(7)
_U57 = np.uint64(57)
_U17 = np.uint64(17)
_U45 = np.uint64(45)
_U19 = np.uint64(19)
_U11 = np.uint64(11)
_ZERO = np.uint64(0)
_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_TWO_M53 = 2.0**-53


def seed_streams(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """xoshiro256** states (``shape + (4,)`` uint64) drawn from ``rng``, never all zero."""
    state = rng.integers(0, np.iinfo(np.uint64).max, size=(*shape, 4), dtype=np.uint64,
                         endpoint=True)
    state[..., 0] |= np.uint64(1)
    return state


@numba.njit(cache=True, inline="always")
def _next(s):  # pragma: no cover - compiled
    """xoshiro256**: next 64-bit output of the stream ``s`` (4 uint64, updated in place)."""
    x = s[1] * _U5
    result = ((x << _U7) | (x >> _U57)) * _U9
    t = s[1] << _U17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << _U45) | (s[3] >> _U19)
    return result


def flip_probabilities(beta: float, H: float, dim: int, rule: str, J: float = 1.0) -> np.ndarray:
    """Flip probability of each class, ``p[n, b]``: n anti-aligned neighbours, spin up (b = 1) or down.

    Examples
    --------
    >>> p = flip_probabilities(0.5, 0.0, 2, "metropolis")
    >>> p[:, 1].round(4).tolist()      # dE = 8, 4, 0, -4, -8
    [0.0183, 0.1353, 1.0, 1.0, 1.0]
    """
    z = 2 * dim
    n = np.arange(z + 1)[:, None]
    spin = np.array([-1.0, 1.0])[None, :]
    dE = 2.0 * J * (z - 2 * n) + 2.0 * H * spin
    if rule == "metropolis":
        return np.exp(-beta * np.clip(dE, 0.0, None))
    # heat bath: 1 / (1 + e^{beta dE}), written stably.
    x = -beta * dE
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


def flip_thresholds(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer thresholds t = floor(p 2^64) (accept when U < t) and the mask of certain flips (p = 1)."""
    p = np.asarray(p, dtype=np.float64)
    always = (p >= 1.0).astype(np.uint8)
    scaled = np.where(p >= 1.0, 0.0, p) * 2.0**64
    # p 2^64 < 2^64 is an exactly representable float; floor it into uint64.
    thr = np.floor(scaled).astype(np.uint64)
    return thr, always


@numba.njit(cache=True, inline="always")
def _anti_counts(s, n1, n2, n3, n4, dim, out):  # pragma: no cover - compiled
    """Masks of chains with exactly 0, 1, ..., z anti-aligned neighbours, written into ``out``."""
    a1 = s ^ n1
    a2 = s ^ n2
    if dim == 1:
        out[0] = ~(a1 | a2)
        out[1] = a1 ^ a2
        out[2] = a1 & a2
        return
    a3 = s ^ n3
    a4 = s ^ n4
    s01 = a1 ^ a2
    c01 = a1 & a2
    s23 = a3 ^ a4
    c23 = a3 & a4
    b0 = s01 ^ s23
    carry = s01 & s23
    b1 = c01 ^ c23 ^ carry
    b2 = (c01 & c23) | (c01 & carry) | (c23 & carry)
    out[0] = ~(b0 | b1 | b2)
    out[1] = b0 & ~b1 & ~b2
    out[2] = ~b0 & b1
    out[3] = b0 & b1
    out[4] = b2


@numba.njit(cache=True, inline="always")
def _xoshiro(s0, s1, s2, s3):  # pragma: no cover - compiled
    """xoshiro256** on a state held in registers: (output, new state)."""
    x = s1 * _U5
    result = ((x << _U7) | (x >> _U57)) * _U9
    t = s1 << _U17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U45) | (s3 >> _U19)
    return result, s0, s1, s2, s3


@numba.njit(cache=True, inline="always")
def _update_word(words, g, y, x, Ly, Lx, dim, thr, always, spin_dependent, s0, s1, s2, s3,
                 cls, cls_thr, counts):  # pragma: no cover - compiled
    s = words[g, y, x]
    xl = x - 1 if x > 0 else Lx - 1
    xr = x + 1 if x < Lx - 1 else 0
    n1 = words[g, y, xl]
    n2 = words[g, y, xr]
    if dim == 2:
        yu = y - 1 if y > 0 else Ly - 1
        yd = y + 1 if y < Ly - 1 else 0
        n3 = words[g, yu, x]
        n4 = words[g, yd, x]
    else:
        n3 = _ZERO
        n4 = _ZERO
    _anti_counts(s, n1, n2, n3, n4, dim, counts)
    z = 2 * dim
    accept = _ZERO
    undecided = _ZERO
    n_cls = 0
    for n in range(z + 1):
        m = counts[n]
        if m == _ZERO:
            continue
        if spin_dependent:
            for b in range(2):
                mb = m & s if b == 1 else m & ~s
                if mb == _ZERO:
                    continue
                if always[n, b]:
                    accept |= mb
                elif thr[n, b] != _ZERO:
                    cls[n_cls] = mb
                    cls_thr[n_cls] = thr[n, b]
                    n_cls += 1
                    undecided |= mb
        else:
            if always[n, 1]:
                accept |= m
            elif thr[n, 1] != _ZERO:
                cls[n_cls] = m
                cls_thr[n_cls] = thr[n, 1]
                n_cls += 1
                undecided |= m
    bit = np.uint64(63)
    while undecided != _ZERO:
        tb = _ZERO
        for c in range(n_cls):
            if (cls_thr[c] >> bit) & _U1:
                tb |= cls[c]
        r, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
        accept |= undecided & tb & ~r
        undecided &= ~(r ^ tb)
        if bit == _ZERO:
            break
        bit -= _U1
    words[g, y, x] = s ^ accept
    return s0, s1, s2, s3


@numba.njit(cache=True, inline="always")
def _update_word_square_metropolis(words, g, y, x, Ly, Lx, t0, t1, s0, s1, s2, s3):  # pragma: no cover
    """The same update specialised to the square lattice, H = 0, Metropolis: only chains
    with 0 or 1 anti-aligned neighbours (thresholds t0 = e^{-8 beta} 2^64, t1 = e^{-4 beta} 2^64)
    need random bits; the others flip."""
    s = words[g, y, x]
    a1 = s ^ words[g, y, x - 1 if x > 0 else Lx - 1]
    a2 = s ^ words[g, y, x + 1 if x < Lx - 1 else 0]
    a3 = s ^ words[g, y - 1 if y > 0 else Ly - 1, x]
    a4 = s ^ words[g, y + 1 if y < Ly - 1 else 0, x]
    m0 = ~(a1 | a2 | a3 | a4)
    # exactly one: an odd count without a full pair (a count of 3 always fills a pair)
    m1 = (a1 ^ a2 ^ a3 ^ a4) & ~((a1 & a2) | (a3 & a4))
    undecided = m0 | m1
    accept = ~undecided
    bit = np.uint64(63)
    while undecided != _ZERO:
        tb = (m0 & (_ZERO - ((t0 >> bit) & _U1))) | (m1 & (_ZERO - ((t1 >> bit) & _U1)))
        r, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
        accept |= undecided & tb & ~r
        undecided &= ~(r ^ tb)
        if bit == _ZERO:
            break
        bit -= _U1
    words[g, y, x] = s ^ accept
    return s0, s1, s2, s3


@numba.njit(cache=True)
def _sweep_row(words, g, y, color, step, Ly, Lx, dim, thr, always, spin_dependent, st, cls, cls_thr,
               counts):  # pragma: no cover - compiled
    """Update the sites color, color + step, ... of row y (step 2: one checkerboard colour)."""
    start = ((color + y) % 2 if dim == 2 else color) if step == 2 else 0
    s0, s1, s2, s3 = st[0], st[1], st[2], st[3]
    square_metropolis = (dim == 2 and not spin_dependent and always[2, 1] and always[3, 1]
                         and always[4, 1] and not always[0, 1] and not always[1, 1])
    if square_metropolis:
        t0 = thr[0, 1]
        t1 = thr[1, 1]
        for x in range(start, Lx, step):
            s0, s1, s2, s3 = _update_word_square_metropolis(words, g, y, x, Ly, Lx, t0, t1,
                                                            s0, s1, s2, s3)
    else:
        for x in range(start, Lx, step):
            s0, s1, s2, s3 = _update_word(words, g, y, x, Ly, Lx, dim, thr, always, spin_dependent,
                                          s0, s1, s2, s3, cls, cls_thr, counts)
    st[0], st[1], st[2], st[3] = s0, s1, s2, s3


@numba.njit(cache=True)
def _random_site_sweep(words, g, states, thr, always, dim, spin_dependent, cls, cls_thr,
                       counts):  # pragma: no cover - compiled
    """N updates at sites drawn uniformly (exactly, by rejection) from the stream of row 0."""
    _, Ly, Lx = words.shape
    n_sites = np.uint64(Ly * Lx)
    limit = _ONES - (_ONES % n_sites + _U1) % n_sites   # largest multiple of N, minus one
    st = states[g, 0]
    for _ in range(Ly * Lx):
        r = _next(st)
        while r > limit:
            r = _next(st)
        site = np.int64(r % n_sites)
        y = site // Lx
        x = site - y * Lx
        s0, s1, s2, s3 = _update_word(words, g, y, x, Ly, Lx, dim, thr, always, spin_dependent,
                                      st[0], st[1], st[2], st[3], cls, cls_thr, counts)
        st[0], st[1], st[2], st[3] = s0, s1, s2, s3


@numba.njit(cache=True)
def _sweep_group(words, g, states, thr, always, dim, spin_dependent, n_sweeps,
                 bipartite):  # pragma: no cover - compiled
    """Sweeps of group g: checkerboard order for even L, random sites otherwise."""
    _, Ly, Lx = words.shape
    cls = np.empty(10, dtype=np.uint64)
    cls_thr = np.empty(10, dtype=np.uint64)
    counts = np.empty(5, dtype=np.uint64)
    for _ in range(n_sweeps):
        if bipartite:
            for color in range(2):
                for y in range(Ly):
                    _sweep_row(words, g, y, color, 2, Ly, Lx, dim, thr, always, spin_dependent,
                               states[g, y], cls, cls_thr, counts)
        else:
            _random_site_sweep(words, g, states, thr, always, dim, spin_dependent, cls, cls_thr, counts)


@numba.njit(cache=True)
def _multispin_serial(words, states, thr, always, dim, spin_dependent, n_sweeps,
                      bipartite):  # pragma: no cover - compiled
    for g in range(words.shape[0]):
        _sweep_group(words, g, states, thr, always, dim, spin_dependent, n_sweeps, bipartite)


@numba.njit(cache=True, parallel=True)
def _multispin_groups(words, states, thr, always, dim, spin_dependent, n_sweeps,
                      bipartite):  # pragma: no cover - compiled
    """Groups of 64 chains in parallel (the same numbers as the serial driver)."""
    for g in numba.prange(words.shape[0]):
        _sweep_group(words, g, states, thr, always, dim, spin_dependent, n_sweeps, bipartite)


@numba.njit(cache=True, parallel=True)
def _multispin_rows(words, states, thr, always, dim, spin_dependent, n_sweeps):  # pragma: no cover
    """Rows of one checkerboard colour in parallel (bipartite lattices; the same numbers as
    the serial driver, since same-colour sites are independent and each row has its stream)."""
    G, Ly, Lx = words.shape
    for g in range(G):
        for _ in range(n_sweeps):
            for color in range(2):
                for y in numba.prange(Ly):
                    cls = np.empty(10, dtype=np.uint64)
                    cls_thr = np.empty(10, dtype=np.uint64)
                    counts = np.empty(5, dtype=np.uint64)
                    _sweep_row(words, g, y, color, 2, Ly, Lx, dim, thr, always, spin_dependent,
                               states[g, y], cls, cls_thr, counts)


#: Words per parallel region below which the serial driver is faster (thread start-up).
PARALLEL_MIN_WORDS = 1 << 14


def multispin_sweeps(words: np.ndarray, states: np.ndarray, thr: np.ndarray, always: np.ndarray,
                     dim: int, spin_dependent: bool, n_sweeps: int) -> None:
    """Run ``n_sweeps`` single-spin-flip sweeps of every chain in place.

    Parameters
    ----------
    words : ndarray of uint64, shape (G, Ly, Lx)
        Packed spins (see :func:`pack`); Ly = 1 for a chain.
    states : ndarray of uint64, shape (G, Ly, 4)
        Random streams, one per row (updated in place).
    thr, always : ndarray, shape (z + 1, 2)
        From :func:`flip_thresholds`.
    dim : {1, 2}
    spin_dependent : bool
        Whether the flip probability depends on the spin (H != 0).
    n_sweeps : int
    """
    G, Ly, Lx = words.shape
    bipartite = Lx % 2 == 0 and (dim == 1 or Ly % 2 == 0)
    threads = numba.get_num_threads()
    with np.errstate(over="ignore"):
        if threads > 1 and G >= threads and G * Ly * Lx * n_sweeps >= PARALLEL_MIN_WORDS:
            _multispin_groups(words, states, thr, always, dim, spin_dependent, n_sweeps, bipartite)
        elif threads > 1 and bipartite and dim == 2 and Ly * Lx >= PARALLEL_MIN_WORDS:
            _multispin_rows(words, states, thr, always, dim, spin_dependent, n_sweeps)
        else:
            _multispin_serial(words, states, thr, always, dim, spin_dependent, n_sweeps, bipartite)


def pack(spins: np.ndarray) -> np.ndarray:
    """Pack ``spins`` (n_chains, Ly, Lx) of +-1 into words (ceil(n_chains / 64), Ly, Lx).

    Chain 64 g + b is bit b of group g; padding chains copy chain 0.

    Examples
    --------
    >>> s = np.array([[[1, -1]], [[-1, -1]]], dtype=np.int8)
    >>> bool(np.array_equal(unpack(pack(s), 2), s))
    True
    """
    n = spins.shape[0]
    G = -(-n // 64)
    padded = np.concatenate([spins, np.repeat(spins[:1], G * 64 - n, axis=0)]) if G * 64 > n else spins
    bits = (padded > 0).reshape(G, 64, *spins.shape[1:])
    # little-endian: bit b of a word is chain b.
    moved = np.moveaxis(bits, 1, -1)  # (G, Ly, Lx, 64)
    packed = np.packbits(moved, axis=-1, bitorder="little")  # (G, Ly, Lx, 8)
    return np.ascontiguousarray(packed).view("<u8")[..., 0].astype(np.uint64)


def unpack(words: np.ndarray, n_chains: int) -> np.ndarray:
    """Inverse of :func:`pack`: int8 spins (n_chains, Ly, Lx)."""
    as_bytes = np.ascontiguousarray(words.astype("<u8"))[..., None].view(np.uint8)
    bits = np.unpackbits(as_bytes, axis=-1, bitorder="little")  # (G, Ly, Lx, 64)
    spins = np.moveaxis(bits, -1, 1).reshape(-1, *words.shape[1:])[:n_chains]
    return (2 * spins.astype(np.int8) - 1).astype(np.int8)


def _bit_counts(x: np.ndarray) -> np.ndarray:
    """(G, ...) uint64 words -> (G, 64) number of set bits of each chain (bit), summed over sites."""
    bits = np.unpackbits(np.ascontiguousarray(x.astype("<u8"))[..., None].view(np.uint8), axis=-1,
                         bitorder="little")
    return bits.reshape(x.shape[0], -1, 64).sum(axis=1, dtype=np.int64)


def word_observables(words: np.ndarray, n_chains: int, J: float, H: float, dim: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Energy and magnetization sum of each packed chain: (E, M), float64 (n_chains,).

    Per chain: the anti-aligned bonds are the set bits of s XOR (right, lower
    neighbour), the up spins the set bits of s (numpy, vectorized over words).
    """
    n_sites = words.shape[1] * words.shape[2]
    anti = _bit_counts(words ^ np.roll(words, -1, axis=2))
    if dim == 2:
        anti += _bit_counts(words ^ np.roll(words, -1, axis=1))
    up = _bit_counts(words)
    anti = anti.reshape(-1)[:n_chains]
    up = up.reshape(-1)[:n_chains]
    M = (2 * up - n_sites).astype(np.float64)
    E = -J * (dim * n_sites - 2 * anti).astype(np.float64) - H * M
    return E, M


@numba.njit(cache=True)
def _wolff_chain(spins, c, st, p_add, n_clusters, dim, stack, sizes):  # pragma: no cover - compiled
    """Grow and flip ``n_clusters`` clusters in chain c."""
    _, Ly, Lx = spins.shape
    n_sites = Ly * Lx
    for k in range(n_clusters):
        seed = np.int64((_next(st) >> _U11) % np.uint64(n_sites))
        y0 = seed // Lx
        x0 = seed - y0 * Lx
        old = spins[c, y0, x0]
        new = -old
        spins[c, y0, x0] = new
        top = 0
        stack[top] = seed
        top += 1
        size = 1
        while top > 0:
            top -= 1
            site = stack[top]
            y = site // Lx
            x = site - y * Lx
            for d in range(2 * dim):
                if d == 0:
                    ny, nx = y, (x + 1 if x < Lx - 1 else 0)
                elif d == 1:
                    ny, nx = y, (x - 1 if x > 0 else Lx - 1)
                elif d == 2:
                    ny, nx = (y + 1 if y < Ly - 1 else 0), x
                else:
                    ny, nx = (y - 1 if y > 0 else Ly - 1), x
                if spins[c, ny, nx] == old:
                    u = np.float64(_next(st) >> _U11) * _TWO_M53
                    if u < p_add:
                        spins[c, ny, nx] = new
                        stack[top] = ny * Lx + nx
                        top += 1
                        size += 1
        sizes[c, k] = size


@numba.njit(cache=True)
def _wolff_serial(spins, states, p_add, n_clusters, dim):  # pragma: no cover - compiled
    C, Ly, Lx = spins.shape
    sizes = np.zeros((C, n_clusters), dtype=np.int64)
    stack = np.empty(Ly * Lx, dtype=np.int64)
    for c in range(C):
        _wolff_chain(spins, c, states[c], p_add, n_clusters, dim, stack, sizes)
    return sizes


@numba.njit(cache=True, parallel=True)
def _wolff_parallel(spins, states, p_add, n_clusters, dim):  # pragma: no cover - compiled
    C, Ly, Lx = spins.shape
    sizes = np.zeros((C, n_clusters), dtype=np.int64)
    for c in numba.prange(C):
        stack = np.empty(Ly * Lx, dtype=np.int64)
        _wolff_chain(spins, c, states[c], p_add, n_clusters, dim, stack, sizes)
    return sizes


def wolff_clusters(spins: np.ndarray, states: np.ndarray, beta: float, n_clusters: int,
                   dim: int, J: float = 1.0) -> np.ndarray:
    """Grow and flip ``n_clusters`` Wolff clusters in each chain of ``spins`` in place (H = 0).

    Parameters
    ----------
    spins : ndarray of int8, shape (n_chains, Ly, Lx)
    states : ndarray of uint64, shape (n_chains, 4)
        One random stream per chain (updated in place).
    beta : float
    n_clusters : int
    dim : {1, 2}
    J : float

    Returns
    -------
    ndarray of int64, shape (n_chains, n_clusters)
        Cluster sizes.
    """
    p_add = -np.expm1(-2.0 * beta * J)
    with np.errstate(over="ignore"):
        work = spins.size * int(n_clusters)
        if numba.get_num_threads() > 1 and spins.shape[0] > 1 and work >= PARALLEL_MIN_WORDS * 64:
            return _wolff_parallel(spins, states, p_add, int(n_clusters), dim)
        return _wolff_serial(spins, states, p_add, int(n_clusters), dim)
