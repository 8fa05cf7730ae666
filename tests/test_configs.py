"""Every shipped config loads and builds its model (weights not loaded)."""
from pathlib import Path

import pytest
from mmengine.config import Config

from .conftest import REPO

CONFIGS = sorted(
    p for p in (REPO / 'configs').rglob('*.py') if '_base_' not in p.parts)


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[str(p.relative_to(REPO)) for p in CONFIGS])
def test_config_builds_model(path: Path):
    import mmseg_srt  # noqa: F401
    from mmseg.registry import MODELS
    cfg = Config.fromfile(str(path))
    assert cfg.custom_imports.imports == ['mmseg_srt']
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    datasets = [cfg.test_dataloader.dataset]
    train = cfg.train_dataloader.dataset
    if cfg.model.type == 'SRTAdapter':
        assert train.type == 'SourceTargetDataset'
        assert cfg.train_dataloader.sampler.type == \
            'SourceTargetInfiniteSampler'
        assert set(cfg.optim_wrapper) >= {'segmentor', 'discriminator'}
        assert all(s['end'] for schedulers in cfg.param_scheduler.values()
                   for s in schedulers)
        assert train.target.with_seg_map is False  # weak target
        datasets += [train.source, train.target]
    elif train.type == 'ConcatDataset':
        datasets += train.datasets
    else:
        datasets.append(train)
    for dataset in datasets:
        assert dataset.type in ('EndoSynthDataset', 'LesionSegDataset')


def test_oracle_trains_on_target_masks():
    cfg = Config.fromfile(
        str(REPO / 'configs/kvasir2cvc/oracle_deeplabv3-mnv2-os16_2k.py'))
    dataset = cfg.train_dataloader.dataset
    assert dataset.ann_file == 'target/train.txt'
    assert dataset.data_prefix.seg_map_path == 'target/masks'
    source_only = Config.fromfile(
        str(REPO / 'configs/kvasir2cvc/source-only_deeplabv3-mnv2-os16_2k.py'))
    assert source_only.train_dataloader.dataset.ann_file == 'source/train.txt'
    assert cfg.test_dataloader == source_only.test_dataloader
