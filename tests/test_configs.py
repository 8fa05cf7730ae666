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
        wanted = {'segmentor'} | ({'discriminator'}
                                  if cfg.model.get('discriminator') else set())
        assert set(cfg.optim_wrapper) - {'constructor'} == wanted
        assert set(cfg.param_scheduler) == wanted
        assert all(s['end'] for schedulers in cfg.param_scheduler.values()
                   for s in schedulers)
        # A weak target, except in the diagnostic that reads its label
        # maps on purpose (for the SRT centroids only).
        assert train.target.with_seg_map is (
            cfg.model.get('srt_target_labels') == 'ground_truth')
        labeler = cfg.model.get('pseudo_labeler')
        if labeler and labeler.type == 'PseudoLabelGenerator':
            hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
            assert 'PseudoLabelHook' in hooks
            steps = [t['type'] for t in train.target.pipeline]
            # Superpixels follow resize and flip, and are cropped with the
            # image (SuperpixelSLIC's placement rule).
            assert steps.index('RandomFlip') < steps.index(
                'SuperpixelSLIC') < steps.index('RandomCrop')
        if cfg.model.get('mix_transform'):
            # mmseg loads BGR, the segmentor's preprocessor converts: the
            # jitter must read RGB
            assert cfg.model.segmentor.data_preprocessor.bgr_to_rgb
            assert model.mix_transform.channel_order == 'rgb'
        datasets += [train.source, train.target]
    elif train.type == 'ConcatDataset':
        datasets += train.datasets
    else:
        datasets.append(train)
    for dataset in datasets:
        assert dataset.type in ('EndoSynthDataset', 'LesionSegDataset',
                                'GTADataset', 'SynthiaDataset',
                                'CityscapesWeakDataset', 'CamVidDataset')


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


COLONDB_ROWS = sorted(
    p.name for p in (REPO / 'configs/kvasir2colondb').glob('*.py')
    if (REPO / 'configs/kvasir2cvc' / p.name).is_file())


@pytest.mark.parametrize('name', sorted(
    p.name for p in (REPO / 'configs/kvasir2colondb').glob('*_4k.py')))
def test_colondb_4k_rows_continue_their_2k_rows(name):
    """A 4k config is its 2k namesake run on: the same model, data and
    learning rate at every step of the first 2k iterations."""
    long = Config.fromfile(str(REPO / 'configs/kvasir2colondb' / name))
    short = Config.fromfile(
        str(REPO / 'configs/kvasir2colondb' / name.replace('_4k', '_2k')))
    for key in ('model', 'train_dataloader', 'optim_wrapper', 'randomness'):
        assert long.get(key) == short.get(key), key
    assert (long.train_cfg.max_iters, short.train_cfg.max_iters) == (4000,
                                                                     2000)
    (decay, ), (short_decay, ) = long.param_scheduler, short.param_scheduler
    assert decay.end == 4000
    assert dict(decay, end=None) == dict(short_decay, end=None)


@pytest.mark.parametrize('name', COLONDB_ROWS)
def test_colondb_rows_are_the_clinicdb_rows_on_other_data(name):
    """Each Kvasir -> CVC-ColonDB config is its Kvasir -> CVC-ClinicDB
    namesake with the data swapped: same network, losses and schedule; the
    weak target is ColonDB's frames and labelled regions, without masks."""
    colondb = Config.fromfile(str(REPO / 'configs/kvasir2colondb' / name))
    clinicdb = Config.fromfile(str(REPO / 'configs/kvasir2cvc' / name))
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'test_evaluator', 'randomness'):
        assert colondb.get(key) == clinicdb.get(key), key
    # Hooks alike, but a hook that reads the target (AdaBN) reads its own.
    hooks = [
        dict(h, dataset=None) for h in colondb.get('custom_hooks', [])]
    assert hooks == [
        dict(h, dataset=None) for h in clinicdb.get('custom_hooks', [])]
    for hook in colondb.get('custom_hooks', []):
        if 'dataset' in hook:
            assert hook.dataset == colondb.train_dataloader.dataset.target
    root = 'data/kvasir2colondb'
    test = colondb.test_dataloader.dataset
    assert (test.data_root, test.ann_file) == (root, 'target/test.txt')
    train = colondb.train_dataloader.dataset
    if train.type == 'SourceTargetDataset':
        splits = [train.source, train.target]
    elif train.type == 'ConcatDataset':
        splits = train.datasets
    else:
        splits = [train]
    for split in splits:
        assert split.data_root == root
        if split.get('with_seg_map', True) is False:
            assert split.ann_file == 'target/train_regions.txt'
            assert split.image_label_file == \
                'target/image_labels_regions.txt'
            slic = [t for t in split.pipeline
                    if t.type == 'SuperpixelSLIC'][0]
            assert slic.cache_dir == root + '/superpixels'


