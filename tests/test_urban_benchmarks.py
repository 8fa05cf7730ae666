"""GTA5 / SYNTHIA -> Cityscapes (paper section 4.3, Tables 3-4): tiny fake
datasets in the official layouts, the converters, the datasets, the 16/13
class means, and 2 training iterations of every urban config."""
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from .conftest import REPO, run_tool

# Hand-copied from the datasets' documentation, independently of
# tools/convert_datasets/urban_labels.py: a few ids of each and their train ids.
# Cityscapes labels.py: 7 road, 8 sidewalk, 11 building, 21 vegetation,
# 23 sky, 24 person, 26 car, 33 bicycle; 0 unlabeled, 4 static, 9 parking
# and 29 caravan are ignored.
CITYSCAPES_IDS = {7: 0, 8: 1, 11: 2, 21: 8, 23: 10, 24: 11, 26: 13, 33: 18,
                  0: 255, 4: 255, 9: 255, 29: 255}
# SYNTHIA README: 1 sky, 3 road, 8 car, 10 pedestrian, 12 motorcycle,
# 21 wall; 0 void, 13 parking-slot, 22 lanemarking are ignored.
SYNTHIA_IDS = {1: 10, 3: 0, 8: 13, 10: 11, 12: 17, 21: 3, 0: 255, 13: 255,
               22: 255}
CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
           'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
           'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
           'bicycle')
# Cityscapes' colours for some ids, so that a converter reading GTA5's
# palette PNGs as colours or grey levels gets other numbers.
PALETTE = {7: (128, 64, 128), 8: (244, 35, 232), 11: (70, 70, 70),
           21: (107, 142, 35), 23: (70, 130, 180), 24: (220, 20, 60),
           26: (0, 0, 142), 33: (119, 11, 32), 0: (0, 0, 0), 4: (20, 20, 20),
           9: (250, 170, 160), 29: (0, 0, 90)}


def _load_tool(name: str):
    path = REPO / 'tools' / 'convert_datasets' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'convert_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(rng, table, height, width):
    """A random map of the table's ids with every id present."""
    ids = np.array(sorted(table))
    values = rng.choice(ids, size=(height, width))
    values.ravel()[:len(ids)] = ids
    return values


def _expected(ids, table):
    return np.vectorize(table.__getitem__)(ids).astype(np.uint8)


