"""CamVid -> Cityscapes: the pix2pix converter on real frames from
../shared/data/cityscapes_pix2pix (colours decoded by hand, the 19 -> 11
mapping of the shared README, the 2:1 aspect, image labels and their three
states), bad input, the README's counts over all training frames, and that
nothing of a Cityscapes training annotation but its image labels reaches
training."""
import importlib.util
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmseg_srt.datasets import CamVidDataset

from .conftest import (REPO, require_shared_camvid, require_shared_cityscapes,
                       run_tool, write_tiny_benchmark_config)

FRAMES = {'train': [1, 4, 7], 'val': [1, 3]}
IGNORE = 255
# The shared README's table, transcribed: Cityscapes label, colour, CamVid
# class (None: void). Colours of the void labels are listed apart.
README_TABLE = [
    ('road', (128, 64, 128), 'road'),
    ('sidewalk', (244, 35, 232), 'pavement'),
    ('building', (70, 70, 70), 'building'),
    ('wall', (102, 102, 156), 'building'),
    ('fence', (190, 153, 153), 'fence'),
    ('pole', (153, 153, 153), 'pole'),
    ('traffic light', (250, 170, 30), 'signsymbol'),
    ('traffic sign', (220, 220, 0), 'signsymbol'),
    ('vegetation', (107, 142, 35), 'tree'),
    ('terrain', (152, 251, 152), None),
    ('sky', (70, 130, 180), 'sky'),
    ('person', (220, 20, 60), 'pedestrian'),
    ('rider', (255, 0, 0), 'bicyclist'),
    ('car', (0, 0, 142), 'car'),
    ('truck', (0, 0, 70), 'car'),
    ('bus', (0, 60, 100), 'car'),
    ('train', (0, 80, 100), 'car'),
    ('motorcycle', (0, 0, 230), 'bicyclist'),
    ('bicycle', (119, 11, 32), 'bicyclist'),
]
VOID_COLOURS = [(0, 0, 0), (111, 74, 0), (81, 0, 81), (250, 170, 160),
                (230, 150, 140), (180, 165, 180), (150, 100, 100),
                (150, 120, 90), (0, 0, 90), (0, 0, 110)]
CAMVID = ('sky', 'building', 'pole', 'road', 'pavement', 'tree',
          'signsymbol', 'fence', 'car', 'pedestrian', 'bicyclist')
# The shared README: training frames in which each CamVid class is absent.
README_ABSENT = dict(pedestrian=272, bicyclist=190, signsymbol=186, sky=107,
                     pavement=76, fence=54, car=9, pole=4, tree=2, road=0,
                     building=0)


def _converter():
    """The converter as a module, registered so that worker processes can
    unpickle its functions (``nproc`` > 1)."""
    if 'cityscapes_pix2pix' not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            'cityscapes_pix2pix',
            REPO / 'tools/convert_datasets/cityscapes_pix2pix.py')
        module = importlib.util.module_from_spec(spec)
        sys.modules['cityscapes_pix2pix'] = module
        spec.loader.exec_module(module)
    return sys.modules['cityscapes_pix2pix']


def _mini_copy(root: Path, frames=FRAMES) -> Path:
    cityscapes = require_shared_cityscapes()
    for split, numbers in frames.items():
        (root / split).mkdir(parents=True)
        for number in numbers:
            shutil.copy(cityscapes / split / f'{number}.jpg', root / split)
    return root


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cityscapes')
    src = _mini_copy(tmp / 'src')
    out = tmp / 'out'
    meta = _converter().convert(str(src), str(out))
    return src, out, meta


def _annotation(src: Path, split: str, number: int) -> np.ndarray:
    pair = cv2.imread(str(src / split / f'{number}.jpg'), cv2.IMREAD_COLOR)
    return cv2.cvtColor(pair[:, 256:], cv2.COLOR_BGR2RGB)


def _literal_decode(rgb) -> str:
    """The README's rule for one pixel, as a loop: the nearest colour of the
    table, unlabelled beyond 40; its CamVid class name, None if void."""
    best, best_distance = None, None
    candidates = [(colour, camvid) for _, colour, camvid in README_TABLE
                  ] + [(colour, None) for colour in VOID_COLOURS]
    for colour, camvid in candidates:
        distance = sum((int(a) - b)**2 for a, b in zip(rgb, colour))**0.5
        if best_distance is None or distance < best_distance:
            best, best_distance = camvid, distance
    return None if best_distance > 40 else best