@pytest.mark.parametrize('benchmark,suffix', [
    ('kvasir2cvc', 'deeplabv3-mnv2-os16_2k'),
    ('kvasir2colondb', 'deeplabv3-mnv2-os16_2k'),
    ('endosynth', 'deeplabv3-r18tiny_1.5k'),
    ('camvid_day2dusk', 'deeplabv3-mnv2-os16_2k'),
])
def test_srt_plus_is_the_paper_preset_with_five_options(benchmark, suffix):
    folder = REPO / 'configs' / benchmark
    plus = Config.fromfile(str(folder / f'srt-plus_{suffix}.py'))
    paper = Config.fromfile(str(folder / f'srt_{suffix}.py'))
    assert plus.model.pop('teacher_momentum') == 0.01
    assert plus.model.pseudo_labeler.pop('histogram_scale') == 'log'
    assert plus.model.pseudo_labeler.pop('statistics') == 'running'
    assert plus.model.pseudo_labeler.pop('running_samples') == 400
    assert plus.model.pseudo_labeler.pop('use_image_labels') is True
    assert plus.model.pseudo_labeler.pop('keep_silent_thresholds') is True
    assert plus.model == paper.model
    assert plus.train_dataloader == paper.train_dataloader
    assert plus.custom_hooks == paper.custom_hooks


TABLE_2 = {
    # row: (discriminator, pseudo labels, L_S on them, SRT, class-balanced,
    #       superpixels)
    'bl-al': (True, False, False, False, None, None),
    'bl-al-pl': (True, True, True, False, True, True),
    'bl-al-srt': (True, False, False, True, None, None),
    'bl-pl-srt': (False, True, True, True, True, True),
    'srt': (True, True, True, True, True, True),
    'srt-wopl': (True, True, False, True, True, True),
    'srt-wocb': (True, True, True, True, False, True),
    'srt-wosp': (True, True, True, True, True, False),
}


# Tables 3 and 4 (urban): the rows of Table 2 but Ours-woPL and Ours-woCB,
# each with its own source and the 16/13-class means for SYNTHIA.
ROWS = [(f'{benchmark}/{row}_deeplabv3-mnv2-os16_2k.py',
         f'{benchmark}/bl-al_deeplabv3-mnv2-os16_2k.py', row)
        for benchmark in ('kvasir2cvc', 'kvasir2colondb', 'camvid_day2dusk')
        for row in sorted(TABLE_2)] + [
            (f'{benchmark}/{row}_deeplabv3-r50-d8_512x512_10k.py',
             f'{benchmark}/bl-al_deeplabv3-r50-d8_512x512_10k.py', row)
            for benchmark in ('gta2cityscapes', 'synthia2cityscapes')
            for row in sorted(set(TABLE_2) - {'srt-wopl', 'srt-wocb'})
        ]


@pytest.mark.parametrize('path,base_path,row', ROWS,
                         ids=[path for path, _, _ in ROWS])
def test_ablation_rows_have_their_components(path, base_path, row):
    cfg = Config.fromfile(str(REPO / 'configs' / path))
    model = cfg.model
    d, pl, pl_loss, srt, balanced, superpixels = TABLE_2[row]
    assert bool(model.get('discriminator')) == d
    assert bool(model.get('pseudo_labeler')) == pl
    assert model.get('pseudo_label_loss', True) == pl_loss or not pl
    assert bool(model.get('srt_loss')) == srt
    if pl:
        assert model.pseudo_labeler.class_balanced == balanced
        assert model.pseudo_labeler.superpixel_refinement == superpixels
    # Every row shares the segmentor, data and schedule of BL+AL.
    base = Config.fromfile(str(REPO / 'configs' / base_path))
    assert model.segmentor == base.model.segmentor
    assert cfg.train_dataloader.dataset == base.train_dataloader.dataset
    assert cfg.test_evaluator == base.test_evaluator
    assert cfg.train_cfg == base.train_cfg
    assert cfg.param_scheduler.segmentor == base.param_scheduler.segmentor
    if 'synthia' in path:
        assert cfg.train_dataloader.dataset.source.type == 'SynthiaDataset'
        assert set(cfg.test_evaluator.class_subsets) == {'mIoU16', 'mIoU13'}
    elif 'gta' in path:
        assert cfg.train_dataloader.dataset.source.type == 'GTADataset'
        assert 'class_subsets' not in cfg.test_evaluator
