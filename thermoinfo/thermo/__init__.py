"""Stochastic thermodynamics of graphical models."""

from thermoinfo.thermo.entropy_production import EntropyProduction, entropy_production

__all__ = ["EntropyProduction", "entropy_production"]
