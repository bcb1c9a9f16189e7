"""Information geometry: divergences, model families, projections, Pythagoras."""

from thermoinfo.geometry import families
from thermoinfo.geometry.divergences import (
    conditional_entropy,
    conditional_mutual_information,
    cross_entropy,
    entropy,
    kl,
    marginal,
    mutual_information,
)
from thermoinfo.geometry.expfamily import (
    bernoulli_kl,
    bregman_kl,
    categorical_kl,
    exponential_kl,
    poisson_kl,
)
from thermoinfo.geometry.families import BayesNet, ExponentialFamily, Family, Product
from thermoinfo.geometry.gaussian import gaussian_entropy, gaussian_kl, gaussian_mutual_information
from thermoinfo.geometry.projection import e_projection, m_projection
from thermoinfo.geometry.pythagoras import Pythagoras, PythagorasChain, pythagoras, pythagoras_chain

__all__ = [
    "BayesNet",
    "ExponentialFamily",
    "Family",
    "Product",
    "Pythagoras",
    "PythagorasChain",
    "bernoulli_kl",
    "bregman_kl",
    "categorical_kl",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "e_projection",
    "entropy",
    "exponential_kl",
    "families",
    "gaussian_entropy",
    "gaussian_kl",
    "gaussian_mutual_information",
    "kl",
    "m_projection",
    "marginal",
    "mutual_information",
    "poisson_kl",
    "pythagoras",
    "pythagoras_chain",
]
