"""Entropy production of a forward process against its arrow-reversed backward family.

A forward process takes x to z with the kernel T(z|x):

    p(x, z) = T(z|x) p(x),                    T[x, z] = T(z|x).

The backward family runs a backward kernel T_B(x|z) from any distribution on z,

    M_B = { q(x, z) = T_B(x|z) q(z) },        T_back[z, x] = T_B(x|z),

by default the same kernel with the arrow reversed (x and z in one state space,
T_B = T). The m-projection of p onto M_B keeps the forward marginal,
q*(x, z) = T_B(x|z) p(z), and the total entropy production is the distance

    sigma_tot = D(p || q*) = sigma_sys + sigma_bath,
    sigma_sys  = H(Z) - H(X),
    sigma_bath = E_p[ log T(z|x) / T_B(x|z) ].

For any other member q = T_B q(z) of M_B the Pythagorean relation reads
D(p || q) = sigma_tot + D(p_Z || q_Z). References: S. Ito, "Stochastic
thermodynamic interpretation of information geometry", Phys. Rev. Lett. 121,
030605 (2018), arXiv:1712.04311; S. Ito, M. Oizumi and S. Amari, Phys. Rev.
Research 2, 033048 (2020), arXiv:1810.09545; S. Ito and T. Sagawa, Phys. Rev.
Lett. 111, 180603 (2013), arXiv:1306.2756.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from thermoinfo._validation import as_conditional, as_distribution, is_labelled
from thermoinfo.geometry.divergences import _entropy_kernel, _kl_kernel
from thermoinfo.geometry.pythagoras import Pythagoras, _residual

__all__ = ["EntropyProduction", "check_step_shapes", "entropy_production"]


def check_step_shapes(p_x_shape: tuple[int, ...], T_shape: tuple[int, ...],
                      T_back_shape: tuple[int, ...] | None) -> None:
    """Check the shapes of ``p_x`` (n_x,), ``T`` (n_x, n_z) and ``T_back`` (n_z, n_x).

    ``T_back_shape=None`` stands for the default backward kernel, ``T`` itself,
    which needs x and z in one state space. Shared by the numeric and the
    symbolic entropy production.
    """
    if T_shape[0] != p_x_shape[0]:
        raise ValueError(
            f"T has {T_shape[0]} rows but p_x has {p_x_shape[0]} states; T is indexed "
            "T[x, z] = T(z|x), one row per state of x"
        )
    if T_back_shape is None:
        if T_shape[0] != T_shape[1]:
            raise ValueError(
                f"T has shape {tuple(T_shape)}; the default backward kernel is T itself, which needs "
                "x and z in one state space. Pass T_back[z, x] = T_B(x|z) for a different one"
            )
    elif tuple(T_back_shape) != tuple(T_shape[::-1]):
        raise ValueError(
            f"T_back must have shape (n_z, n_x) = {tuple(T_shape[::-1])} (got {tuple(T_back_shape)}); "
            "it is indexed T_back[z, x] = T_B(x|z)"
        )


def _bath_kernel(joint: np.ndarray, forward: np.ndarray, backward: np.ndarray) -> float:
    """E_joint[log forward / backward] on checked arrays; inf where the backward
    table vanishes on a transition the joint makes."""
    if np.any((joint > 0) & (backward <= 0)):
        return float("inf")
    with np.errstate(divide="ignore"):
        return float(np.sum(xlogy(joint, forward)) - np.sum(xlogy(joint, backward)))


def _labelled_inputs(p_x: Any, T: Any, T_back: Any) -> tuple[Any, Any, Any, tuple | None]:
    """Match labelled inputs by dim name; return arrays-or-originals and (x_dim, z_dim, coords)."""
    if not (is_labelled(p_x) or is_labelled(T) or is_labelled(T_back)):
        return p_x, T, T_back, None
    if not is_labelled(T):
        raise TypeError("with labelled inputs, T must be an xarray.DataArray with dims (x, z) too")
    if T.ndim != 2:
        raise ValueError(f"T must be a 2-D table T[x, z] = T(z|x) (got dims {tuple(T.dims)})")
    if is_labelled(p_x):
        if p_x.ndim != 1:
            raise ValueError(f"p_x must be a 1-D table (got dims {tuple(p_x.dims)})")
        x_dim = p_x.dims[0]
        if x_dim not in T.dims:
            raise ValueError(
                f"p_x has dim {x_dim!r} but T has dims {tuple(T.dims)}; T must share the dim of p_x "
                "(the condition) and add one outcome dim"
            )
        z_dim = next(d for d in T.dims if d != x_dim) if T.dims[0] != T.dims[1] else None
        if z_dim is None:
            raise ValueError(f"T has the dim {x_dim!r} twice; name the outcome dim differently")
        T = T.transpose(x_dim, z_dim)
    else:
        x_dim, z_dim = T.dims
    if T_back is not None and is_labelled(T_back):
        if set(T_back.dims) != {x_dim, z_dim}:
            raise ValueError(
                f"T_back has dims {tuple(T_back.dims)} but T has dims ({x_dim!r}, {z_dim!r}); "
                "T_back[z, x] = T_B(x|z) is matched by dim name"
            )
        T_back = T_back.transpose(z_dim, x_dim)
    coords = {d: T.coords[d] for d in (x_dim, z_dim) if d in T.coords}
    return p_x, T, T_back, (x_dim, z_dim, coords)


@dataclass(frozen=True)
class EntropyProduction:
    """Entropy production of one forward step against the backward family.

    Attributes
    ----------
    total, system, bath : float
        sigma_tot = D(p || q*), sigma_sys = H(Z) - H(X), sigma_bath =
        E log T(z|x)/T_B(x|z); ``total == system + bath``.
    p_joint : ndarray or xarray.DataArray, shape (n_x, n_z)
        The forward path p(x, z) = T(z|x) p(x) (a DataArray with dims (x, z)
        when the inputs are labelled).
    q_star : ndarray or xarray.DataArray, shape (n_x, n_z)
        The m-projection onto M_B, q*(x, z) = T_B(x|z) p(z).
    q_star_z : ndarray or xarray.DataArray, shape (n_z,)
        The distribution on z used by q*: the forward marginal p(z).
    T_back : ndarray, shape (n_z, n_x)
        The backward kernel, ``T_back[z, x] = T_B(x|z)``.
    """

    total: float
    system: float
    bath: float
    p_joint: np.ndarray
    q_star: np.ndarray
    q_star_z: np.ndarray
    T_back: np.ndarray

    def split(self, q_z: Any) -> Pythagoras:
        """The Pythagorean split of D(p || q) for another member q = T_B(x|z) q(z).

        Returns a :class:`~thermoinfo.geometry.Pythagoras` with
        ``total = D(p||q)``, ``projection = sigma_tot`` and
        ``model = D(q*||q) = D(p_Z || q_Z)``. A labelled ``q_z`` is read in
        the order of ``q_star_z``.

        Examples
        --------
        >>> import numpy as np, thermoinfo
        >>> ep = thermoinfo.entropy_production([0.8, 0.2], [[0.9, 0.1], [0.1, 0.9]])
        >>> r = ep.split([0.5, 0.5])
        >>> bool(abs(r.total - ep.total - thermoinfo.kl(ep.q_star_z, [0.5, 0.5])) < 1e-12)
        True
        """
        qz = as_distribution(q_z, "q_z", ndim=1)
        star_z = np.asarray(self.q_star_z)
        if qz.shape != star_z.shape:
            raise ValueError(f"q_z must have shape {star_z.shape} (got {qz.shape})")
        p_joint, q_star = np.asarray(self.p_joint), np.asarray(self.q_star)
        q = np.asarray(self.T_back).T * qz[None, :]
        total = _kl_kernel(p_joint, q)
        model = _kl_kernel(q_star, q)
        return Pythagoras(total, self.total, model, _residual(total, self.total, model),
                          self.q_star)


def entropy_production(p_x: Any, T: Any, T_back: Any = None) -> EntropyProduction:
    """Total, system and bath entropy production of the step x -> z.

    Parameters
    ----------
    p_x : array_like or xarray.DataArray, shape (n_x,)
        Initial distribution.
    T : array_like or xarray.DataArray, shape (n_x, n_z)
        Forward kernel, ``T[x, z] = T(z|x)``; rows sum to one (within
        ``ATOL = 1e-9``). A DataArray is matched to ``p_x`` by dim name: it
        carries the dim of ``p_x`` (the condition) and one outcome dim.
    T_back : array_like or xarray.DataArray, shape (n_z, n_x), optional
        Backward kernel, ``T_back[z, x] = T_B(x|z)``. Default: ``T`` itself,
        the same kernel run backwards (requires n_x == n_z).

    Returns
    -------
    EntropyProduction
        ``total`` and ``bath`` are ``inf`` when the backward kernel cannot
        return a transition the forward process makes. With labelled inputs,
        ``p_joint`` and ``q_star`` are DataArrays with dims (x, z) and
        ``q_star_z`` one with dim z.

    Raises
    ------
    ValueError
        ``p_x`` not a distribution, rows of ``T`` or ``T_back`` not summing to
        one, NaN or negative entries, mismatched shapes or dims.

    Examples
    --------
    A symmetric bit flip with probability 0.1 from a biased bit:

    >>> import numpy as np, thermoinfo
    >>> T = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> ep = thermoinfo.entropy_production([0.8, 0.2], T)
    >>> bool(np.isclose(ep.total, ep.system + ep.bath))
    True
    >>> round(ep.total, 6)
    0.072654
    """
    p_x, T, T_back, labels = _labelled_inputs(p_x, T, T_back)
    px = as_distribution(p_x, "p_x", ndim=1)
    Tf = as_conditional(T, "T")
    if T_back is None:
        check_step_shapes(px.shape, Tf.shape, None)
        Tb = Tf
    else:
        Tb = as_conditional(T_back, "T_back")
        check_step_shapes(px.shape, Tf.shape, Tb.shape)
    total, system, bath, joint, q_star, pz = _one_step(px, Tf, Tb)
    if labels is not None:
        import xarray as xr

        x_dim, z_dim, coords = labels
        joint = xr.DataArray(joint, dims=(x_dim, z_dim), coords=coords, name="p_joint")
        q_star = xr.DataArray(q_star, dims=(x_dim, z_dim), coords=coords, name="q_star")
        pz = xr.DataArray(pz, dims=(z_dim,), coords={k: v for k, v in coords.items() if k == z_dim},
                          name="q_star_z")
    return EntropyProduction(total, system, bath, joint, q_star, pz, Tb)


def _one_step(px: np.ndarray, Tf: np.ndarray, Tb: np.ndarray
              ) -> tuple[float, float, float, np.ndarray, np.ndarray, np.ndarray]:
    """sigma_tot, sigma_sys, sigma_bath, p(x, z), q*(x, z), p(z) on checked arrays."""
    joint = px[:, None] * Tf
    pz = joint.sum(axis=0)
    back = Tb.T
    q_star = back * pz[None, :]
    total = _kl_kernel(joint, q_star)
    system = _entropy_kernel(pz) - _entropy_kernel(px)
    bath = _bath_kernel(joint, Tf, back)
    return total, system, bath, joint, q_star, pz
