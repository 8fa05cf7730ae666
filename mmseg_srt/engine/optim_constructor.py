"""One optimizer per submodule: the segmentor's and the discriminator's.

Adversarial training updates S2 and D with their own optimizers (paper 3.4:
Adam for both). mmengine builds an ``OptimWrapperDict`` only from ready
wrappers; this constructor builds it from config, one ordinary optimizer
wrapper config per submodule of the model, each through mmengine's
``DefaultOptimWrapperConstructor`` (so ``paramwise_cfg``, ``clip_grad`` and
``type='AmpOptimWrapper'`` work per optimizer)::

    optim_wrapper = dict(
        constructor='SRTOptimWrapperConstructor',
        segmentor=dict(type='OptimWrapper', optimizer=dict(type='Adam', ...)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(...)))

Parameter schedulers then follow the same keys:
``param_scheduler = dict(segmentor=[...], discriminator=[...])``.
"""
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SRTOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` keyed by submodule name.

    Args:
        optim_wrapper_cfg: ``{submodule name: optim wrapper config}``.
        paramwise_cfg: Not used at this level (give it per submodule).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('give paramwise_cfg inside each submodule\'s '
                             'optimizer config')
        if not optim_wrapper_cfg:
            raise ValueError('SRTOptimWrapperConstructor needs one optimizer '
                             'config per submodule, e.g. segmentor=dict(...)')
        self.constructors = {}
        for name, cfg in optim_wrapper_cfg.items():
            cfg = dict(cfg)
            cfg.setdefault('type', 'OptimWrapper')
            sub_paramwise = cfg.pop('paramwise_cfg', None)
            self.constructors[name] = DefaultOptimWrapperConstructor(
                cfg, sub_paramwise)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for name, constructor in self.constructors.items():
            submodule = getattr(model, name, None)
            if not isinstance(submodule, nn.Module):
                raise KeyError(
                    f'optim_wrapper.{name}: the model has no submodule '
                    f'{name!r} (it has {sorted(model._modules)})')
            if is_model_wrapper(submodule):
                submodule = submodule.module
            wrappers[name] = constructor(submodule)
        return OptimWrapperDict(**wrappers)