def test_a_boundary_patch_decodes_as_by_hand(converted):
    """Train frame 1: every 8x8 window along row 128 whose literal decoding
    holds two classes or an undecoded pixel (a boundary) decodes the same
    in the converter."""
    src, _, _ = converted
    converter = _converter()
    annotation = _annotation(src, 'train', 1)
    ids, _ = converter.decode_colours(annotation)
    camvid = converter.to_classes(ids, 'camvid')
    checked = 0
    for x in range(0, 256 - 8, 8):
        patch = annotation[124:132, x:x + 8]
        expected = [[_literal_decode(pixel) for pixel in row]
                    for row in patch]
        names = {name for row in expected for name in row}
        if len(names) < 2:
            continue
        got = [[None if k == IGNORE else CAMVID[k] for k in row]
               for row in camvid[124:132, x:x + 8]]
        assert got == expected, f'window at x={x}'
        checked += 1
    assert checked >= 3  # several boundaries on a street frame's middle row


def test_the_19_classes_map_to_camvids_11_as_the_readme_says():
    converter = _converter()
    mapped = converter.to_classes(np.arange(19, dtype=np.uint8), 'camvid')
    for (name, _, camvid), k in zip(README_TABLE, mapped):
        assert (CAMVID[k] if k != IGNORE else None) == camvid, name
    assert list(converter.to_classes(np.arange(19, dtype=np.uint8),
                                     'cityscapes')) == list(range(19))


def test_the_aspect_ratio_is_restored(converted):
    """512x256 outputs; each label column twice (nearest), the decoded
    256x256 annotation's."""
    src, out, meta = converted
    converter = _converter()
    image = cv2.imread(str(out / 'target/images/train_4.jpg'))
    mask = cv2.imread(str(out / 'target/masks/train_4.png'),
                      cv2.IMREAD_UNCHANGED)
    assert image.shape == (256, 512, 3) and mask.shape == (256, 512)
    assert np.array_equal(mask[:, 0::2], mask[:, 1::2])
    ids, _ = converter.decode_colours(_annotation(src, 'train', 4))
    assert np.array_equal(mask[:, 0::2], converter.to_classes(ids, 'camvid'))
    assert meta['size'] == [512, 256]
    assert (out / 'target/train.txt').read_text().split() == [
        'train_1', 'train_4', 'train_7'
    ]
    assert (out / 'target/val.txt').read_text().split() == ['val_1', 'val_3']


def test_image_labels_against_hand_counts(converted):
    """Present from 50 x 512 x 256 / (480 x 360) = 37.9 pixels, unknown with
    1-37, absent with none, counted here on the written masks."""
    _, out, _ = converted
    lines = (out / 'target/image_labels.txt').read_text().splitlines()
    assert [line.split()[0] for line in lines] == [
        'train_1', 'train_4', 'train_7'
    ]
    for line in lines:
        name, *classes = line.split()
        mask = cv2.imread(str(out / f'target/masks/{name}.png'),
                          cv2.IMREAD_UNCHANGED)
        counts = [int((mask == k).sum()) for k in range(11)]
        present = {k for k in range(11) if counts[k] >= 38}
        unknown = {k for k in range(11) if 0 < counts[k] < 38}
        assert {int(c) for c in classes if c[0] != '?'} == present, name
        assert {int(c[1:]) for c in classes if c[0] == '?'} == unknown, name
    # train_4: no sky, pedestrian or bicyclist; a sliver of fence
    train_4 = lines[1].split()[1:]
    for absent in ('sky', 'pedestrian', 'bicyclist'):
        k = CAMVID.index(absent)
        assert str(k) not in train_4 and f'?{k}' not in train_4
    assert f'?{CAMVID.index("fence")}' in train_4


