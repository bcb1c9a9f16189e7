"""Energy-based models: Hopfield networks, Boltzmann machines, RBMs.

Each model is a thin stateful wrapper (scikit-learn surface) over pure array
kernels in :mod:`thermoinfo.sampling` and the model modules.
"""

from thermoinfo._lazy import lazy_module

__all__ = [
    "RBM",
    "BoltzmannMachine",
    "DenseAssociativeMemory",
    "Hopfield",
    "ModernHopfield",
    "boltzmann",
    "encdec",
    "hopfield",
    "rbm",
]

__getattr__, __dir__ = lazy_module(
    __name__,
    submodules=("boltzmann", "encdec", "hopfield", "rbm"),
    attributes={
        "Hopfield": "hopfield",
        "DenseAssociativeMemory": "hopfield",
        "ModernHopfield": "hopfield",
        "BoltzmannMachine": "boltzmann",
        "RBM": "rbm",
    },
)
