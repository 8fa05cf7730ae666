from .decode_heads import *  # noqa: F401,F403
from .discriminators import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pseudo_labels import *  # noqa: F401,F403
from .uda import *  # noqa: F401,F403
