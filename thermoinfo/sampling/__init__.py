"""Samplers as pure kernels: single-site heat-bath updates of dense networks, block
Gibbs for RBMs, contrastive-divergence training, annealed importance sampling,
simulated annealing."""

from thermoinfo._lazy import lazy_module

__all__ = ["ais", "annealing", "contrastive_divergence", "gibbs", "hmc", "langevin", "path_optimization",
           "single_site"]

__getattr__, __dir__ = lazy_module(
    __name__, submodules=("ais", "annealing", "contrastive_divergence", "gibbs", "hmc", "langevin",
                              "path_optimization", "single_site"))
