"""A supervised thermometer: a JAX network that classifies Ising configurations by temperature.

Configurations s of an L x L periodic lattice (N = L^2 spins) drawn at K
temperatures T_1 < ... < T_K are labelled by their temperature index k. A
network maps s to a feature phi(s) (an MLP, ELU hidden layers, a linear last
layer of ``n_features`` units) and a final full connection gives the softmax

    p(T_k | s) = exp(z_k) / sum_j exp(z_j),    z_k = N (w_k . phi(s) + b_k),

trained by minimizing the cross entropy with optax. The factor N makes w and
b intensive (per spin). With equal numbers of configurations per temperature,
the Bayes-optimal classifier is

    p(T_k | s) = P(s | T_k) / sum_j P(s | T_j),   ln P(s | T_k) = -beta_k E(s) - ln Z(T_k),

so a network whose feature is affine in the energy, phi(s) = a E(s)/N + c,
reaches it with w_k = -beta_k / a and

    b_k = -ln Z(T_k) / N + alpha beta_k + gamma = beta_k f(T_k) + alpha beta_k + gamma,

where f is the free energy per spin and alpha = c / a, gamma are free (a softmax
is unchanged by a common shift of the logits). The final-layer biases record
the free energy up to a part affine in beta (Aoki, Fujita & Kobayashi, J. Phys.
Soc. Jpn. 88, 054002 (2019), arXiv:1901.03817). The second beta-derivative
removes the affine part and gives the specific heat per spin,

    c(T) = beta^2 d^2 ln Z / d beta^2 / N = -beta^2 d^2 b / d beta^2,

estimated by the three-point second difference on the (non-uniform) beta grid;
its peak estimates the finite-L specific-heat maximum near T_c = 2/ln(1 + sqrt 2).
:func:`bias_free_energy` compares the biases with Kaufman's exact ln Z.

After the stochastic-gradient training (AdamW, cosine decay, minibatches with
random lattice translations and, at H = 0, global spin flips: symmetries of the
Boltzmann distribution) the final layer alone is refit on the whole training
set by Newton's method with the exact Hessian (the cross entropy is convex in
(w, b) for fixed phi), so that the biases carry no minibatch noise.

The temperature classifier follows Iso, Shiba Funai & Yokoo, Phys. Rev. E 97,
053304 (2018), arXiv:1801.07172, and Aoki, Fujita & Kobayashi (above).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp

from thermoinfo._attrs import variable_attrs
from thermoinfo._validation import as_rng, check_nonnegative, check_positive, check_positive_int, is_labelled
from thermoinfo.systems.ising.references import CRITICAL_TEMPERATURE, exact
from thermoinfo.systems.ising.thermometer import as_spins

__all__ = ["BiasFreeEnergy", "TemperatureClassifier", "bias_free_energy", "second_derivative"]

_REFERENCES = ("K.-I. Aoki, T. Fujita and T. Kobayashi, J. Phys. Soc. Jpn. 88, 054002 (2019), "
               "arXiv:1901.03817; S. Iso, S. Shiba and S. Yokoo, Phys. Rev. E 97, 053304 (2018), "
               "arXiv:1801.07172")


def second_derivative(f: Any, x: Any) -> np.ndarray:
    """Three-point second derivative of samples f(x) on a non-uniform grid (interior points).

    f''(x_i) ~ 2 [f_{i+1} h_- - f_i (h_- + h_+) + f_{i-1} h_+] / (h_- h_+ (h_- + h_+)),
    with h_- = x_i - x_{i-1}, h_+ = x_{i+1} - x_i; exact for quadratics.

    Examples
    --------
    >>> x = np.array([0.0, 0.5, 2.0, 3.0])
    >>> second_derivative(3 * x**2 - x + 1, x)
    array([6., 6.])
    """
    f = np.asarray(f, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    h1 = x[1:-1] - x[:-2]
    h2 = x[2:] - x[1:-1]
    return 2.0 * (f[2:] * h1 - f[1:-1] * (h1 + h2) + f[:-2] * h2) / (h1 * h2 * (h1 + h2))


@dataclass(frozen=True)
class BiasFreeEnergy:
    """Final-layer biases against the exact free energy.

    Attributes
    ----------
    correlation : float
        Pearson correlation of b and -ln Z/N after both are stripped of their
        least-squares fit in (beta, 1) (the part the biases leave free).
    slope : float
        Coefficient of -ln Z/N in the least-squares fit b = slope (-ln Z/N) +
        alpha beta + gamma (1 for the Bayes-optimal classifier).
    peak_temperature : float
        Training temperature where the specific heat from the biases peaks.
    exact_peak_temperature : float
        Where Kaufman's exact c_L peaks on the same interior grid.
    dataset : xarray.Dataset
        ``bias``, ``minus_log_z``, ``specific_heat``, ``specific_heat_exact``
        over ``temperature``.
    """

    correlation: float
    slope: float
    peak_temperature: float
    exact_peak_temperature: float
    dataset: Any


def bias_free_energy(temperatures: Any, bias: Any, L: int) -> BiasFreeEnergy:
    """Compare per-spin final-layer biases b_k with Kaufman's -ln Z(T_k)/N on an L x L torus.

    Parameters
    ----------
    temperatures : sequence of float
        Increasing training temperatures (at least 4).
    bias : sequence of float
        The bias of each temperature's output unit, per spin.
    L : int
        Linear lattice size.

    Returns
    -------
    BiasFreeEnergy

    Examples
    --------
    The exact -ln Z/N plus any affine function of beta passes unchanged:

    >>> T = np.linspace(1.5, 3.5, 11)
    >>> b = np.array([-exact(10, t).log_z for t in T]) + 0.3 / T - 2.0
    >>> r = bias_free_energy(T, b, 10)
    >>> round(r.correlation, 12), round(r.slope, 9), r.peak_temperature
    (1.0, 1.0, 2.3)
    """
    import xarray as xr

    L = check_positive_int(L, "L", minimum=2)
    temps = np.asarray(temperatures, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64)
    if temps.ndim != 1 or temps.size < 4 or np.any(~np.isfinite(temps)) or np.any(temps <= 0):
        raise ValueError("temperatures must be a 1-D grid of at least 4 finite values > 0")
    if np.any(np.diff(temps) <= 0):
        raise ValueError("temperatures must be increasing")
    if b.shape != temps.shape or np.any(~np.isfinite(b)):
        raise ValueError(f"bias must hold {temps.size} finite values, one per temperature "
                         f"(got shape {b.shape})")
    beta = 1.0 / temps
    minus_log_z = np.array([-exact(L, t).log_z for t in temps])
    affine = np.column_stack([beta, np.ones_like(beta)])

    def strip(v: np.ndarray) -> np.ndarray:
        return v - affine @ np.linalg.lstsq(affine, v, rcond=None)[0]

    sb, sz = strip(b), strip(minus_log_z)
    norm = np.linalg.norm(sb) * np.linalg.norm(sz)
    correlation = float(sb @ sz / norm) if norm > 0 else float("nan")
    slope = float(np.linalg.lstsq(np.column_stack([minus_log_z, affine]), b, rcond=None)[0][0])
    inner = temps[1:-1]
    c_bias = -beta[1:-1] ** 2 * second_derivative(b, beta)
    c_exact = np.array([exact(L, t).c for t in inner])
    nan = np.array([np.nan])
    t_attrs = variable_attrs("temperature", units="J/k_B")
    ds = xr.Dataset(
        {
            "bias": ("temperature", b, variable_attrs("final-layer bias per spin", units="1")),
            "minus_log_z": ("temperature", minus_log_z,
                            variable_attrs("beta times the free energy per spin, -ln Z / N (Kaufman)",
                                           units="1")),
            "specific_heat": ("temperature", np.concatenate([nan, c_bias, nan]),
                              variable_attrs("specific heat per spin from the biases, "
                                             "-beta^2 d^2 b / d beta^2", units="1")),
            "specific_heat_exact": ("temperature", np.concatenate([nan, c_exact, nan]),
                                    variable_attrs("exact specific heat per spin (Kaufman)", units="1")),
        },
        coords={"temperature": ("temperature", temps, t_attrs)},
        attrs={"title": "Final-layer biases of a temperature classifier and the free energy",
               "L": L, "critical_temperature": CRITICAL_TEMPERATURE, "bias_correlation": correlation,
               "bias_slope": slope, "references": _REFERENCES},
    )
    return BiasFreeEnergy(correlation, slope, float(inner[np.argmax(c_bias)]),
                          float(inner[np.argmax(c_exact)]), ds)


# ----------------------------------------------------------------------------- network


def _network(params: Any, x: Any) -> Any:
    from thermoinfo.models.encdec import mlp

    return mlp(params["body"], x) @ params["out"]["w"] + params["out"]["b"]


def _features(params: Any, x: Any) -> Any:
    from thermoinfo.models.encdec import mlp

    return mlp(params["body"], x)


def _augment(key: Any, x: Any, L: int, flip: bool) -> Any:
    """Random lattice translations (and global spin flips) of a batch (n, N)."""
    import jax
    import jax.numpy as jnp

    k_shift, k_flip = jax.random.split(key)
    n = x.shape[0]
    shifts = jax.random.randint(k_shift, (n, 2), 0, L)
    lattices = x.reshape(n, L, L)
    lattices = jax.vmap(lambda s, sh: jnp.roll(s, (sh[0], sh[1]), axis=(0, 1)))(lattices, shifts)
    if flip:
        lattices = lattices * jnp.where(jax.random.bernoulli(k_flip, 0.5, (n, 1, 1)), 1.0, -1.0)
    return lattices.reshape(n, L * L)


def _train(params: Any, x: Any, y: Any, key: Any, *, L: int, n_steps: int, batch_size: int,
           learning_rate: float, weight_decay: float, augment: bool, flip: bool) -> tuple[Any, np.ndarray]:
    import jax
    import optax

    n_sites = L * L
    optimizer = optax.adamw(optax.cosine_decay_schedule(learning_rate, n_steps), weight_decay=weight_decay)

    def loss(p: Any, xb: Any, yb: Any) -> Any:
        return optax.softmax_cross_entropy_with_integer_labels(n_sites * _network(p, xb), yb).mean()

    def step(carry: Any, k: Any) -> tuple[Any, Any]:
        p, state = carry
        k_batch, k_aug = jax.random.split(k)
        idx = jax.random.randint(k_batch, (batch_size,), 0, x.shape[0])
        xb = _augment(k_aug, x[idx], L, flip) if augment else x[idx]
        value, grads = jax.value_and_grad(loss)(p, xb, y[idx])
        updates, state = optimizer.update(grads, state, p)
        return (optax.apply_updates(p, updates), state), value

    run = jax.jit(lambda p, keys: jax.lax.scan(step, (p, optimizer.init(p)), keys))
    (params, _), history = run(params, jax.random.split(key, n_steps))
    return params, np.asarray(history)


def _refit_output(phi: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray, n_sites: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Newton (trust region, exact Hessian) fit of the convex final layer on fixed
    features, in float64. Class 0's weights and bias are held at their start (a softmax is
    unchanged by a common shift, so this only fixes the gauge)."""
    n, n_features = phi.shape
    K = b.size
    a = np.column_stack([phi, np.ones(n)])  # (n, n_features + 1)
    rows = np.arange(n)
    theta0 = np.vstack([w, b[None, :]])  # (n_features + 1, K)
    fixed = theta0[:, :1]

    def logits(free: np.ndarray) -> np.ndarray:
        theta = np.hstack([fixed, free.reshape(n_features + 1, K - 1)])
        return n_sites * (a @ theta)

    def objective(free: np.ndarray) -> tuple[float, np.ndarray]:
        z = logits(free)
        lse = logsumexp(z, axis=1)
        g = np.exp(z - lse[:, None])
        g[rows, y] -= 1.0
        return float(np.mean(lse - z[rows, y])), (n_sites / n * (a.T @ g))[:, 1:].ravel()

    def hessian(free: np.ndarray) -> np.ndarray:
        z = logits(free)
        p = np.exp(z - logsumexp(z, axis=1)[:, None])[:, 1:]
        # sum_i [diag(p_i) - p_i p_i^T]_{kl} a_i a_i^T, ordered (feature, class)
        cov = -np.einsum("ik,il,if,ig->fkgl", p, p, a, a)
        diag = np.einsum("ik,if,ig->fkg", p, a, a)
        idx = np.arange(K - 1)
        cov[:, idx, :, idx] += diag.transpose(1, 0, 2)
        m = (n_features + 1) * (K - 1)
        return n_sites**2 / n * cov.reshape(m, m)

    res = minimize(objective, theta0[:, 1:].ravel(), jac=True, hess=hessian, method="trust-exact",
                   options={"gtol": 1e-9, "maxiter": 500})
    theta = np.hstack([fixed, res.x.reshape(n_features + 1, K - 1)])
    return theta[:n_features], theta[n_features]


