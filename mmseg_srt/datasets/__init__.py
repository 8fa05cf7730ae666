from .endosynth import generate_endosynth
from .endosynth_dataset import EndoSynthDataset

__all__ = ['generate_endosynth', 'EndoSynthDataset']
