"""The arguments the analysis tools share: a config, its checkpoint(s) and
``--cfg-options``, read in one order (missing or damaged checkpoints
first, a line naming each, before any config is built)."""
import argparse
from typing import Any, List, Optional

from mmengine.config import Config, DictAction

from mmseg_srt.utils import require_checkpoints

CFG_OPTIONS_HELP = (
    'override settings of the config, as in tools/train.py: key=value '
    'pairs merged into the config (a list as key="[a,b]" or key=a,b)')


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options key=value ...``, mmseg's config override."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help=CFG_OPTIONS_HELP)


def config_parser(description: str,
                  checkpoints: Optional[str] = '+',
                  config_help: str = 'the config of the trained model',
                  checkpoint_help: Optional[str] = None
                  ) -> argparse.ArgumentParser:
    """A parser with the positional ``config``, then ``checkpoint``
    (``checkpoints='1'``), ``checkpoints`` (``'+'``: one or more) or none
    (None), and ``--cfg-options``; each tool adds its own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help=config_help)
    if checkpoints == '1':
        parser.add_argument(
            'checkpoint', help=checkpoint_help or 'a checkpoint of the config')
    elif checkpoints is not None:
        parser.add_argument(
            'checkpoints',
            nargs=checkpoints,
            help=checkpoint_help or 'checkpoints of the config')
    add_cfg_options(parser)
    return parser


def checkpoints_of(args: argparse.Namespace) -> List[str]:
    """The checkpoint paths ``args`` names (none for a config-only tool)."""
    if getattr(args, 'checkpoint', None) is not None:
        return [args.checkpoint]
    return list(getattr(args, 'checkpoints', None) or [])


def load_config(args: argparse.Namespace) -> Config:
    """``args.config`` with ``args.cfg_options`` merged, after checking
    that every checkpoint ``args`` names is whole (``require_checkpoints``:
    a line naming each missing or damaged one, exit code 1)."""
    require_checkpoints(checkpoints_of(args))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def local_checkpoints(cfg: Config) -> List[str]:
    """The local checkpoint files a run of ``cfg`` reads: ``load_from`` and
    every ``init_cfg=dict(type='Pretrained', checkpoint=...)`` without a
    URI scheme (``open-mmlab://``, ``https://`` and the like are left to
    mmengine)."""
    found = [cfg.get('load_from')]

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get('type') == 'Pretrained':
                found.append(node.get('checkpoint'))
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(cfg.get('model'))
    return [
        path for path in found if isinstance(path, str) and '://' not in path
    ]