def _mean_area_tool():
    spec = importlib.util.spec_from_file_location(
        'image_labels_by_mean_area',
        REPO / 'tools/convert_datasets/image_labels_by_mean_area.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mean_area_rule_by_hand():
    """Paul et al.'s mean area, iterated from 0 with share 0.1: class 0
    held with 10, 100, 1000 pixels: mean 370, then over > 37: 550, which
    stays (> 55 keeps the same two); class 1 in no frame: mean 0."""
    tool = _mean_area_tool()
    counts = np.array([[0, 0], [10, 0], [100, 0], [1000, 0]])
    np.testing.assert_allclose(tool.mean_areas(counts, 0.1), [550., 0.])
    np.testing.assert_allclose(
        tool.mean_areas(counts, 0.1, iterations=1), [370., 0.])
    assert tool.three_state_labels(counts, np.array([550., 0.]), 0.1) == [
        ([], []), ([], [0]), ([0], []), ([0], [])
    ]


def test_mean_area_image_labels_of_real_frames(converted, tmp_path):
    """On the converted frames, against the masks counted here: present
    above 0.1 of the class's mean over these frames, absent as in
    image_labels.txt; a missing mask is named."""
    _, out, _ = converted
    target = out / 'target'
    means = _mean_area_tool().write_image_labels(str(target), 11)
    lines = (target / 'image_labels_mean_area.txt').read_text().splitlines()
    plain = (target / 'image_labels.txt').read_text().splitlines()
    assert [line.split()[0] for line in lines] == ['train_1', 'train_4',
                                                   'train_7']
    counts = np.array([[
        int((cv2.imread(str(target / f'masks/{line.split()[0]}.png'),
                        cv2.IMREAD_UNCHANGED) == k).sum()) for k in range(11)
    ] for line in lines])
    for k in range(11):
        held = counts[:, k][counts[:, k] > 0]
        if held.size:
            # three frames: the iteration keeps those above 0.1 x mean
            assert means[k] >= held.mean() - 1e-9
    for line, plain_line, row in zip(lines, plain, counts):
        name, *classes = line.split()
        present = {int(c) for c in classes if c[0] != '?'}
        unknown = {int(c[1:]) for c in classes if c[0] == '?'}
        assert present == {k for k in range(11) if row[k] > 0.1 * means[k]}
        assert present | unknown == {k for k in range(11) if row[k] > 0}
        assert set(plain_line.split()[1:]) >= {
            str(k) for k in present if row[k] >= 38}, name
    empty = tmp_path / 'target'
    (empty / 'masks').mkdir(parents=True)
    (empty / 'train.txt').write_text('train_9\n')
    with pytest.raises(FileNotFoundError, match='train_9.png'):
        _mean_area_tool().write_image_labels(str(empty), 11)


def _target_train(out: Path, pipeline,
                  ann_file: str = 'target/train.txt') -> CamVidDataset:
    """The converted training frames as the weak configs read them."""
    return CamVidDataset(
        data_root=str(out),
        data_prefix=dict(img_path='target/images'),
        ann_file=ann_file,
        with_seg_map=False,
        image_label_file='target/image_labels.txt',
        pipeline=pipeline)


def test_three_states_reach_the_packed_sample(converted):
    _, out, _ = converted
    dataset = _target_train(out, [dict(type='LoadImageFromFile'),
                                  dict(type='PackSRTInputs')])
    sample = dataset[1]['data_samples']  # train_4
    labels = sample.gt_image_labels.tolist()
    weights = sample.gt_image_label_weights.tolist()
    fence, sky, road = (CAMVID.index(c) for c in ('fence', 'sky', 'road'))
    assert (labels[road], weights[road]) == (1.0, 1.0)  # present
    assert (labels[sky], weights[sky]) == (0.0, 1.0)  # absent
    assert weights[fence] == 0.0  # unknown


def test_noil_pipeline_makes_every_image_label_unknown(converted):
    """The -noil twins' target: the same frames, every weight 0."""
    _, out, _ = converted
    dataset = _target_train(out, [dict(type='LoadImageFromFile'),
                                  dict(type='ImageLabelsUnknown'),
                                  dict(type='PackSRTInputs')])
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        assert sample.gt_image_label_weights.sum() == 0


def _benchmark_target_pipeline(name: str) -> list:
    """A target pipeline of the benchmark's dataset config, superpixels
    computed rather than cached under data/."""
    from mmengine.config import Config
    cfg = Config.fromfile(REPO /
                          'configs/_base_/datasets/camvid2cityscapes.py')
    pipeline = cfg[name]
    for step in pipeline:
        if step['type'] == 'SuperpixelSLIC':
            step['cache_dir'] = None
    return pipeline


def test_crops_keep_the_absent_labels_whole_frames_all(converted):
    """On a crop of a resized frame a present class may lie outside the
    crop: only the absent labels stay known. The -whole pipelines make half
    the items whole frames (256x128, padded to the crop later), whose
    present labels hold too. Reference: the converter's image label file."""
    _, out, _ = converted
    line = (out / 'target/image_labels.txt').read_text().splitlines()[1]
    name, *classes = line.split()
    assert name == 'train_4'
    present = {int(c) for c in classes if not c.startswith('?')}
    unknown = {int(c[1:]) for c in classes if c.startswith('?')}
    absent = set(range(11)) - present - unknown
    assert present and absent
    np.random.seed(0)
    for case in ('croppl', 'croppl_whole'):
        dataset = _target_train(
            out, _benchmark_target_pipeline(f'target_train_pipeline_{case}'))
        shapes = set()
        for _ in range(20):
            item = dataset[1]
            shape = tuple(item['inputs'].shape[1:])
            shapes.add(shape)
            sample = item['data_samples']
            weights = sample.gt_image_label_weights.tolist()
            labels = sample.gt_image_labels.tolist()
            whole = shape == (128, 256)
            for k in range(11):
                if k in absent:
                    assert (labels[k], weights[k]) == (0.0, 1.0)
                elif k in present and whole:
                    assert (labels[k], weights[k]) == (1.0, 1.0)
                else:
                    assert weights[k] == 0.0
        expected = ({(192, 256)} if case == 'croppl' else
                    {(192, 256), (128, 256)})
        assert shapes == expected


def test_target_frames_beside_the_crops(converted, tmp_path):
    """SourceTargetDataset's target_frames: the same frame as the target
    crop, whole at 0.75x (384x192) with every image label as the file gives
    it; a frames dataset of other images is refused by name."""
    from mmseg_srt.datasets import SourceTargetDataset
    _, out, _ = converted
    line = (out / 'target/image_labels.txt').read_text().splitlines()[1]
    present = {int(c) for c in line.split()[1:] if not c.startswith('?')}

    target = _target_train(
        out, _benchmark_target_pipeline('target_train_pipeline_croppl'))
    frames = _target_train(
        out, _benchmark_target_pipeline('target_frames_pipeline'))
    paired = SourceTargetDataset(source=target, target=target,
                                 target_frames=frames)
    item = paired[(0, 1)]
    assert tuple(item['target']['inputs'].shape[1:]) == (192, 256)
    assert tuple(item['target_frames']['inputs'].shape[1:]) == (192, 384)
    crop, whole = (item[key]['data_samples']
                   for key in ('target', 'target_frames'))
    assert crop.img_path == whole.img_path
    assert {k for k in range(11) if whole.gt_image_labels[k]} == present
    assert not crop.gt_image_labels.any()  # on the crop: unknown
    (tmp_path / 'one.txt').write_text('train_1\n')
    fewer = _target_train(out, [], ann_file=str(tmp_path / 'one.txt'))
    with pytest.raises(ValueError, match='target_frames'):
        SourceTargetDataset(source=target, target=target,
                            target_frames=fewer)


def _bad_copy(tmp_path: Path, name: str, content) -> Path:
    src = _mini_copy(tmp_path / 'src', {'train': [1], 'val': [1]})
    path = src / 'train' / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        cv2.imwrite(str(path), content)
    return src


@pytest.mark.parametrize('case', ['width', 'not-jpeg', 'no-colour',
                                  'not-a-number'])
def test_bad_input_names_the_file(tmp_path, case):
    converter = _converter()
    photo = cv2.imread(str(require_shared_cityscapes() / 'train/1.jpg'))
    if case == 'width':
        name, content = '10.jpg', photo[:, :300]
        message = r'10\.jpg is 300x256; a pix2pix frame is twice as wide'
    elif case == 'not-jpeg':
        ok, png = cv2.imencode('.png', photo)
        name, content = '10.jpg', png.tobytes()
        message = r'10\.jpg is not a JPEG file'
    elif case == 'no-colour':
        content = photo.copy()
        content[:, 256:] = (255, 128, 255)  # BGR: far from every colour
        name, message = '10.jpg', r'10\.jpg: 100% of its right half matches'
    else:
        name, content = 'abc.jpg', photo
        message = r'abc\.jpg: the pix2pix layout holds N\.jpg files only'
    src = _bad_copy(tmp_path, name, content)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        converter.convert(str(src), str(tmp_path / 'out'))


def test_a_listed_number_missing_from_the_folder_is_named(tmp_path):
    src = _mini_copy(tmp_path / 'src', {'train': [1, 4], 'val': [1]})
    with pytest.raises(FileNotFoundError, match=r'train/7\.jpg not found'):
        _converter().convert(
            str(src), str(tmp_path / 'out'), numbers=dict(train=[1, 7]))
    assert not (tmp_path / 'out').exists()  # nothing written


@pytest.mark.slow
def test_all_training_frames_give_the_readmes_counts(tmp_path):
    """The shared README's figures over all 992 training frames (and 250
    validation frames): absent classes per frame, classes per frame, the
    undecoded share."""
    cityscapes = require_shared_cityscapes()
    meta = _converter().convert(str(cityscapes), str(tmp_path), nproc=2)
    lines = (tmp_path / 'target/image_labels.txt').read_text().splitlines()
    assert len(lines) == meta['splits']['train'] == 992
    assert meta['splits']['val'] == 250
    absent = dict.fromkeys(CAMVID, 0)
    present = []
    for line in lines:
        classes = line.split()[1:]
        known = {int(c.lstrip('?')) for c in classes}
        for k, name in enumerate(CAMVID):
            absent[name] += k not in known
        present.append(sum(c[0] != '?' for c in classes))
    assert absent == README_ABSENT
    assert round(np.mean(present), 1) == 9.4
    assert (min(present), max(present)) == (4, 11)
    assert round(meta['undecoded_share']['train'], 3) == 0.053
    assert round(meta['undecoded_share']['val'], 3) == 0.056


# --------------------------------------------------------------------------
# No leak: Cityscapes training masks replaced by noise change nothing.
# config prefix -> an SRTAdapter config (else a plain segmentor's)
CASES = {
    # The paper's full method: PL with superpixels, SRT, D, L_C (every other
    # weak config reads the same target dataset).
    'srt': ('srt_deeplabv3-mnv2-os16', True),
    # The target-only oracle reads the masks: the test can tell.
    'oracle': ('oracle_deeplabv3-mnv2-os16', False),
}
CAMVID_FRAMES = ['0006R0_f00930', '0016E5_00390', '0001TP_006690']


@pytest.fixture(scope='module')
def benchmark_data(tmp_path_factory):
    """Three CamVid frames as the source, two Cityscapes training frames
    (one batch, so the second iteration has pseudo labels) and one
    validation frame as the target."""
    tmp = tmp_path_factory.mktemp('camvid2cityscapes')
    camvid = require_shared_camvid()
    copy = tmp / 'camvid'
    for folder in ('images', 'labels', 'splits'):
        (copy / folder).mkdir(parents=True)
    for name in CAMVID_FRAMES:
        shutil.copy(camvid / 'images' / f'{name}.jpg', copy / 'images')
        shutil.copy(camvid / 'labels' / f'{name}.png', copy / 'labels')
    # with --all-to-source every frame of the three lists is a source frame
    for split, names in (('day_train', CAMVID_FRAMES[:2]),
                         ('dusk_train', CAMVID_FRAMES[2:]),
                         ('dusk_val', CAMVID_FRAMES[2:])):
        (copy / 'splits' / f'{split}.txt').write_text('\n'.join(names) + '\n')
    spec = importlib.util.spec_from_file_location(
        'camvid_converter', REPO / 'tools/convert_datasets/camvid.py')
    camvid_converter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(camvid_converter)
    return copy, camvid_converter


def _convert_benchmark(benchmark_data, out: Path) -> Path:
    copy, camvid_converter = benchmark_data
    camvid_converter.convert(str(copy), str(out), all_to_source=True)
    src = _mini_copy(out.parent / 'cityscapes', {'train': [1, 4], 'val': [1]})
    _converter().convert(str(src), str(out))
    return out


def _benchmark_config(prefix: str) -> Path:
    configs = sorted(
        (REPO / 'configs/camvid2cityscapes').glob(f'{prefix}_*.py'))
    assert len(configs) == 1, configs
    return configs[0]


@pytest.mark.slow
@pytest.mark.parametrize('case', list(CASES))
def test_no_cityscapes_training_mask_reaches_training(benchmark_data,
                                                      tmp_path, case):
    """Two iterations give the same weights when every Cityscapes training
    mask is replaced by noise; the oracle's weights differ."""
    from mmseg_srt.utils import load_checkpoint_safely
    prefix, uda = CASES[case]
    weights = []
    for trial in ('real', 'noise'):
        root = _convert_benchmark(benchmark_data, tmp_path / trial / 'data')
        assert (root / 'source/train.txt').read_text().split() == sorted(
            CAMVID_FRAMES)
        if trial == 'noise':
            rng = np.random.default_rng(0)
            for name in ('train_1', 'train_4'):
                path = root / 'target/masks' / f'{name}.png'
                cv2.imwrite(str(path),
                            rng.integers(0, 11, (256, 512), dtype=np.uint8))
        config = write_tiny_benchmark_config(
            tmp_path / trial, _benchmark_config(prefix), uda, root)
        work_dir = tmp_path / trial / 'work'
        run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
        weights.append(
            load_checkpoint_safely(
                str(work_dir / 'iter_2.pth'),
                map_location='cpu')['state_dict'])
    same = all(
        torch.equal(weights[0][key], weights[1][key]) for key in weights[0])
    assert same == (case != 'oracle')