def _write_image(path: Path, rng, height, width):
    """Noise with two flat rectangles at random places, so that images
    differ in their superpixels too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = rng.integers(0, 64, (height, width, 3), dtype=np.uint8)
    for _ in range(2):
        y, x = rng.integers(0, height // 2), rng.integers(0, width // 2)
        image[y:y + height // 2, x:x + width // 2] = rng.integers(
            64, 256, 3, dtype=np.uint8)
    cv2.imwrite(str(path), image)


def _write_palette_png(path: Path, ids: np.ndarray):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(ids.astype(np.uint8), mode='P')
    palette = np.zeros((256, 3), dtype=np.uint8)
    for label_id, colour in PALETTE.items():
        palette[label_id] = colour
    image.putpalette(palette.ravel().tolist())
    image.save(path)


def make_gta(root: Path, count=4, size=(64, 36)):
    """GTA5: images/NNNNN.png, labels/NNNNN.png (palette PNG of ids); one
    more pair whose label is smaller than its image, as in the download."""
    rng = np.random.default_rng(1)
    width, height = size
    expected = {}
    for i in range(1, count + 1):
        name = f'{i:05d}'
        _write_image(root / 'images' / f'{name}.png', rng, height, width)
        ids = _ids(rng, CITYSCAPES_IDS, height, width)
        _write_palette_png(root / 'labels' / f'{name}.png', ids)
        expected[name] = _expected(ids, CITYSCAPES_IDS)
    odd = f'{count + 1:05d}'
    _write_image(root / 'images' / f'{odd}.png', rng, height, width)
    _write_palette_png(root / 'labels' / f'{odd}.png',
                       _ids(rng, CITYSCAPES_IDS, height - 2, width))
    return expected


def make_synthia(root: Path, count=4, size=(64, 38)):
    """SYNTHIA-RAND-CITYSCAPES: RGB/NNNNNNN.png, GT/LABELS/NNNNNNN.png as
    16-bit 3-channel PNGs, class in red, instance ids above 255 in green."""
    rng = np.random.default_rng(2)
    width, height = size
    expected = {}
    for i in range(count):
        name = f'{i:07d}'
        _write_image(root / 'RGB' / f'{name}.png', rng, height, width)
        ids = _ids(rng, SYNTHIA_IDS, height, width)
        label = np.zeros((height, width, 3), dtype=np.uint16)
        label[..., 2] = ids  # red, in OpenCV's B, G, R order
        label[..., 1] = rng.integers(256, 4000, (height, width))
        path = root / 'GT' / 'LABELS' / f'{name}.png'
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), label)
        expected[name] = _expected(ids, SYNTHIA_IDS)
    return expected


def make_cityscapes(root: Path, size=(64, 32)):
    """leftImg8bit/{train,val}/<city>/..._leftImg8bit.png and gtFine with
    labelIds, plus the colour and instance files a download also has."""
    rng = np.random.default_rng(3)
    width, height = size
    frames = {'train': ['aachen/aachen_000000_000019',
                        'aachen/aachen_000001_000019',
                        'bochum/bochum_000000_000313',
                        'bochum/bochum_000000_000600'],
              'val': ['lindau/lindau_000000_000019',
                      'munster/munster_000000_000019']}
    expected = {}
    for split, names in frames.items():
        for name in names:
            _write_image(root / 'leftImg8bit' / split /
                         f'{name}_leftImg8bit.png', rng, height, width)
            # Each train frame misses some classes: its image-level labels.
            table = dict(CITYSCAPES_IDS)
            if name.endswith('000019'):
                table = {k: v for k, v in table.items() if v not in (13, 18)}
            ids = _ids(rng, table, height, width)
            base = root / 'gtFine' / split / name
            base.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(f'{base}_gtFine_labelIds.png', ids.astype(np.uint8))
            cv2.imwrite(f'{base}_gtFine_color.png',
                        rng.integers(0, 256, (height, width, 3),
                                     dtype=np.uint8))
            cv2.imwrite(f'{base}_gtFine_instanceIds.png',
                        (ids * 1000).astype(np.uint16))
            expected[f'{split}/{name}'] = _expected(ids, CITYSCAPES_IDS)
    return expected


def _read(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def _class_pixels(maps):
    counts = np.zeros(256, dtype=np.int64)
    for m in maps:
        counts += np.bincount(m.ravel(), minlength=256)
    return {c: int(counts[k]) for k, c in enumerate(CLASSES)}


@pytest.fixture(scope='module')
def urban_data(tmp_path_factory):
    """The three fake datasets, converted by the tools (2 processes)."""
    root = tmp_path_factory.mktemp('urban')
    expected = dict(
        gta=make_gta(root / 'gta'),
        synthia=make_synthia(root / 'synthia'),
        cityscapes=make_cityscapes(root / 'cityscapes'))
    for name in ('gta', 'synthia', 'cityscapes'):
        result = run_tool([f'tools/convert_datasets/{name}.py',
                           str(root / name), '--nproc', '2'])
        assert 'tasks/s' in result.stdout or 'task/s' in result.stdout, \
            'no progress bar'
    return root, expected


@pytest.mark.slow
def test_gta_converter(urban_data):
    root, expected = urban_data
    gta = root / 'gta'
    names = (gta / 'train.txt').read_text().split()
    assert names == sorted(expected['gta'])  # the odd-sized pair is left out
    for name, train_ids in expected['gta'].items():
        np.testing.assert_array_equal(
            _read(gta / 'labels' / f'{name}_labelTrainIds.png'), train_ids)
    stats = json.loads((gta / 'class_stats.json').read_text())
    assert stats['left_out_size_mismatch'] == ['00005']
    assert stats['pixels'] == _class_pixels(expected['gta'].values())
    assert stats['images_with_class']['car'] == 4
    assert stats['images_with_class']['terrain'] == 0


@pytest.mark.slow
def test_synthia_converter_reads_16_bit_labels(urban_data):
    root, expected = urban_data
    synthia = root / 'synthia'
    assert (synthia / 'train.txt').read_text().split() == sorted(
        expected['synthia'])
    for name, train_ids in expected['synthia'].items():
        np.testing.assert_array_equal(
            _read(synthia / 'GT' / 'LABELS' / f'{name}_labelTrainIds.png'),
            train_ids)
    stats = json.loads((synthia / 'class_stats.json').read_text())
    assert stats['pixels'] == _class_pixels(expected['synthia'].values())
    assert stats['pixels']['motorcycle'] > 0 and stats['pixels']['bus'] == 0


@pytest.mark.slow
def test_cityscapes_converter_splits_and_image_labels(urban_data):
    root, expected = urban_data
    city = root / 'cityscapes'
    for split in ('train', 'val'):
        names = (city / f'{split}.txt').read_text().split()
        assert names == sorted(n for n in expected['cityscapes']
                               if n.startswith(split + '/'))
    for name, train_ids in expected['cityscapes'].items():
        split, rest = name.split('/', 1)
        np.testing.assert_array_equal(
            _read(city / 'gtFine' / split /
                  f'{rest}_gtFine_labelTrainIds.png'), train_ids)
    lines = (city / 'image_labels_train.txt').read_text().splitlines()
    # Frames ending in 000019 have no car (13) and no bicycle (18).
    assert lines == [
        'train/aachen/aachen_000000_000019 0 1 2 8 10 11',
        'train/aachen/aachen_000001_000019 0 1 2 8 10 11',
        'train/bochum/bochum_000000_000313 0 1 2 8 10 11 13 18',
        'train/bochum/bochum_000000_000600 0 1 2 8 10 11 13 18',
    ]
    stats = json.loads((city / 'class_stats.json').read_text())
    assert stats['val']['pixels'] == _class_pixels(
        v for n, v in expected['cityscapes'].items() if n.startswith('val'))


@pytest.mark.slow
def test_datasets_read_the_official_layouts(urban_data):
    from mmseg_srt.datasets import (CityscapesWeakDataset, GTADataset,
                                    SynthiaDataset)
    root, expected = urban_data
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    gta = GTADataset(data_root=str(root / 'gta'), pipeline=pipeline)
    item = gta[0]
    np.testing.assert_array_equal(item['gt_seg_map'], expected['gta']['00001'])
    synthia = SynthiaDataset(data_root=str(root / 'synthia'),
                             pipeline=pipeline)
    np.testing.assert_array_equal(synthia[3]['gt_seg_map'],
                                  expected['synthia']['0000003'])
    val = CityscapesWeakDataset(data_root=str(root / 'cityscapes'),
                                pipeline=pipeline)
    assert len(val) == 2
    np.testing.assert_array_equal(
        val[1]['gt_seg_map'],
        expected['cityscapes']['val/munster/munster_000000_000019'])
    train = CityscapesWeakDataset(
        data_root=str(root / 'cityscapes'), ann_file='train.txt',
        with_seg_map=False, image_label_file='image_labels_train.txt',
        pipeline=[dict(type='LoadImageFromFile')])
    assert train[2]['gt_image_labels'] == [0, 1, 2, 8, 10, 11, 13, 18]
    assert train.metainfo['classes'] == CLASSES


def test_converter_errors_name_the_file(tmp_path):
    gta_tool, synthia_tool, city_tool = (
        _load_tool(n) for n in ('gta', 'synthia', 'cityscapes'))
    with pytest.raises(FileNotFoundError, match='nowhere/images'):
        gta_tool.convert(str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match='leftImg8bit'):
        city_tool.convert(str(tmp_path / 'nowhere'))
    # A label without its image, and an image without its label.
    make_gta(tmp_path / 'gta', count=2)
    (tmp_path / 'gta' / 'images' / '00002.png').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'images/00002\.png not found, but .*labels/'
                       r'00002\.png is there'):
        gta_tool.convert(str(tmp_path / 'gta'))
    make_synthia(tmp_path / 'synthia', count=2)
    (tmp_path / 'synthia' / 'GT' / 'LABELS' / '0000001.png').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'GT/LABELS/0000001\.png not found'):
        synthia_tool.convert(str(tmp_path / 'synthia'))
    # An id no table knows: 40 in GTA5, 23 in SYNTHIA.
    make_gta(tmp_path / 'gta_bad', count=1)
    bad = np.full((36, 64), 7, dtype=np.uint8)
    bad[0, 0] = 40
    _write_palette_png(tmp_path / 'gta_bad' / 'labels' / '00002.png', bad)
    with pytest.raises(ValueError,
                       match=r'labels/00002\.png: unknown label ids \[40\]'):
        gta_tool.convert(str(tmp_path / 'gta_bad'))
    make_synthia(tmp_path / 'synthia_bad', count=1)
    label = np.zeros((38, 64, 3), dtype=np.uint16)
    label[5, 5, 2] = 23
    cv2.imwrite(str(tmp_path / 'synthia_bad' / 'GT' / 'LABELS' /
                    '0000000.png'), label)
    with pytest.raises(ValueError, match=r'0000000\.png: unknown label ids '
                       r'\[23\]'):
        synthia_tool.convert(str(tmp_path / 'synthia_bad'))


def test_synthia_16_and_13_class_means_by_hand():
    """A hand-made prediction against a hand-made label, 19 classes."""
    from mmseg_srt.evaluation import SRTIoUMetric
    cfg = Config.fromfile(str(REPO / 'configs/srt_synthia2cityscapes.py'))
    metric = SRTIoUMetric(**{k: v for k, v in cfg.test_evaluator.items()
                             if k != 'type'})
    metric.dataset_meta = dict(classes=CLASSES)
    road, wall, terrain, sky, car = 0, 3, 9, 10, 13
    gt = torch.tensor([[road, road, road, road, wall, wall],
                       [sky, sky, car, car, terrain, 255]])
    pred = torch.tensor([[road, road, road, sky, wall, road],
                         [sky, car, car, car, car, road]])
    metric.process({}, [dict(pred_sem_seg=dict(data=pred[None]),
                              gt_sem_seg=dict(data=gt[None]))])
    metrics = metric.compute_metrics(metric.results)
    # road: 3 right; predicted 4 (the pixel under 255 does not count),
    # true 4 -> 3 / (4 + 4 - 3) = 60 %. wall: 1 / (1 + 2 - 1) = 50 %.
    # sky: 1 / (2 + 2 - 1) = 33.33 %. car: 2 / (4 + 2 - 2) = 50 %.
    # terrain: 0 / 1 = 0 %. Every other class is absent from both.
    assert metrics['IoU.road'] == pytest.approx(60.)
    assert metrics['IoU.wall'] == pytest.approx(50.)
    assert metrics['IoU.sky'] == pytest.approx(33.33)
    assert metrics['IoU.car'] == pytest.approx(50.)
    # 16 classes: road, wall, sky, car present -> (60+50+33.33+50)/4.
    assert metrics['mIoU16'] == pytest.approx(48.33, abs=0.01)
    # 13 classes (no wall): (60 + 33.33 + 50) / 3.
    assert metrics['mIoU13'] == pytest.approx(47.78, abs=0.01)
    # 19 classes add terrain's 0: (60+50+33.33+50+0)/5.
    assert metrics['mIoU'] == pytest.approx(38.67, abs=0.01)


@pytest.mark.slow
def test_precompute_superpixels_fills_the_cache(urban_data, tmp_path):
    """The tool caches what the training pipeline will read: SLIC of each
    original target image with the config's parameters."""
    from skimage.segmentation import slic
    root, _ = urban_data
    cache = tmp_path / 'superpixels'
    target = 'train_dataloader.dataset.target'
    cfg = Config.fromfile(str(REPO / 'configs/srt_gta2cityscapes.py'))
    index = [s['type'] for s in cfg.train_dataloader.dataset.target.pipeline
             ].index('SuperpixelSLIC')
    # 12 superpixels in these 64x32 frames (2000 in 2048x1024 ones).
    options = [f'{target}.data_root={root / "cityscapes"}',
               f'{target}.pipeline.{index}.cache_dir={cache}',
               f'{target}.pipeline.{index}.n_segments=12']
    first = run_tool(['tools/precompute_superpixels.py',
                      'configs/srt_gta2cityscapes.py', '--nproc', '2',
                      '--cfg-options', *options])
    assert 'computed 4, already cached 0' in first.stdout
    files = sorted(cache.glob('*.npy'))
    assert len(files) == 4
    again = run_tool(['tools/precompute_superpixels.py',
                      'configs/srt_gta2cityscapes.py', '--cfg-options',
                      *options])
    assert 'computed 0, already cached 4' in again.stdout
    # One image's cached map is SLIC of the original, recomputed here ...
    from mmseg_srt.datasets import SuperpixelSLIC
    image_path = (root / 'cityscapes' / 'leftImg8bit' / 'train' / 'aachen' /
                  'aachen_000000_000019_leftImg8bit.png')
    image = cv2.imread(str(image_path))
    expected = slic(image[..., ::-1], n_segments=12,
                    compactness=10.0, sigma=1.0, start_label=0,
                    channel_axis=-1)
    matching = [f for f in files
                if np.array_equal(np.load(f).astype(np.int64), expected)]
    assert len(matching) == 1
    # ... and the training transform reads that file instead of computing.
    marker = np.arange(expected.size).reshape(expected.shape) % 7
    np.save(matching[0], marker.astype(np.uint16))
    result = SuperpixelSLIC(n_segments=12, cache_dir=str(cache))(
        dict(img=image, img_path=str(image_path)))
    np.testing.assert_array_equal(result['gt_superpixels'], marker)


