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
from thermoinfo.geometry.families import BayesNet, Family, Product
from thermoinfo.geometry.projection import m_projection
from thermoinfo.geometry.pythagoras import Pythagoras, pythagoras

__all__ = [
    "BayesNet",
    "Family",
    "Product",
    "Pythagoras",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "entropy",
    "families",
    "kl",
    "m_projection",
    "marginal",
    "mutual_information",
    "pythagoras",
]
