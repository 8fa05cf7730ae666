"""mmseg-srt: Semantic Representation Transfer for MMSegmentation 1.x.

Importing the package registers its components in MMSegmentation's registries
and makes mmengine load checkpoints with ``torch.load(weights_only=True)``
(see :mod:`mmseg_srt.utils.checkpoint`). Configs load it with
``custom_imports = dict(imports=['mmseg_srt'], allow_failed_imports=False)``.
"""
from .datasets import *  # noqa: F401,F403
from .engine import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .utils import register_checkpoint_loader, register_safe_globals
from .version import __version__

register_safe_globals()
register_checkpoint_loader()

__all__ = ['__version__']
