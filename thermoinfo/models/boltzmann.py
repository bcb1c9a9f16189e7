"""Boltzmann machines: fully visible or with hidden units, at temperature T.

Units u = (v, h) (visible first), binary {0, 1} or spins ±1, with energy and
distribution (Ackley, Hinton & Sejnowski 1985, Cognitive Science 9, 147)

    E(u) = -1/2 sum_ij w_ij u_i u_j - sum_i b_i u_i,   w symmetric, w_ii = 0,
    p(u) = exp(-E(u)/T) / Z,   Z = sum_u exp(-E(u)/T),
    p(v) = sum_h p(v, h).

Exact thermodynamics by enumeration (N = n_visible + n_hidden <= 20), k_B = 1,
nats:

    F = -T log Z,   U = <E> = T^2 d log Z/dT,   S = (U - F)/T = log Z + U/T,
    C = dU/dT = Var(E)/T^2.

Learning ascends the mean log-likelihood of the visible data,

    d<log p(v)>/d w_ij = (<u_i u_j>_data - <u_i u_j>_model) / T,

with the rule Δw_ij = η(<u_i u_j>_data - <u_i u_j>_model), Δb_i = η(<u_i>_data -
<u_i>_model) (the 1/T is absorbed in η). The data ("clamped") averages take the
hidden units from p(h | v); the model ("free") averages come from exact
enumeration or from persistent Gibbs chains (heat-bath single-site updates,
:mod:`thermoinfo.sampling.single_site`). At the maximum of the likelihood of a
fully visible machine the model's moments equal the data's (moment matching).

Training calls each of ``callbacks`` with a :class:`FitState` (``.epoch``,
``.model``, ``.moment_gap``) after every update; a callback that returns True
stops training. :meth:`BoltzmannMachine.thermodynamics` returns an
``xarray.Dataset`` with CF attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp, softmax

from thermoinfo._attrs import thermodynamics_dataset as _labelled_thermodynamics
from thermoinfo._enumerate import iter_states, states
from thermoinfo._errors import NonFiniteParameterError
from thermoinfo._validation import (
    as_rng,
    as_unit_states,
    check_callbacks,
    check_positive,
    check_positive_int,
    check_temperatures,
    random_units,
    resolve_rng,
)
from thermoinfo.sampling.single_site import as_couplings, as_states, relax, unit_values
from thermoinfo.sampling.single_site import energy as _energy

__all__ = ["BoltzmannMachine", "FitState", "exact_log_partition", "exact_thermodynamics",
           "thermodynamics_dataset"]

#: Largest number of units for exact enumeration.
MAX_EXACT_UNITS = 20


@dataclass(frozen=True)
class FitState:
    """What each callback of :meth:`BoltzmannMachine.fit` receives after an update.

    Attributes
    ----------
    epoch : int
        Updates made in this call of ``fit`` (1-based).
    model : BoltzmannMachine
        The machine being trained (its parameters are current).
    moment_gap : float
        max |data - model| over the moments of this update.
    """

    epoch: int
    model: Any
    moment_gap: float


def _chunks(n: int, units: str):
    return iter_states(n, values=unit_values(units), bytes_per_state=24 * n)


def exact_log_partition(weights: np.ndarray, bias: np.ndarray, units: str, temperatures: np.ndarray,
                        chunks: Any = None) -> np.ndarray:
    """log Z(T) = log sum_u exp(-E(u)/T) at each temperature, by enumeration in chunks
    (pure kernel on checked arrays; ``chunks``, a list of state arrays covering every
    configuration once, skips re-enumerating in loops such as training)."""
    log_z = np.full(temperatures.size, -np.inf)
    for c in _chunks(weights.shape[0], units) if chunks is None else chunks:
        e = _energy(c, weights, bias)
        log_z = np.logaddexp(log_z, logsumexp(-e[None, :] / temperatures[:, None], axis=1))
    return log_z


def exact_thermodynamics(weights: np.ndarray, bias: np.ndarray, units: str, temperatures: np.ndarray,
                         chunks: Any = None) -> dict[str, np.ndarray]:
    """Exact log Z, U, Var(E), <u_i>, <u_i u_j> at each temperature, by enumeration.

    Pure kernel on checked arrays: ``weights`` (N, N) symmetric with zero
    diagonal, ``bias`` (N,), ``temperatures`` a 1-D array of T > 0. Returns a dict
    of arrays with leading axis over ``temperatures``: ``log_partition``,
    ``energy`` (U = <E>), ``energy_variance`` (Var(E), accumulated about the mean,
    so without cancellation), ``means`` (T, N) and ``correlations`` (T, N, N).

    Examples
    --------
    >>> import numpy as np
    >>> out = exact_thermodynamics(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2), "binary",
    ...                            np.array([1.0]))
    >>> round(float(out["log_partition"][0]), 6)      # log(3 + e)
    1.743668
    """
    n = weights.shape[0]
    n_t = temperatures.size
    log_z = exact_log_partition(weights, bias, units, temperatures, chunks)
    m1 = np.zeros((n_t, n))
    m2 = np.zeros((n_t, n, n))
    u = np.zeros(n_t)
    for c in _chunks(n, units) if chunks is None else chunks:
        e = _energy(c, weights, bias)
        p = np.exp(-e[None, :] / temperatures[:, None] - log_z[:, None])
        cf = c.astype(np.float64)
        m1 += p @ cf
        for k in range(n_t):
            m2[k] += (cf * p[k][:, None]).T @ cf
        u += p @ e
    var = np.zeros(n_t)
    # last pass: the variance about the mean (no cancellation)
    for c in _chunks(n, units) if chunks is None else chunks:
        e = _energy(c, weights, bias)
        p = np.exp(-e[None, :] / temperatures[:, None] - log_z[:, None])
        var += np.sum(p * (e[None, :] - u[:, None]) ** 2, axis=1)
    return {"log_partition": log_z, "energy": u, "energy_variance": var, "means": m1,
            "correlations": m2}


def _exact_arrays(weights: np.ndarray, bias: np.ndarray, units: str, temperatures: np.ndarray,
                  moments: bool = True) -> dict[str, np.ndarray]:
    """The enumeration kernels behind the public calls: size limit and overflow checked."""
    n = weights.shape[0]
    if n > MAX_EXACT_UNITS:
        raise ValueError(
            f"exact enumeration is limited to {MAX_EXACT_UNITS} units (this network has {n}); "
            "sample instead"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        if moments:
            out = exact_thermodynamics(weights, bias, units, temperatures)
        else:
            out = {"log_partition": exact_log_partition(weights, bias, units, temperatures)}
    if not all(np.all(np.isfinite(v)) for v in out.values()):
        raise ValueError(
            f"temperature {temperatures.min():.3g} is too low for couplings of size "
            f"{np.max(np.abs(weights), initial=0.0):.3g}: E/T overflows float64, so log Z "
            "is not finite; raise the temperature or scale the weights down"
        )
    return out


def thermodynamics_dataset(weights: np.ndarray, bias: np.ndarray, units: str, temperature: Any,
                           title: str) -> Any:
    """Exact thermodynamics of E(u) = -1/2 u.W.u - b.u at ``temperature`` (a scalar or a
    1-D array of T > 0), by enumeration, as an ``xarray.Dataset`` with CF attributes
    (the layout of :meth:`BoltzmannMachine.thermodynamics`); ``weights`` and ``bias``
    are checked arrays."""
    t = check_temperatures(temperature)
    ts = np.atleast_1d(t)
    out = _exact_arrays(weights, bias, units, ts)
    n = weights.shape[0]
    ds = _labelled_thermodynamics(
        ts, out["log_partition"], out["energy"], out["energy_variance"],
        extra={"means": (out["means"], ("unit_i",), "mean unit value <u_i>", "1"),
               "correlations": (out["correlations"], ("unit_i", "unit_j"),
                                "second moment <u_i u_j>", "1")},
        coords={"unit_i": ("unit_i", np.arange(n)), "unit_j": ("unit_j", np.arange(n))},
    )
    ds.attrs.update({"title": title, "unit_set": units})
    return ds.isel(temperature=0) if t.ndim == 0 else ds


class BoltzmannMachine:
    """Boltzmann machine with optional hidden units.

    Parameters
    ----------
    n_visible : int
    n_hidden : int
        0 for a fully visible machine.
    units : {"binary", "spin"}
    temperature : float
        T > 0 of p(u) ∝ exp(-E(u)/T).
    learning_rate : float
        η of the learning rule.
    n_epochs : int
        Maximum number of full-batch updates in :meth:`fit`.
    method : {"exact", "gibbs"}
        Model (and, with hidden units, data) averages by enumeration or by Gibbs
        sampling.
    n_chains : int
        Persistent chains of the "gibbs" method.
    n_sweeps : int
        Gibbs sweeps per update (and per sample in :meth:`sample`).
    tol : float
        "exact" fitting stops when every |data - model| moment gap is below tol.
    rng, random_state : seed or Generator
        Randomness (initial weights are zero; sampling uses rng).
    callbacks : sequence of callables
        Called with a :class:`FitState` (``.epoch``, ``.model``, ``.moment_gap``)
        after every update of :meth:`fit`; returning True stops training.

    Attributes
    ----------
    weights_ : ndarray (N, N)
    bias_ : ndarray (N,)
    n_iter_ : int
    converged_ : bool

    Examples
    --------
    >>> import numpy as np
    >>> bm = BoltzmannMachine.from_params(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
    >>> round(bm.log_partition(), 6)        # log(1 + 1 + 1 + e)
    1.743668
    """

    def __init__(self, n_visible: int, n_hidden: int = 0, units: str = "binary", temperature: float = 1.0,
                 learning_rate: float = 0.5, n_epochs: int = 2000, method: str = "exact",
                 n_chains: int = 200, n_sweeps: int = 10, tol: float = 1e-9, rng: Any = None,
                 random_state: Any = None, callbacks: Sequence[Callable[[FitState], Any]] = ()):
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.units = units
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.method = method
        self.n_chains = n_chains
        self.n_sweeps = n_sweeps
        self.tol = tol
        self.rng = rng
        self.random_state = random_state
        self.callbacks = callbacks

    # ------------------------------------------------------------------ setup
    def _check_params(self) -> None:
        check_positive_int(self.n_visible, "n_visible")
        check_positive_int(self.n_hidden, "n_hidden", minimum=0)
        unit_values(self.units)
        check_positive(self.temperature, "temperature")
        check_positive(self.learning_rate, "learning_rate")
        check_positive_int(self.n_epochs, "n_epochs")
        check_positive_int(self.n_chains, "n_chains")
        check_positive_int(self.n_sweeps, "n_sweeps")
        check_positive(self.tol, "tol")
        if self.method not in ("exact", "gibbs"):
            raise ValueError(f"method must be 'exact' or 'gibbs' (got {self.method!r})")
        resolve_rng(self.rng, self.random_state)
        check_callbacks(self.callbacks)

    @property
    def n_units(self) -> int:
        """N = n_visible + n_hidden."""
        return int(self.n_visible) + int(self.n_hidden)

    @classmethod
    def from_params(cls, weights: Any, bias: Any = None, *, n_visible: int | None = None,
                    units: str = "binary", temperature: float = 1.0, **kwargs: Any) -> BoltzmannMachine:
        """A machine with given couplings (symmetric, zero diagonal) and biases.

        The first ``n_visible`` units (default all) are visible.
        """
        w, b = as_couplings(weights, bias)
        w = w.astype(np.float64)
        n = w.shape[0]
        n_visible = n if n_visible is None else check_positive_int(n_visible, "n_visible")
        if n_visible > n:
            raise ValueError(f"n_visible ({n_visible}) exceeds the number of units ({n})")
        model = cls(n_visible, n - n_visible, units=units, temperature=temperature, **kwargs)
        model._check_params()
        model.weights_ = w.copy()
        model.bias_ = b.copy()
        model.n_iter_ = 0
        model.converged_ = False
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError("this BoltzmannMachine has no parameters; call fit(X) or use from_params")

    def _rng(self, rng: Any) -> np.random.Generator:
        if rng is not None:
            return as_rng(rng)
        return as_rng(resolve_rng(self.rng, self.random_state))

    # ------------------------------------------------------------ energies
    def energy(self, states: Any) -> np.ndarray | float:
        """E(u) of full states (n_units,) or (n, n_units)."""
        self._check_fitted()
        s, was_1d = as_states(states, self.n_units, self.units)
        e = _energy(s, self.weights_, self.bias_)
        return float(e[0]) if was_1d else e

    def _exact_size(self) -> None:
        if self.n_units > MAX_EXACT_UNITS:
            raise ValueError(
                f"exact enumeration is limited to {MAX_EXACT_UNITS} units (this machine has "
                f"{self.n_units}); use method='gibbs' or sample()"
            )

    def _thermo_arrays(self, temperatures: np.ndarray, moments: bool = True) -> dict[str, np.ndarray]:
        return _exact_arrays(self.weights_, self.bias_, self.units, temperatures, moments)

    def log_partition(self) -> float:
        """log Z = log sum_u exp(-E(u)/T), by enumeration."""
        self._check_fitted()
        t = np.array([float(self.temperature)])
        return float(self._thermo_arrays(t, moments=False)["log_partition"][0])

    def thermodynamics(self, temperature: Any = None) -> Any:
        """Exact thermodynamics by enumeration (N <= 20), as an ``xarray.Dataset``.

        Parameters
        ----------
        temperature : float or 1-D array_like, optional
            Temperatures T > 0 (default: the machine's own). A scalar gives a
            scalar ``temperature`` coordinate, an array a ``temperature`` dimension.

        Returns
        -------
        xarray.Dataset
            ``log_partition`` (log Z), ``free_energy`` (F = -T log Z), ``energy``
            (U = <E>), ``entropy`` (S = log Z + U/T, nats), ``heat_capacity``
            (C = Var(E)/T^2), ``means`` (<u_i>, dim ``unit_i``) and
            ``correlations`` (<u_i u_j>, dims ``unit_i``, ``unit_j``), each with CF
            ``long_name`` and ``units``.

        Examples
        --------
        >>> import numpy as np
        >>> bm = BoltzmannMachine.from_params(np.array([[0.0, 1.0], [1.0, 0.0]]), np.zeros(2))
        >>> th = bm.thermodynamics()
        >>> round(float(th.log_partition), 6), th.entropy.attrs["units"]
        (1.743668, 'nat')
        >>> bm.thermodynamics([0.5, 1.0, 2.0]).heat_capacity.dims
        ('temperature',)
        """
        self._check_fitted()
        ds = thermodynamics_dataset(self.weights_, self.bias_, self.units,
                                    self.temperature if temperature is None else temperature,
                                    "Boltzmann machine thermodynamics by exact enumeration")
        ds.attrs.update({"n_visible": int(self.n_visible), "n_hidden": int(self.n_hidden)})
        return ds

    def probabilities(self) -> np.ndarray:
        """p(u) of all 2^N states, in the order of ``thermoinfo._enumerate.states``
        (unit 0 the most significant bit)."""
        self._check_fitted()
        t = float(self.temperature)
        log_z = self.log_partition()
        return np.concatenate([np.exp(-_energy(c, self.weights_, self.bias_) / t - log_z)
                               for c in _chunks(self.n_units, self.units)])

    def visible_probabilities(self) -> np.ndarray:
        """p(v) of all 2^n_visible visible states (hidden units summed out)."""
        p = self.probabilities()
        return p.reshape(2 ** int(self.n_visible), 2 ** int(self.n_hidden)).sum(axis=1)

    # ----------------------------------------------------- visible data
    def _check_data(self, X: Any, name: str = "X", ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
        v, _ = as_unit_states(X, int(self.n_visible), self.units, name, ndim=ndim, size_name="n_visible")
        if v.shape[0] < 1:
            raise ValueError(f"{name} has no rows")
        return v

    def _hidden_posterior(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact p(h | v) for each row of v: (n, 2^n_hidden) and the hidden states."""
        nv = int(self.n_visible)
        hid = states(int(self.n_hidden), values=unit_values(self.units)).astype(np.float64)
        w, b, t = self.weights_, self.bias_, float(self.temperature)
        vf = v.astype(np.float64)
        # -E(v, h) = v.Wvh.h + 1/2 h.Whh.h + bh.h + (terms of v alone)
        score = vf @ w[:nv, nv:] @ hid.T + (0.5 * np.einsum("ki,ij,kj->k", hid, w[nv:, nv:], hid)
                                            + hid @ b[nv:])[None, :]
        return softmax(score / t, axis=1), hid

    def log_likelihood(self, X: Any) -> float:
        """Mean log p(v) of the rows of ``X`` (exact; N <= 20)."""
        self._check_fitted()
        v = self._check_data(X)
        log_z = self.log_partition()
        t = float(self.temperature)
        nv = int(self.n_visible)
        vf = v.astype(np.float64)
        w, b = self.weights_, self.bias_
        own = 0.5 * np.einsum("ni,ij,nj->n", vf, w[:nv, :nv], vf) + vf @ b[:nv]
        if self.n_hidden == 0:
            return float(np.mean(own / t) - log_z)
        hid = states(int(self.n_hidden), values=unit_values(self.units)).astype(np.float64)
        score = vf @ w[:nv, nv:] @ hid.T + (0.5 * np.einsum("ki,ij,kj->k", hid, w[nv:, nv:], hid)
                                            + hid @ b[nv:])[None, :]
        return float(np.mean(own / t + logsumexp(score / t, axis=1)) - log_z)

    def data_moments(self, X: Any, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Clamped averages (<u_i>_data, <u_i u_j>_data), hidden units from p(h|v)
        (exact for method="exact", Gibbs with clamped visible units otherwise)."""
        self._check_fitted()
        v = self._check_data(X)
        return self._data_moments(v, self._rng(rng))

    def _data_moments(self, v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        vf = v.astype(np.float64)
        n = vf.shape[0]
        if self.n_hidden == 0:
            return vf.mean(axis=0), vf.T @ vf / n
        nv = int(self.n_visible)
        if self.method == "exact":
            post, hid = self._hidden_posterior(v)
            mh = post @ hid                              # <h | v> per row
            m1 = np.concatenate([vf.mean(axis=0), mh.mean(axis=0)])
            vv = vf.T @ vf / n
            vh = vf.T @ mh / n
            hh = (hid * post.sum(axis=0)[:, None]).T @ hid / n
            m2 = np.block([[vv, vh], [vh.T, hh]])
            return m1, m2
        hidden0 = random_units(rng, (n, int(self.n_hidden)), self.units)
        full = np.concatenate([v, hidden0], axis=1)
        out = relax(full, self.weights_, self.bias_, units=self.units, temperature=float(self.temperature),
                    n_sweeps=int(self.n_sweeps), sites=np.arange(nv, self.n_units), rng=rng).states
        uf = out.astype(np.float64)
        return uf.mean(axis=0), uf.T @ uf / n

    def model_moments(self, rng: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Free averages (<u_i>_model, <u_i u_j>_model): exact, or from fresh Gibbs chains."""
        self._check_fitted()
        if self.method == "exact":
            out = self._thermo_arrays(np.array([float(self.temperature)]))
            return out["means"][0], out["correlations"][0]
        s = self.sample(int(self.n_chains), rng=rng)
        sf = s.astype(np.float64)
        return sf.mean(axis=0), sf.T @ sf / sf.shape[0]

    # ------------------------------------------------------------ sampling
    def sample(self, n_samples: int, *, n_sweeps: int | None = None, init: Any = None,
               rng: Any = None) -> np.ndarray:
        """Full states (n_samples, n_units) from independent Gibbs chains.

        Each chain starts uniformly at random (or at ``init``) and runs ``n_sweeps``
        random-order heat-bath sweeps at the machine's temperature; its final
        state is one sample.
        """
        self._check_fitted()
        n_samples = check_positive_int(n_samples, "n_samples")
        n_sweeps = int(self.n_sweeps) if n_sweeps is None else check_positive_int(n_sweeps, "n_sweeps")
        rng = self._rng(rng)
        if init is None:
            s = random_units(rng, (n_samples, self.n_units), self.units)
        else:
            s, _ = as_states(init, self.n_units, self.units, "init")
            if s.shape[0] != n_samples:
                raise ValueError(f"init must have n_samples = {n_samples} rows (got {s.shape[0]})")
        return relax(s, self.weights_, self.bias_, units=self.units, temperature=float(self.temperature),
                     n_sweeps=n_sweeps, rng=rng).states

    # ------------------------------------------------------------ learning
    def fit(self, X: Any, y: Any = None) -> BoltzmannMachine:
        """Learn weights and biases from visible data ``X`` (n_samples, n_visible).

        Full-batch updates Δw = η(<uu>_data - <uu>_model), Δb = η(<u>_data - <u>_model)
        from zero parameters; after each update every callback of ``callbacks``
        receives a :class:`FitState`, and training stops when one returns True.
        ``y`` is ignored (scikit-learn convention).

        Raises
        ------
        NonFiniteParameterError
            An update made a parameter non-finite (the last finite ones are kept).
        """
        self._check_params()
        callbacks = check_callbacks(self.callbacks)
        v = self._check_data(X, ndim=(2,))
        if self.method == "exact":
            self._exact_size()
        rng = self._rng(None)
        n = self.n_units
        self.weights_ = np.zeros((n, n))
        self.bias_ = np.zeros(n)
        if self.n_hidden and self.method == "exact":
            # break the symmetry between hidden units
            init = 0.1 * rng.standard_normal((n, n))
            init = np.triu(init, 1)
            self.weights_ = init + init.T
        self.converged_ = False
        eta = float(self.learning_rate)
        chains = None
        if self.method == "gibbs":
            chains = random_units(rng, (int(self.n_chains), n), self.units)
        temperature = np.array([float(self.temperature)])
        enumerated = list(_chunks(n, self.units)) if self.method == "exact" else None
        d1 = d2 = None
        epoch = 0
        for epoch in range(1, int(self.n_epochs) + 1):
            last_w, last_b = self.weights_.copy(), self.bias_.copy()
            with np.errstate(all="ignore"):  # overflow shows up as non-finite parameters below
                data1, data2 = self._data_moments(v, rng)
                if self.method == "exact":
                    out = exact_thermodynamics(self.weights_, self.bias_, self.units, temperature,
                                               enumerated)
                    model1, model2 = out["means"][0], out["correlations"][0]
                else:
                    chains = relax(chains, self.weights_, self.bias_, units=self.units,
                                   temperature=float(self.temperature), n_sweeps=int(self.n_sweeps),
                                   rng=rng).states
                    cf = chains.astype(np.float64)
                    model1, model2 = cf.mean(axis=0), cf.T @ cf / cf.shape[0]
                d1 = data1 - model1
                d2 = data2 - model2
                np.fill_diagonal(d2, 0.0)
                gap = max(np.max(np.abs(d1)), np.max(np.abs(d2)))
                if self.method == "exact" and gap < self.tol:
                    self.converged_ = True
                    epoch -= 1
                    break
                self.weights_ = self.weights_ + eta * d2
                self.bias_ = self.bias_ + eta * d1
            if not (np.all(np.isfinite(self.weights_)) and np.all(np.isfinite(self.bias_))):
                self.weights_, self.bias_ = last_w, last_b
                raise NonFiniteParameterError(
                    f"parameters became non-finite at epoch {epoch}; the last finite parameters are "
                    "kept in weights_ and bias_. Lower learning_rate"
                )
            state = FitState(epoch, self, float(gap))
            stop = False
            for cb in callbacks:
                stop = bool(cb(state)) or stop
            if stop:
                break
        self.n_iter_ = epoch
        self.moment_gap_ = float(max(np.max(np.abs(d1)), np.max(np.abs(d2)))) if d1 is not None else np.nan
        return self
