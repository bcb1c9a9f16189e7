"""Restricted Boltzmann machines: the estimator (training, likelihood, partition
function, sampling, thermodynamics, persistence).

Energy and Boltzmann distribution at temperature T (units binary {0, 1} or
spins {-1, +1}; T = 1 is the trained model):

    E(v, h) = -v.W.h - b.v - c.h,        P(v, h) = exp(-E(v, h) / T) / Z(T)

with ``W = weights_`` (n_visible, n_hidden), ``b = visible_bias_``,
``c = hidden_bias_``. Summing out the hidden units gives the free energy of a
visible configuration, F(v) = -b.v - sum_a psi(v.W_a + c_a) with
psi(x) = log(1 + e^x) (binary) or log(2 cosh x) (spins), so that
log P(v) = -F(v) - log Z.

Training follows the log-likelihood gradient
dlog P / dW_ia = <v_i h_a>_data - <v_i h_a>_model by contrastive divergence
(CD-k, Hinton 2002) or persistent contrastive divergence (PCD, Tieleman, ICML
2008). The pieces live where their mathematics does:

- :mod:`thermoinfo.models.rbm_exact`: exact enumeration, free energy, exact
  samples;
- :mod:`thermoinfo.models.rbm_thermodynamics`: thermodynamics F, U, S, C over
  temperature, exact or by tempered AIS;
- :mod:`thermoinfo.sampling.contrastive_divergence`: the numba CD/PCD kernels;
- :mod:`thermoinfo.sampling.gibbs`: block Gibbs sampling (one draw kernel);
- :mod:`thermoinfo.sampling.ais`: (reverse) annealed importance sampling.

This module holds the :class:`RBM` class, a thin stateful wrapper over them.
Training runs and stores the parameters in float32 (converted once, when a
model built in float64 is first trained); exact computations run in float64.

References: Hinton, "Training products of experts by minimizing contrastive
divergence" (2002); Tieleman, ICML 2008; Salakhutdinov & Murray, "On the
quantitative analysis of deep belief networks", ICML 2008; Burda, Grosse &
Salakhutdinov, arXiv:1412.8566; Funai & Giataganas, "Thermodynamics and feature
extraction by machine learning", arXiv:1810.08179 (the spectrum of W W^T).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from thermoinfo._config import one_blas_thread
from thermoinfo._errors import NonFiniteParameterError, UnreliableEstimateWarning
from thermoinfo._validation import (
    as_rng,
    as_unit_states,
    check_callbacks,
    check_params,
    check_positive,
    check_positive_int,
    check_temperatures,
    random_units,
    resolve_rng,
)
from thermoinfo.models.rbm_exact import (
    ESS_WARNING_FRACTION,
    MAX_EXACT_SAMPLE_UNITS,
    check_temperature_scale,
    energy_moments_exact,
    free_energy,
    log_partition_exact,
    sample_exact,
)
from thermoinfo.models.rbm_thermodynamics import _thermodynamics_exact, _thermodynamics_mc
from thermoinfo.sampling import gibbs
from thermoinfo.sampling.ais import (
    AISBracket,
    AISResult,
    ais,
    base_rate_bias,
)
from thermoinfo.sampling.contrastive_divergence import (
    BLAS_MIN_WORK,
    blas_workspace,
    choose_driver,
    train_minibatches,
    train_minibatches_blas,
    uniforms_needed,
)

__all__ = [
    "RBM",
    "EpochState",
    "LogLikelihoodEstimate",
    "WeightSpectrum",
    "energy_moments_exact",
    "free_energy",
    "log_partition_exact",
    "sample_exact",
]


# ----------------------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class EpochState:
    """What :meth:`RBM.iter_fit` yields after each epoch."""

    epoch: int
    """Epochs completed in this run (1-based)."""
    n_steps: int
    """Minibatch updates made since the model was initialized."""
    elapsed: float
    """Seconds since the run started."""
    model: Any
    """The model being trained (its parameters are current)."""


@dataclasses.dataclass(frozen=True)
class LogLikelihoodEstimate:
    """Mean log-likelihood per sample under an AIS estimate of log Z.

    ``lower``/``upper`` come from the ±3σ bounds of log Z (swapped, since
    log P(v) = -F(v) - log Z).
    """

    value: float
    stderr: float
    lower: float
    upper: float
    log_partition: AISResult


@dataclasses.dataclass(frozen=True)
class WeightSpectrum:
    """Eigen-decomposition of ``W W^T`` (n_visible x n_visible), eigenvalues descending."""

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    """Columns are eigenvectors, ``eigenvectors[:, j]`` belongs to ``eigenvalues[j]``."""

    def images(self, shape: Sequence[int], n: int | None = None) -> np.ndarray:
        """The first ``n`` eigenvectors reshaped to images: an array ``(n, *shape)``
        (for lattice data, e.g. ``shape=(8, 8)`` for the digits, ``(L, L)`` for Ising)."""
        shape = tuple(int(s) for s in shape)
        if int(np.prod(shape)) != self.eigenvectors.shape[0]:
            raise ValueError(f"shape {shape} does not hold {self.eigenvectors.shape[0]} visible units")
        n = self.eigenvectors.shape[1] if n is None else check_positive_int(n, "n")
        return np.ascontiguousarray(self.eigenvectors[:, :n].T).reshape((-1, *shape))


class _Progress:
    """A tqdm progress bar over epochs, as a training callback."""

    def __init__(self, total: int):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, unit="epoch")

    def __call__(self, state: EpochState) -> None:
        self.bar.update(1)
        if state.epoch >= self.bar.total:
            self.bar.close()

    def close(self) -> None:
        self.bar.close()


_PREFETCH: dict[int, ThreadPoolExecutor] = {}  # by process id: a forked child starts its own thread


def _prefetch_executor() -> ThreadPoolExecutor:
    pid = os.getpid()
    if pid not in _PREFETCH:
        _PREFETCH.clear()
        _PREFETCH[pid] = ThreadPoolExecutor(1, thread_name_prefix="thermoinfo-uniforms")
    return _PREFETCH[pid]


#: At most this many uniforms (4 MiB of float32) in one block of :class:`_TrainingDraws`.
_BLOCK_UNIFORMS = 1 << 20


def _epoch_order(rng: np.random.Generator, n: int, shuffle: bool) -> np.ndarray:
    """The order of an epoch's rows: a permutation drawn from ``rng``, or the data's order."""
    return (rng.permutation(n) if shuffle else np.arange(n)).astype(np.int64)


class _TrainingDraws:
    """The random numbers of a fit with the small-layer driver, in the order it
    consumes the generator: each epoch's row order (:func:`_epoch_order`), then
    the uniforms of its minibatches in blocks of whole minibatches (at most
    :data:`_BLOCK_UNIFORMS` numbers, a whole epoch of small data in one block).

    With ``ahead`` each next block (and order) is drawn in a background thread
    while the caller trains on the current one (the training kernels and the
    generator's raw draws release the GIL): one hand-off per block, the same
    numbers in the same order as drawing them in turn. :meth:`settle` waits for
    the block being drawn, so that the generator is free for others (callbacks);
    :meth:`close` also puts the generator back to its state before any block
    drawn but not handed out, as if it had not been drawn.
    """

    def __init__(self, rng: np.random.Generator, n: int, shuffle: bool, n_batches: int, per_batch: int,
                 n_epochs: int, ahead: bool = True):
        self._rng = rng
        n_blocks = -(-n_batches * per_batch // _BLOCK_UNIFORMS)  # an epoch's
        size = -(-n_batches // n_blocks)  # whole minibatches, blocks of equal size
        self._blocks = self._produce(n, shuffle, n_batches, per_batch, n_epochs, size)
        self._left = n_epochs * -(-n_batches // size)  # blocks not yet handed out
        self._executor = _prefetch_executor() if ahead else None
        self._pending: Any = None  # the next block's future, once the first is handed out

    def _produce(self, n: int, shuffle: bool, n_batches: int, per_batch: int, n_epochs: int, size: int
                 ) -> Iterator[tuple[np.ndarray, int, int, np.ndarray]]:
        for _ in range(n_epochs):
            order = _epoch_order(self._rng, n, shuffle)
            for first in range(0, n_batches, size):
                last = min(n_batches, first + size)
                yield order, first, last, gibbs.uniforms_float32(self._rng, (last - first) * per_batch)

    def _next_block(self) -> tuple[dict[str, Any], tuple[np.ndarray, int, int, np.ndarray]]:
        state = self._rng.bit_generator.state
        return state, next(self._blocks)

    def next(self) -> tuple[np.ndarray, int, int, np.ndarray]:
        """``(order, first, last, uniforms)``: the epoch's row order and the uniforms of
        its minibatches ``first .. last - 1`` (raises StopIteration after the last)."""
        if self._left == 0:
            raise StopIteration
        if self._pending is None:  # the first block (or all of them, when not drawn ahead)
            _, block = self._next_block()
        else:
            _, block = self._pending.result()
        self._left -= 1
        self._pending = None
        if self._executor is not None and self._left > 0:
            self._pending = self._executor.submit(self._next_block)
        return block

    def settle(self) -> None:
        """Wait until the block being drawn ahead is drawn."""
        if self._pending is not None:
            self._pending.result()

    def close(self) -> None:
        """Settle, and undo the draws of a block drawn ahead and never handed out."""
        pending, self._pending = self._pending, None
        if pending is not None and pending.exception() is None:
            self._rng.bit_generator.state = pending.result()[0]


def _check_estimate(result: AISResult | AISBracket) -> None:
    """Warn (UnreliableEstimateWarning) when an AIS estimate's diagnostics are poor."""
    parts = [result.forward, result.reverse] if isinstance(result, AISBracket) else [result]
    for part in parts:
        if part.ess < ESS_WARNING_FRACTION * part.n_runs:
            kind = "reverse AIS" if part.reverse else "AIS"
            warnings.warn(
                f"{kind} effective sample size {part.ess:.1f} of {part.n_runs} runs: the estimate "
                f"{part.log_z:.4f} ± {part.stderr:.4f} rests on a few runs and its error bar cannot be "
                "trusted; use a longer schedule (betas) or more runs (n_runs)",
                UnreliableEstimateWarning, stacklevel=3)
    if isinstance(result, AISBracket) and result.verdict == "no bracket":
        warnings.warn(
            f"forward AIS ({result.forward.log_z:.4f} ± {result.forward.stderr:.4f}) lies above "
            f"reverse AIS ({result.reverse.log_z:.4f} ± {result.reverse.stderr:.4f}): the pair does "
            "not bracket log Z; use a longer schedule (betas) or a longer burn-in (n_burn)",
            UnreliableEstimateWarning, stacklevel=3)


# ----------------------------------------------------------------------------- the model

_HYPER = ("n_visible", "n_hidden", "units", "method", "k", "learning_rate", "batch_size", "n_epochs",
          "momentum", "weight_decay", "use_visible_bias", "use_hidden_bias", "init_scale", "shuffle")
_ARRAYS = ("weights", "visible_bias", "hidden_bias", "persistent_chains", "n_steps", "n_iter")


class RBM:
    """Restricted Boltzmann machine with binary {0, 1} or spin {-1, +1} units.

    ``E(v, h) = -v.W.h - b.v - c.h`` with fitted ``weights_`` (n_visible, n_hidden),
    ``visible_bias_`` and ``hidden_bias_`` (float32 after training).

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes (>= 1).
    units : {"binary", "spin"}
        Unit values {0, 1} (sigmoid conditionals) or {-1, +1} (means tanh(field)).
    method : {"pcd", "cd"}
        Persistent contrastive divergence (``batch_size`` persistent chains, as
        scikit-learn's ``BernoulliRBM``) or CD-k started at the data.
    k : int
        Gibbs steps per update.
    learning_rate : float
        Multiplies the minibatch-mean gradient. With PCD the chains' statistics are
        summed and divided by the minibatch size, as in scikit-learn's
        ``BernoulliRBM``: the same, except on a shorter last minibatch of an epoch
        (see :mod:`thermoinfo.sampling.contrastive_divergence`).
    batch_size : int
        Minibatch size (the last minibatch of an epoch may be smaller).
    n_epochs : int
        Passes over the data in :meth:`fit`.
    rng : seed or Generator, optional
        Randomness for initialization, shuffling and Gibbs sampling.
    random_state : seed or Generator, optional
        The scikit-learn spelling of ``rng`` (give one or the other).
    momentum : float
        Momentum in [0, 1).
    weight_decay : float
        L2 penalty on the weights (>= 0).
    use_visible_bias, use_hidden_bias : bool
        Whether each bias is learned (False keeps it at its initial value, zero).
    init_scale : float
        Standard deviation of the initial normal weights (0.01, as scikit-learn).
    shuffle : bool
        Visit the data in a fresh random order each epoch.
    callbacks : sequence of callables
        Called with an :class:`EpochState` (``.epoch``, ``.model``, ...) after every
        epoch; returning True stops training.
    progress : bool
        Show a tqdm progress bar over epochs.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 1, 0, 0], [0, 0, 1, 1]] * 50, dtype=np.int8)
    >>> rbm = RBM(4, 2, learning_rate=0.1, n_epochs=30, rng=0).fit(X)
    >>> rbm.weights_.shape
    (4, 2)
    >>> bool(rbm.log_likelihood(X) > -4 * np.log(2))
    True
    """

    def __init__(self, n_visible: int, n_hidden: int, units: str = "binary", method: str = "pcd",
                 k: int = 1, learning_rate: float = 0.1, batch_size: int = 10, n_epochs: int = 10,
                 rng: Any = None, *, random_state: Any = None, momentum: float = 0.0,
                 weight_decay: float = 0.0, use_visible_bias: bool = True, use_hidden_bias: bool = True,
                 init_scale: float = 0.01, shuffle: bool = True,
                 callbacks: Sequence[Callable[[EpochState], Any]] = (), progress: bool = False):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.units = units
        self.method = method
        self.k = k
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.rng = rng
        self.random_state = random_state
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.use_visible_bias = use_visible_bias
        self.use_hidden_bias = use_hidden_bias
        self.init_scale = init_scale
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.progress = progress
        self._validate_hyper()

    #: Training drivers (:func:`~thermoinfo.sampling.contrastive_divergence.choose_driver`):
    #: products of at least this many multiply-adds go to numpy's BLAS.
    _blas_min_work = BLAS_MIN_WORK
    #: Small layers: draw the next block of random numbers in a background thread during training.
    _draw_ahead = True

    # -- checks ----------------------------------------------------------------------------
    def _validate_hyper(self) -> None:
        check_positive_int(self.n_visible, "n_visible")
        check_positive_int(self.n_hidden, "n_hidden")
        gibbs.check_units(self.units)
        if self.method not in ("pcd", "cd"):
            raise ValueError(f"method must be 'pcd' or 'cd'; got {self.method!r}")
        check_positive_int(self.k, "k")
        check_positive(self.learning_rate, "learning_rate")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_epochs, "n_epochs", minimum=0)
        if not 0.0 <= float(self.momentum) < 1.0:
            raise ValueError(f"momentum must be in [0, 1); got {self.momentum}")
        if not float(self.weight_decay) >= 0.0 or not math.isfinite(float(self.weight_decay)):
            raise ValueError(f"weight_decay must be finite and >= 0; got {self.weight_decay}")
        if not float(self.init_scale) >= 0.0 or not math.isfinite(float(self.init_scale)):
            raise ValueError(f"init_scale must be finite and >= 0; got {self.init_scale}")
        for name in ("use_visible_bias", "use_hidden_bias", "shuffle", "progress"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False (got {value!r})")
        check_callbacks(self.callbacks)
        resolve_rng(self.rng, self.random_state)

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError("this RBM is not fitted yet; call fit(X) or build it with RBM.from_params")

    def _check_data(self, X: Any, name: str = "X", allow_1d: bool = False,
                    dtype: Any = np.float64) -> np.ndarray:
        arr, _ = as_unit_states(X, self.n_visible, self.units, name,
                                ndim=(1, 2) if allow_1d else (2,), size_name="n_visible")
        if arr.shape[0] == 0:
            raise ValueError(f"{name} is empty (shape {np.shape(X)}); give at least one configuration")
        return arr.astype(dtype, copy=False)

    def _params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The fitted parameters in float64 (no copy when they already are)."""
        self._check_fitted()
        return (np.asarray(self.weights_, dtype=np.float64),
                np.asarray(self.visible_bias_, dtype=np.float64),
                np.asarray(self.hidden_bias_, dtype=np.float64))

    def _seed(self) -> Any:
        return resolve_rng(self.rng, self.random_state)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_params(cls, weights: Any, visible_bias: Any = None, hidden_bias: Any = None,
                    units: str = "binary", **hyper: Any) -> RBM:
        """An RBM with given parameters (``weights`` (n_visible, n_hidden); biases default
        to zero). Further keyword arguments are hyper-parameters for later training.

        Raises
        ------
        ValueError
            Wrong shapes or non-finite entries; the message starts with the argument's name.
        """
        W, b, c = check_params(weights, visible_bias, hidden_bias)
        model = cls(W.shape[0], W.shape[1], units=units, **hyper)
        model.weights_ = W.copy()
        model.visible_bias_ = b.copy()
        model.hidden_bias_ = c.copy()
        model.n_steps_ = 0
        model.n_iter_ = 0
        return model

    def _initialize(self) -> None:
        self._validate_hyper()
        self._rng_ = as_rng(self._seed())
        nv, nh = self.n_visible, self.n_hidden
        self.weights_ = self._rng_.normal(0.0, float(self.init_scale), size=(nv, nh)).astype(np.float32)
        self.visible_bias_ = np.zeros(nv, dtype=np.float32)
        self.hidden_bias_ = np.zeros(nh, dtype=np.float32)
        self.n_steps_ = 0
        self.n_iter_ = 0
        self._reset_state()

    @property
    def persistent_chains_(self) -> np.ndarray:
        """The persistent chains' hidden states (``batch_size`` rows, int8 unit values): a
        copy of the float32 states training updates in place (converted when read, never
        between epochs); assigning sets those states."""
        try:
            return self._chain_states.astype(np.int8)
        except AttributeError:
            raise AttributeError("persistent_chains_: the model has not been fitted") from None

    @persistent_chains_.setter
    def persistent_chains_(self, chains: Any) -> None:
        self._chain_states = np.array(chains, dtype=np.float32, order="C")

    def _reset_state(self) -> None:
        if not hasattr(self, "_rng_"):
            self._rng_ = as_rng(self._seed())
        chains = getattr(self, "_chain_states", None)
        if chains is None or chains.shape != (self.batch_size, self.n_hidden):
            self.persistent_chains_ = random_units(self._rng_, (self.batch_size, self.n_hidden),
                                                   self.units)
        self.velocity_ = (np.zeros((self.n_visible, self.n_hidden), np.float32),
                          np.zeros(self.n_visible, np.float32), np.zeros(self.n_hidden, np.float32))

    def _training_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The parameters as the float32 C-contiguous arrays training updates in place
        (converted once, when a float64 model is first trained)."""
        out = []
        for name in ("weights_", "visible_bias_", "hidden_bias_"):
            arr = getattr(self, name)
            if arr.dtype != np.float32 or not arr.flags.c_contiguous or not arr.flags.writeable:
                arr = np.array(arr, dtype=np.float32, order="C")
                setattr(self, name, arr)
            out.append(arr)
        return out[0], out[1], out[2]

    # -- training --------------------------------------------------------------------------
    def _epoch(self, X: np.ndarray, scratch: dict[Any, Any], draws: _TrainingDraws | None) -> None:
        """One epoch: with ``draws`` (the small-layer driver) its order and uniforms come
        from them; else (the BLAS driver) the order is drawn here and each minibatch's
        uniforms inside the driver."""
        rng = self._rng_
        n = X.shape[0]
        W, b, c = self._training_arrays()
        vel_w, vel_b, vel_c = self.velocity_
        chains = self._chain_states
        n_batches = -(-n // self.batch_size)
        persistent = self.method == "pcd"
        args = (int(self.batch_size), W, b, c, vel_w, vel_b, vel_c, chains, persistent, int(self.k),
                float(self.learning_rate), float(self.momentum), float(self.weight_decay),
                self.units == "spin", bool(self.use_visible_bias), bool(self.use_hidden_bias))
        failed = -1
        if draws is None:
            # large layers: products on every BLAS thread, each minibatch's uniforms drawn just
            # before it (a thread drawing them ahead would take cores from the products), in
            # one workspace for every epoch of a fit
            order = _epoch_order(rng, n, self.shuffle)
            per_batch = uniforms_needed(self.batch_size, self.n_visible, self.n_hidden, self.k,
                                        persistent)
            key = (self.batch_size, self.n_visible, self.n_hidden, per_batch)
            if key not in scratch:
                scratch[key] = blas_workspace(self.batch_size, chains, W, per_batch)
            with np.errstate(over="ignore", invalid="ignore"):  # non-finite updates: caught below
                failed = train_minibatches_blas(X, order, 0, n_batches, *args, None,
                                                workspace=scratch[key], rng=rng)
        else:
            # small layers: one numba call per block of minibatches (a whole epoch of small
            # data) on one BLAS thread, the next block drawn meanwhile on the other core
            with np.errstate(over="ignore", invalid="ignore"), one_blas_thread():
                last = 0
                while last < n_batches and failed < 0:
                    order, first, last, uniforms = draws.next()
                    failed = train_minibatches(X, order, first, last, *args, uniforms)
            draws.settle()  # the generator is free for the callbacks
        done = n_batches if failed < 0 else failed
        self.n_steps_ += done
        if failed >= 0:
            step = self.n_steps_ + 1
            raise NonFiniteParameterError(
                f"training made the parameters non-finite at step {step} (minibatch {failed + 1} of "
                f"epoch {self.n_iter_ + 1}); the model keeps the parameters after step {step - 1}. "
                f"Lower learning_rate (now {self.learning_rate}) or weight_decay (now {self.weight_decay})"
            )
        self.n_iter_ += 1

    def iter_fit(self, X: Any, n_epochs: int | None = None, *, warm_start: bool = False
                 ) -> Iterator[EpochState]:
        """Train epoch by epoch, yielding an :class:`EpochState` after each.

        Parameters
        ----------
        X : array_like (n_samples, n_visible)
            Training data in the unit set.
        n_epochs : int, optional
            Defaults to the ``n_epochs`` hyper-parameter.
        warm_start : bool
            Continue from the current parameters instead of re-initializing.

        Raises
        ------
        ValueError
            ``X`` empty, of the wrong shape, non-finite or outside the unit set.
        NonFiniteParameterError
            An update would make a parameter non-finite (the model keeps the last finite ones).
        """
        X = self._check_data(X, dtype=np.int8)  # C-contiguous int8 (the data itself if it is)
        n_epochs = self.n_epochs if n_epochs is None else check_positive_int(n_epochs, "n_epochs", 0)
        if not warm_start or not hasattr(self, "weights_"):
            self._initialize()
        callbacks = list(check_callbacks(self.callbacks))
        bar = _Progress(n_epochs) if self.progress else None
        if bar is not None:
            callbacks.append(bar)
        if not hasattr(self, "velocity_") or self._chain_states.shape != (
                self.batch_size, self.n_hidden):
            self._reset_state()
        draws = None
        if choose_driver(self.batch_size, self.batch_size, self.n_visible, self.n_hidden,
                         self._blas_min_work) is train_minibatches:
            per_batch = uniforms_needed(self.batch_size, self.n_visible, self.n_hidden, self.k,
                                        self.method == "pcd")
            draws = _TrainingDraws(self._rng_, X.shape[0], self.shuffle, -(-X.shape[0] // self.batch_size),
                                   per_batch, n_epochs, self._draw_ahead)
        started = time.perf_counter()
        scratch: dict[Any, Any] = {}
        try:
            for epoch in range(1, n_epochs + 1):
                self._epoch(X, scratch, draws)
                state = EpochState(epoch, self.n_steps_, time.perf_counter() - started, self)
                stop = False
                for callback in callbacks:
                    stop = bool(callback(state)) or stop
                yield state
                if stop:
                    break
        finally:
            if draws is not None:
                draws.close()
            if bar is not None:
                bar.close()

    def fit(self, X: Any, y: Any = None) -> RBM:
        """Initialize and train for ``n_epochs`` epochs; returns ``self``."""
        for _ in self.iter_fit(X):
            pass
        return self

    def partial_fit(self, X: Any, y: Any = None) -> RBM:
        """One epoch over ``X`` (e.g. one minibatch) from the current parameters."""
        for _ in self.iter_fit(X, 1, warm_start=True):
            pass
        return self

    # -- inference -------------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Hidden means ``<h | v>`` of each row (sigmoid or tanh of the field)."""
        W, _, c = self._params()
        X = self._check_data(X)
        return gibbs.mean_units(X @ W + c, self.units)

    def free_energy(self, v: Any, temperature: float = 1.0) -> np.ndarray:
        """``F_T(v) = -b.v - T sum_a psi((v.W + c)_a / T)`` of each row of ``v`` (a 1-D
        ``v`` gives a 0-D result), with ``log P(v) = -F_T(v) / T - log Z(T)``."""
        W, b, c = self._params()
        temperature = check_positive(temperature, "temperature")
        one = np.ndim(v) == 1
        out = free_energy(self._check_data(v, "v", allow_1d=True), W, b, c, self.units, temperature)
        return out[0] if one else out

    def energy(self, v: Any, h: Any) -> np.ndarray:
        """``E(v, h) = -v.W.h - b.v - c.h`` row by row."""
        W, b, c = self._params()
        v = self._check_data(v, "v", allow_1d=True)
        h = np.atleast_2d(np.asarray(h, dtype=np.float64))
        if h.shape != (v.shape[0], self.n_hidden):
            raise ValueError(f"h must have shape ({v.shape[0]}, {self.n_hidden}); got {h.shape}")
        return -np.einsum("ni,ia,na->n", v, W, h) - v @ b - h @ c

    def sample(self, n_samples: int, n_steps: int = 1000, *, init: Any = None,
               temperature: float = 1.0, return_hidden: bool = False, rng: Any = None) -> Any:
        """Draw visible configurations from ``n_samples`` independent block Gibbs chains.

        Parameters
        ----------
        n_samples : int
            Number of chains (one sample each).
        n_steps : int
            Gibbs steps per chain.
        init : array_like, optional
            Starting visible configurations (n_samples, n_visible); random by default.
        temperature : float
            Temperature T (> 0): the chains sample exp(-E / T).
        return_hidden : bool
            Also return the hidden configurations that generated the samples.
        rng : seed or Generator
        """
        W, b, c = self._params()
        n_samples = check_positive_int(n_samples, "n_samples")
        n_steps = check_positive_int(n_steps, "n_steps", minimum=0)
        temperature = check_positive(temperature, "temperature")
        rng = as_rng(rng)
        if init is None:
            v = random_units(rng, (n_samples, self.n_visible), self.units)
        else:
            v = self._check_data(init, "init").astype(np.int8)
            if v.shape[0] != n_samples:
                raise ValueError(f"init must have n_samples={n_samples} rows; got {v.shape[0]}")
        v, h = gibbs.gibbs_chain(v, W, b, c, self.units, n_steps, rng, temperature)
        return (v, h) if return_hidden else v

    # -- partition function and likelihood ----------------------------------------------
    def log_partition(self, method: str = "exact", rng: Any = None, *, temperature: float = 1.0,
                      n_runs: int = 100, betas: Any = None, data: Any = None,
                      n_burn: int = 1000, dtype: Any = np.float32,
                      n_threads: int | None = None) -> Any:
        """log Z(T).

        Parameters
        ----------
        method : {"exact", "ais", "reverse_ais", "bracket"}
            "exact" sums over the smaller layer (<= 24 units) and returns a float.
            "ais" runs annealed importance sampling and returns an
            :class:`~thermoinfo.sampling.ais.AISResult` (``.log_z``, ``.stderr``,
            ``.lower``, ``.upper``, ``.ess``). Its base model keeps the model's own
            biases (W = 0), or, with ``data``, has the data's base rates as visible
            biases. "reverse_ais" runs the path backwards from model samples (exact
            samples when the smaller layer has <= 20 units, else ``n_burn`` Gibbs
            steps from ``data`` rows or random states), an estimate from above.
            "bracket" runs both and returns an
            :class:`~thermoinfo.sampling.ais.AISBracket` (``.forward``,
            ``.reverse``, ``.verdict``, ``.log_z``, ``.lower``, ``.upper``).
        rng : seed or Generator
        temperature : float
            Temperature T (> 0); the energy is divided by it.
        n_runs : int
            AIS runs.
        betas : array_like, optional
            AIS schedule from 0 to 1 (default: the 14,500 steps of Salakhutdinov & Murray).
        data : array_like, optional
            Training data: sets the base-rate visible biases (and the reverse-AIS starts).
        n_burn : int
            Gibbs steps before reverse AIS when exact samples are out of reach.
        dtype : numpy dtype
            Precision of the AIS products (float32 by default: half the memory
            traffic of float64, and log Z moves by about 1e-6 per hidden unit; the
            log weights are summed in float64 either way).
        n_threads : int, optional
            Threads that anneal the AIS runs (default: every core this process may
            use); a seed gives the same numbers on any number of threads.

        Warns
        -----
        UnreliableEstimateWarning
            An AIS effective sample size below a fifth of the runs, or a forward and
            reverse pair that does not bracket (forward above reverse by more than 3
            combined standard errors).
        """
        W, b, c = self._params()
        temperature = check_positive(temperature, "temperature")
        if method == "exact":
            key = (temperature, self.units, W.tobytes(), b.tobytes(), c.tobytes())
            cached = getattr(self, "_log_z_cache", None)
            if cached is None or cached[0] != key:
                self._log_z_cache = (key, log_partition_exact(W, b, c, self.units, temperature))
            return self._log_z_cache[1]
        if method not in ("ais", "reverse_ais", "bracket"):
            raise ValueError(f"method must be 'exact', 'ais', 'reverse_ais' or 'bracket'; got {method!r}")
        rng = as_rng(rng)
        n_runs = check_positive_int(n_runs, "n_runs")
        n_burn = check_positive_int(n_burn, "n_burn", minimum=0)
        check_temperature_scale(temperature, (W, b, c))
        Wb, bb, cb = W / temperature, b / temperature, c / temperature
        base: dict[str, Any] = {}
        if data is not None:
            data = self._check_data(data, "data")
            base = {"base_visible_bias": base_rate_bias(data, self.units), "base_hidden_bias": 0.0}
        forward = reverse = None
        if method in ("ais", "bracket"):
            forward = ais(Wb, bb, cb, self.units, betas=betas, n_runs=n_runs, rng=rng, dtype=dtype,
                          n_threads=n_threads, **base)
        if method in ("reverse_ais", "bracket"):
            if min(self.n_visible, self.n_hidden) <= MAX_EXACT_SAMPLE_UNITS:
                init, _ = sample_exact(Wb, bb, cb, self.units, n_runs, rng)
            else:
                if data is not None:
                    start = data[rng.integers(0, data.shape[0], n_runs)].astype(np.int8)
                else:
                    start = random_units(rng, (n_runs, self.n_visible), self.units)
                init, _ = gibbs.gibbs_chain(start, Wb, bb, cb, self.units, n_burn, rng)
            reverse = ais(Wb, bb, cb, self.units, betas=betas, n_runs=n_runs, reverse=True,
                          init=init, rng=rng, dtype=dtype, n_threads=n_threads, **base)
        result = (AISBracket(forward, reverse) if method == "bracket"
                  else forward if method == "ais" else reverse)
        _check_estimate(result)
        return result

    def score_samples(self, X: Any, log_z: float | None = None, method: str = "exact") -> np.ndarray:
        """Per-sample log-likelihood ``log P(v) = -F(v) - log Z`` (nats).

        ``log_z`` defaults to the exact value (method "exact"). ``method="pseudo"``
        returns instead the log pseudo-likelihood sum_i log P(v_i | v_-i), every
        unit flipped in turn (scikit-learn's ``BernoulliRBM.score_samples`` flips one
        random unit and multiplies by n_visible; this is its exact expectation).
        """
        W, b, c = self._params()
        X = self._check_data(X)
        if method == "pseudo":
            f0 = free_energy(X, W, b, c, self.units)
            lo, hi = gibbs.UNIT_VALUES[self.units]
            total = np.zeros(X.shape[0])
            for i in range(self.n_visible):
                flipped = X.copy()
                flipped[:, i] = lo + hi - flipped[:, i]
                total += -np.logaddexp(0.0, f0 - free_energy(flipped, W, b, c, self.units))
            return total
        if method != "exact":
            raise ValueError(f"method must be 'exact' or 'pseudo'; got {method!r}")
        if log_z is None:
            log_z = self.log_partition("exact")
        return -free_energy(X, W, b, c, self.units) - float(log_z)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean exact log-likelihood per sample."""
        return float(np.mean(self.score_samples(X)))

    def log_likelihood(self, X: Any, method: str = "exact", rng: Any = None, **ais_options: Any
                       ) -> Any:
        """Mean log-likelihood per sample of ``X`` (nats).

        ``method="exact"`` returns a float; ``"ais"`` a :class:`LogLikelihoodEstimate`
        (value, stderr, lower, upper) from :meth:`log_partition` with ``method="ais"``
        (options such as ``n_runs``, ``betas``, ``data`` are passed on).
        """
        W, b, c = self._params()
        X = self._check_data(X)
        mean_neg_f = float(np.mean(-free_energy(X, W, b, c, self.units)))
        if method == "exact":
            return mean_neg_f - self.log_partition("exact")
        if method != "ais":
            raise ValueError(f"method must be 'exact' or 'ais'; got {method!r}")
        res = self.log_partition("ais", rng=rng, **ais_options)
        return LogLikelihoodEstimate(mean_neg_f - res.log_z, res.stderr, mean_neg_f - res.upper,
                                     mean_neg_f - res.lower, res)

    # -- thermodynamics --------------------------------------------------------------------
    def thermodynamics(self, temperature: Any = 1.0, method: str = "exact", rng: Any = None, *,
                       n_runs: int = 100, n_steps: int = 2000) -> Any:
        """F, U, S, C at ``temperature``, as an ``xarray.Dataset``.

        Variables: ``log_partition`` (log Z(T)), ``free_energy`` (F = -T log Z),
        ``energy`` (U = <E>), ``entropy`` (S = (U - F) / T, nats), ``heat_capacity``
        (C = Var(E) / T^2); with ``method="mc"`` also ``*_se`` standard errors and
        ``ess``, the effective sample size of the runs at each temperature. A
        scalar gives a scalar ``temperature`` coordinate, an array a ``temperature``
        dimension (as for the other models).

        Parameters
        ----------
        temperature : float or 1-D array_like
            Temperatures T > 0 (T = 1 is the trained model).
        method : {"exact", "mc"}
            "exact" enumerates the smaller layer (<= 24 units)
            (:func:`thermoinfo.models.rbm_thermodynamics.thermodynamics`). "mc" runs one
            tempered AIS path (uniform start at infinite temperature, ``n_steps``
            steps down to the lowest temperature, the requested ones on the path)
            with ``n_runs`` runs: log Z(T) from the log weights, U and C from the
            weighted particles with the hidden units summed out
            (:func:`thermoinfo.models.rbm_thermodynamics.thermodynamics_mc`).

        Warns
        -----
        UnreliableEstimateWarning
            ``method="mc"`` with an effective sample size below a fifth of the runs
            at some temperature (the error bars there rest on a few runs).
        """
        W, b, c = self._params()
        t = check_temperatures(temperature)
        ts = np.atleast_1d(t)
        if method == "exact":
            ds = _thermodynamics_exact(W, b, c, self.units, ts)
        elif method == "mc":
            # the kernel of thermodynamics_mc; its warning points at the caller of this method
            ds = _thermodynamics_mc(W, b, c, self.units, ts, rng, n_runs, n_steps, stacklevel=3)
        else:
            raise ValueError(f"method must be 'exact' or 'mc'; got {method!r}")
        how = "exact enumeration" if method == "exact" else "tempered annealed importance sampling"
        ds.attrs.update({"title": f"RBM thermodynamics by {how}", "method": method, "unit_set": self.units,
                         "n_visible": self.n_visible, "n_hidden": self.n_hidden})
        return ds.isel(temperature=0) if t.ndim == 0 else ds

    def weight_spectrum(self) -> WeightSpectrum:
        """Eigenvalues (descending) and eigenvectors of ``W W^T``; see
        :meth:`WeightSpectrum.images` to view the eigenvectors as images."""
        W, _, _ = self._params()
        vals, vecs = np.linalg.eigh(W @ W.T)
        order = np.argsort(vals)[::-1]
        return WeightSpectrum(np.clip(vals[order], 0.0, None), vecs[:, order])

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write hyper-parameters and fitted parameters to a ``.npz`` file."""
        self._check_fitted()
        path = Path(path)
        hyper = {f"hyper_{name}": np.asarray(getattr(self, name)) for name in _HYPER}
        np.savez(path, weights=self.weights_, visible_bias=self.visible_bias_,
                 hidden_bias=self.hidden_bias_,
                 persistent_chains=getattr(self, "persistent_chains_", np.zeros((0, 0), np.int8)),
                 n_steps=np.asarray(self.n_steps_), n_iter=np.asarray(self.n_iter_), **hyper)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    @classmethod
    def load(cls, path: str | Path) -> RBM:
        """Read a model written by :meth:`save`.

        Raises
        ------
        TypeError
            ``path`` is not a path (``str``, ``bytes`` or ``os.PathLike``); the message
            starts with "path".
        FileNotFoundError
            Nothing at ``path``.
        ValueError
            A directory or other non-file, or a truncated, corrupted or foreign file; the
            message starts with the path.
        """
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"path must be a file path (str, bytes or os.PathLike); "
                            f"got {type(path).__name__}")
        try:
            path = Path(os.fsdecode(path))
        except TypeError as exc:  # an os.PathLike whose __fspath__ returns neither str nor bytes
            raise TypeError(f"path must be a file path (str, bytes or os.PathLike): {exc}") from exc
        if path.is_dir():
            raise ValueError(f"{path}: is a directory, not an RBM file written by RBM.save")
        if not path.is_file():
            if path.exists():
                raise ValueError(f"{path}: not a regular file, not an RBM file written by RBM.save")
            raise FileNotFoundError(f"{path}: no such file")
        unreadable = (OSError, ValueError, EOFError, KeyError, NotImplementedError, zipfile.BadZipFile,
                      zlib.error)
        try:
            f = np.load(path, allow_pickle=False)
        except unreadable as exc:
            raise ValueError(f"{path}: not an RBM file written by RBM.save (cannot read it as .npz: "
                             f"{exc})") from exc
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError(f"{path}: holds a single array, not an RBM .npz written by RBM.save")
        with f:
            names = [*_ARRAYS, *(f"hyper_{name}" for name in _HYPER)]
            missing = [name for name in names if name not in f.files]
            if missing:
                raise ValueError(f"{path}: not an RBM file written by RBM.save "
                                 f"(missing {', '.join(missing)})")
            try:
                stored = {name: f[name] for name in names}
            except unreadable as exc:
                raise ValueError(f"{path}: corrupted RBM file ({type(exc).__name__}: {exc})") from exc
        try:
            hyper = {}
            for name in _HYPER:
                value = stored[f"hyper_{name}"]
                if value.shape != () or value.dtype.kind not in "biufU":
                    raise ValueError(f"hyper-parameter {name} is not a stored scalar")
                hyper[name] = value.item()
            nv, nh = hyper.pop("n_visible"), hyper.pop("n_hidden")
            units = hyper.pop("units")
            model = cls.from_params(stored["weights"], stored["visible_bias"], stored["hidden_bias"],
                                    units=str(units), **hyper)
            if (model.n_visible, model.n_hidden) != (nv, nh):
                raise ValueError(f"weights do not match n_visible={nv}, n_hidden={nh}")
            chains = stored["persistent_chains"]
            if chains.size:
                chains, _ = as_unit_states(chains, model.n_hidden, model.units, "persistent_chains",
                                           ndim=(2,), size_name="n_hidden")
                model.persistent_chains_ = chains
            for name in ("n_steps", "n_iter"):
                value = stored[name]
                if value.shape != () or value.dtype.kind not in "iu" or value < 0:
                    raise ValueError(f"{name} must be a stored count >= 0")
                setattr(model, f"{name}_", int(value))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: invalid RBM file: {exc}") from exc
        return model

    def __repr__(self) -> str:
        return (f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden}, units={self.units!r}, "
                f"method={self.method!r}, k={self.k}, learning_rate={self.learning_rate}, "
                f"batch_size={self.batch_size}, n_epochs={self.n_epochs})")