URBAN_CONFIGS = sorted(
    [p for d in ('gta2cityscapes', 'synthia2cityscapes')
     for p in (REPO / 'configs' / d).glob('*.py')] +
    [REPO / 'configs/srt_gta2cityscapes.py',
     REPO / 'configs/srt_synthia2cityscapes.py'])


def _tiny(cfg: Config, data_root: Path, work_dir: Path) -> Config:
    """ResNet-18 with 8 base channels, batch 2, data from ``data_root``,
    superpixels not cached, 2 iterations then testing on val."""
    segmentor = cfg.model.get('segmentor', cfg.model)
    segmentor.backbone.update(
        depth=18, stem_channels=8, base_channels=8, init_cfg=None)
    segmentor.decode_head.update(in_channels=64, channels=16)
    if 'c1_in_channels' in segmentor.decode_head:
        segmentor.decode_head.update(c1_in_channels=8, c1_channels=4)

    def patch(node):
        if isinstance(node, dict):
            if 'data_root' in node:
                node['data_root'] = str(data_root / Path(
                    node['data_root']).name)
            if node.get('type') == 'SuperpixelSLIC':
                node['cache_dir'] = None
            for value in node.values():
                patch(value)
        elif isinstance(node, list):
            for value in node:
                patch(value)

    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        patch(cfg[loader])
        cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.update(interval=2)
    cfg.default_hooks.logger.update(interval=1)
    cfg.work_dir = str(work_dir)
    return cfg