class TemperatureClassifier:
    """A JAX MLP that reads the temperature of L x L Ising configurations (softmax over T_k).

    Parameters
    ----------
    L : int
        Linear lattice size (L >= 2); inputs must be L x L lattices of +-1 spins.
    hidden : tuple of int
        Widths of the ELU hidden layers.
    n_features : int
        Width of the linear last layer phi(s) before the output (1: the
        output logits are affine in one learned feature, as the free-energy
        reading of the biases assumes).
    n_steps, batch_size : int
        Adam steps and minibatch size.
    learning_rate : float
        Peak Adam step (cosine decay to 0).
    weight_decay : float
        Decoupled weight decay (AdamW).
    augment : bool
        Random lattice translations (and spin flips when every training field is 0).
    rng : seed or Generator
        Initial weights, minibatches and augmentation.

    Attributes
    ----------
    temperatures_ : ndarray (K,)
        Training temperatures (the classes).
    params_ : dict
        Network parameters (JAX arrays): ``body`` (MLP layers), ``out`` (``w``, ``b``).
    bias_ : ndarray (K,)
        Final-layer bias of each temperature, per spin.
    weights_ : ndarray (n_features, K)
        Final-layer weights, per spin.
    loss_history_ : ndarray (n_steps,)
        Minibatch cross entropy (nat) during training.
    train_loss_ : float
        Cross entropy on the (unaugmented) training set after the final-layer refit.

    Examples
    --------
    >>> from thermoinfo.systems import ising
    >>> data = ising.sample(6, [1.5, 3.0, 5.0], 60, burn_in=50, sweeps_between=4, rng=0)
    >>> clf = TemperatureClassifier(6, hidden=(16,), n_steps=200, rng=0).fit(data)
    >>> clf.temperatures_
    array([1.5, 3. , 5. ])
    >>> float(clf.score(data)["accuracy"]) > 0.6
    True
    """

    def __init__(self, L: int, hidden: tuple[int, ...] = (128,), n_features: int = 1, *,
                 n_steps: int = 3000, batch_size: int = 256, learning_rate: float = 3e-3,
                 weight_decay: float = 1e-4, augment: bool = True, rng: Any = None):
        self.L = L
        self.hidden = hidden
        self.n_features = n_features
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.augment = augment
        self.rng = rng

    # ------------------------------------------------------------------ data
    def _spins(self, spins: Any) -> np.ndarray:
        return as_spins(spins, self.L, 2).reshape(-1, self.L * self.L).astype(np.float32)

    def _labelled(self, spins: Any, temperature: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Flatten training data to (x, T per configuration, grid of T, all fields zero)."""
        if temperature is None and is_labelled(spins) and "temperature" in spins.coords \
                and spins["temperature"].ndim == 0 and "field" not in spins.dims:
            x = self._spins(spins)
            t = float(spins["temperature"])
            zero_field = "field" not in spins.coords or float(spins["field"]) == 0.0
            return x, np.full(x.shape[0], t), np.array([t]), zero_field
        if temperature is None:
            if not (is_labelled(spins) and "temperature" in spins.dims):
                raise ValueError("temperature must be given unless spins is a DataArray with a "
                                 "'temperature' dim (as ising.sample returns)")
            zero_field = True
            if "field" in spins.dims:
                if spins.sizes["field"] != 1:
                    raise ValueError(f"spins must hold one field (got {spins.sizes['field']}); "
                                     "select one with .sel(field=...)")
                zero_field = float(spins["field"].values[0]) == 0.0
                spins = spins.isel(field=0)
            elif "field" in spins.coords:
                zero_field = float(spins["field"]) == 0.0
            spins = spins.transpose("temperature", ...)
            temps = np.asarray(spins["temperature"].values, dtype=np.float64)
            x = self._spins(spins)
            per_t = np.repeat(temps, x.shape[0] // temps.size)
            return x, per_t, temps, zero_field
        x = self._spins(spins)
        per_t = np.asarray(temperature.values if is_labelled(temperature) else temperature, dtype=np.float64)
        if per_t.shape != (x.shape[0],):
            raise ValueError(f"temperature must hold one value per configuration ({x.shape[0]}); "
                             f"got shape {per_t.shape}")
        if np.any(~np.isfinite(per_t)) or np.any(per_t <= 0):
            raise ValueError("temperature must be finite and > 0")
        return x, per_t, np.unique(per_t), True

    def _indices(self, per_t: np.ndarray, name: str = "temperature") -> np.ndarray:
        idx = np.searchsorted(self.temperatures_, per_t)
        idx = np.clip(idx, 0, self.temperatures_.size - 1)
        if not np.allclose(self.temperatures_[idx], per_t, rtol=1e-12, atol=0.0):
            bad = per_t[~np.isclose(self.temperatures_[idx], per_t, rtol=1e-12, atol=0.0)][0]
            raise ValueError(f"{name} {bad} is not a training temperature ({self.temperatures_})")
        return idx

    # ------------------------------------------------------------------ fitting
    def fit(self, spins: Any, temperature: Any = None) -> TemperatureClassifier:
        """Train on labelled configurations; returns self.

        Parameters
        ----------
        spins : DataArray or array
            ``ising.sample`` output (dims temperature, field, sample, y, x; one
            field), or an array of configurations (n, L, L) or (n, L*L).
        temperature : sequence of float, optional
            The temperature of each configuration (needed for plain arrays).
        """
        import jax
        import jax.numpy as jnp

        self.L = check_positive_int(self.L, "L", minimum=2)
        hidden = tuple(check_positive_int(h, "hidden") for h in self.hidden)
        n_features = check_positive_int(self.n_features, "n_features")
        n_steps = check_positive_int(self.n_steps, "n_steps")
        batch_size = check_positive_int(self.batch_size, "batch_size")
        learning_rate = check_positive(self.learning_rate, "learning_rate")
        weight_decay = check_nonnegative(self.weight_decay, "weight_decay")
        x, per_t, temps, zero_field = self._labelled(spins, temperature)
        if temps.size < 2:
            raise ValueError(f"temperature: need configurations at 2 or more temperatures (got {temps.size})")
        self.temperatures_ = temps
        y = self._indices(per_t)
        gen = as_rng(self.rng)
        key = jax.random.PRNGKey(int(gen.integers(2**31)))
        k_body, k_out, k_train = jax.random.split(key, 3)
        from thermoinfo.models.encdec import mlp_init

        n_sites = self.L * self.L
        params = {"body": mlp_init(k_body, [n_sites, *hidden, n_features], jnp.float32),
                  "out": {"w": 0.1 * jax.random.normal(k_out, (n_features, temps.size), jnp.float32),
                          "b": jnp.zeros((temps.size,), jnp.float32)}}
        params, history = _train(params, jnp.asarray(x), jnp.asarray(y), k_train, L=self.L,
                                 n_steps=n_steps, batch_size=batch_size, learning_rate=learning_rate,
                                 weight_decay=weight_decay, augment=bool(self.augment), flip=zero_field)
        phi = np.asarray(_features(params, jnp.asarray(x)), dtype=np.float64)
        w, b = _refit_output(phi, y, np.asarray(params["out"]["w"], np.float64),
                             np.asarray(params["out"]["b"], np.float64), n_sites)
        params["out"] = {"w": jnp.asarray(w, jnp.float32), "b": jnp.asarray(b, jnp.float32)}
        self.params_ = params
        self.weights_, self.bias_ = w, b
        self.loss_history_ = history
        self._n_sites = n_sites
        z = n_sites * (phi @ w + b)
        self.train_loss_ = float(-np.mean(log_softmax(z, axis=1)[np.arange(y.size), y]))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ValueError("TemperatureClassifier is not fitted; call fit() first")

    # ------------------------------------------------------------------ reading
    def log_proba(self, spins: Any) -> np.ndarray:
        """ln p(T_k | s) for each configuration, shape (n, K)."""
        import jax.numpy as jnp

        self._check_fitted()
        x = self._spins(spins)
        phi = np.asarray(_features(self.params_, jnp.asarray(x)), dtype=np.float64)
        return log_softmax(self._n_sites * (phi @ self.weights_ + self.bias_), axis=1)

    def predict_proba(self, spins: Any) -> np.ndarray:
        """p(T_k | s) for each configuration, shape (n, K); rows sum to 1."""
        return np.exp(self.log_proba(spins))

    def predict(self, spins: Any) -> Any:
        """The temperature of each configuration: most probable class and posterior mean.

        Returns
        -------
        xarray.Dataset
            ``temperature_argmax`` (the most probable T_k) and
            ``temperature_mean`` (sum_k p(T_k|s) T_k) over ``configuration``.
        """
        import xarray as xr

        p = self.predict_proba(spins)
        t_attrs = dict(units="J/k_B")
        return xr.Dataset(
            {"temperature_argmax": ("configuration", self.temperatures_[np.argmax(p, axis=1)],
                                    variable_attrs("most probable training temperature", **t_attrs)),
             "temperature_mean": ("configuration", p @ self.temperatures_,
                                  variable_attrs("posterior mean temperature", **t_attrs))},
            attrs={"title": "Temperatures read by a temperature classifier", "references": _REFERENCES},
        )

    def score(self, spins: Any, temperature: Any = None) -> Any:
        """Confusion matrix, accuracy and cross entropy on labelled configurations.

        Returns
        -------
        xarray.Dataset
            ``confusion`` (counts over ``true_temperature``, ``predicted_temperature``),
            ``accuracy``, ``accuracy_within_one`` (predicted class at most one
            grid step off) and ``cross_entropy`` (nat per configuration).
        """
        import xarray as xr

        self._check_fitted()
        x, per_t, _, _ = self._labelled(spins, temperature)
        y = self._indices(per_t)
        lp = self.log_proba(x)
        pred = np.argmax(lp, axis=1)
        K = self.temperatures_.size
        confusion = np.zeros((K, K), dtype=np.int64)
        np.add.at(confusion, (y, pred), 1)
        t_attrs = variable_attrs("temperature", units="J/k_B")
        return xr.Dataset(
            {"confusion": (("true_temperature", "predicted_temperature"), confusion,
                           variable_attrs("configurations per (true, predicted) class", units="1")),
             "accuracy": ((), float(np.mean(pred == y)),
                          variable_attrs("fraction classified right", units="1")),
             "accuracy_within_one": ((), float(np.mean(np.abs(pred - y) <= 1)),
                                     variable_attrs("fraction at most one class off", units="1")),
             "cross_entropy": ((), float(-np.mean(lp[np.arange(y.size), y])),
                               variable_attrs("mean cross entropy", units="nat"))},
            coords={"true_temperature": ("true_temperature", self.temperatures_, t_attrs),
                    "predicted_temperature": ("predicted_temperature", self.temperatures_, t_attrs)},
            attrs={"title": "Temperature classifier: confusion matrix and accuracy", "L": self.L,
                   "references": _REFERENCES},
        )

    def free_energy(self, t_min: float = 0.0, t_max: float = np.inf) -> BiasFreeEnergy:
        """The final-layer biases against Kaufman's exact free energy (:func:`bias_free_energy`).

        Parameters
        ----------
        t_min, t_max : float
            Compare only the training temperatures in [t_min, t_max]. Where the
            configurations of neighbouring temperatures do not differ (below
            T ~ 1 on small lattices nearly all are ground states) the data do not
            determine the biases, and they need not follow the free energy there.
        """
        self._check_fitted()
        keep = (self.temperatures_ >= t_min) & (self.temperatures_ <= t_max)
        return bias_free_energy(self.temperatures_[keep], self.bias_[keep], self.L)