@pytest.fixture(scope='module')
def urban_trainings(urban_data, tmp_path_factory):
    """Every urban config, made tiny, trained for two iterations by
    tools/train.py: two single-thread trainings at a time (one per core),
    so the 16 configs take half the time of one after the other.
    {config path: (tiny config, work dir, completed process)}."""
    root, _ = urban_data
    jobs = {}
    for path in URBAN_CONFIGS:
        folder = tmp_path_factory.mktemp(path.stem)
        cfg = _tiny(Config.fromfile(str(path)), root, folder / 'work')
        cfg.dump(str(folder / 'tiny.py'))
        jobs[path] = (cfg, folder / 'work', folder / 'tiny.py')

    def train(path):
        return run_tool(['tools/train.py', str(jobs[path][2])],
                        expect_ok=False,
                        env=dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1'))

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(URBAN_CONFIGS, pool.map(train, URBAN_CONFIGS)))
    return {path: (*jobs[path][:2], done[path]) for path in URBAN_CONFIGS}


@pytest.mark.slow
@pytest.mark.parametrize(
    'path', URBAN_CONFIGS,
    ids=[str(p.relative_to(REPO / 'configs')) for p in URBAN_CONFIGS])
def test_urban_config_trains_two_iterations(path, urban_trainings):
    cfg, work_dir, result = urban_trainings[path]
    assert result.returncode == 0, (
        f'tools/train.py {path} exited {result.returncode}\n'
        f'--- stdout (tail) ---\n{result.stdout[-4000:]}\n'
        f'--- stderr (tail) ---\n{result.stderr[-6000:]}')
    rows = [
        json.loads(line) for line in next(
            work_dir.rglob('vis_data/scalars.json')).read_text(
            ).splitlines()
    ]
    # LoggerHook's rows (the per-iteration curves have no 'iter').
    scalars = [row for row in rows if 'iter' in row or 'mIoU' in row]
    assert scalars[1]['iter'] == 2
    assert all(np.isfinite(v) for v in scalars[1].values()
               if isinstance(v, float))
    evaluation = scalars[-1]
    assert 'IoU.bicycle' in evaluation
    if 'synthia' in path.name or path.parent.name == 'synthia2cityscapes':
        assert {'mIoU16', 'mIoU13'} <= set(evaluation)
    model = cfg.model
    if model.type == 'SRTAdapter' and model.get('srt_loss'):
        assert 'srt.loss_srt' in scalars[1]
