"""tools/visualize_pseudo_labels.py, tools/tsne_features.py,
tools/analyze_errors.py and tools/analyze_image_label_veto.py on a
checkpoint trained by tools/train.py; the error split of
tools/analyze_errors.py against a literal loop; the feature-cell purity of
tools/analyze_feature_purity.py and the veto's reach by hand."""
import math
import re
import sys

import cv2
import numpy as np
import pytest

import torch

from mmseg_srt.apis import feature_cell_purity, split_errors, veto_reach

from .conftest import (checkpoint_path, run_tool, write_tiny_config,
                       write_tiny_uda_config)


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_endosynth):
    folder = tmp_path_factory.mktemp('analysis')
    # Epochs of 2 target samples: pseudo labels from the 2nd iteration on.
    config = write_tiny_uda_config(
        folder, tiny_endosynth, max_iters=3, checkpoint_interval=3,
        extra='model.update(pseudo_labeler=dict(samples_per_epoch=2))')
    run_tool(['tools/train.py', str(config), '--work-dir',
              str(folder / 'work')])
    return config, checkpoint_path(folder / 'work', 3), folder


@pytest.mark.slow
def test_visualize_pseudo_labels_figure_and_eval(trained):
    config, checkpoint, folder = trained
    out = folder / 'pl.png'
    result = run_tool([
        'tools/visualize_pseudo_labels.py',
        str(config),
        str(checkpoint), '--out',
        str(out), '--num-images', '2', '--dataset', 'val_dataloader.dataset',
        '--eval'
    ])
    assert out.stat().st_size > 1000
    rows = {}
    for line in result.stdout.splitlines():
        match = re.match(r'\s+(CB\+SP|CB|SP|global)\s+([\d.]+)%', line)
        if match:
            rows[match.group(1)] = float(match.group(2))
    assert set(rows) == {'CB+SP', 'CB', 'SP', 'global'}
    # The superpixel refinement only adds labels.
    assert rows['CB+SP'] >= rows['CB'] and rows['SP'] >= rows['global']
    # 3 iterations of 2 samples, epochs of 2: three epochs ended, the last
    # thresholds used p = 25 % + 2 * 5 %, which the tool reuses.
    assert 'p = 0.35' in result.stdout


@pytest.mark.slow
def test_visualize_without_masks_and_eval_is_a_clear_error(trained):
    config, checkpoint, folder = trained
    result = run_tool([
        'tools/visualize_pseudo_labels.py',
        str(config),
        str(checkpoint), '--out',
        str(folder / 'x.png'), '--eval', '--dataset', 'target_train'
    ], expect_ok=False)
    assert result.returncode != 0
    assert "needs masks; dataset 'target_train'" in result.stderr


@pytest.mark.slow
def test_tsne_features_figure(trained):
    config, checkpoint, folder = trained
    out = folder / 'tsne.png'
    result = run_tool([
        'tools/tsne_features.py',
        str(config),
        str(checkpoint), '--out',
        str(out), '--num-images', '3', '--pixels-per-class', '10',
        '--source-dataset', 'train_dataloader.dataset.source', '--dataset',
        'val_dataloader.dataset'
    ])
    assert out.stat().st_size > 1000
    assert "'source':" in result.stdout and "'target':" in result.stdout


def literal_error_split(predicted, truth, ring):
    """Every pixel against every true pixel: the definition, no transform."""
    true_pixels = list(zip(*np.nonzero(truth)))
    counts = [0, 0, 0, 0]  # TP, FN, FP near, FP far
    for (y, x), p in np.ndenumerate(predicted):
        if truth[y, x]:
            counts[0 if p else 1] += 1
        elif p:
            nearest = min((math.hypot(y - ty, x - tx)
                           for ty, tx in true_pixels), default=math.inf)
            counts[2 if nearest <= ring else 3] += 1
    return tuple(counts)


def test_split_errors_hand_worked():
    truth = np.zeros((11, 11), bool)
    truth[5, 5] = True
    predicted = np.zeros_like(truth)
    predicted[5, 5] = True  # true positive
    predicted[5, 7] = True  # distance 2: near at ring 2
    predicted[7, 7] = True  # distance 2.83: far
    predicted[5, 8] = True  # distance 3: far
    assert split_errors(predicted, truth, ring=2) == (1, 0, 1, 2)
    assert split_errors(predicted, truth, ring=3) == (1, 0, 3, 0)
    # no true pixel: every false positive is far; nothing to miss
    assert split_errors(predicted, np.zeros_like(truth), 2) == (0, 0, 0, 4)
    # the complement: (5, 5) missed; of the 12 other pixels within 2 of it
    # (5, 7) is not predicted, so 11 near, and 121 - 4 - 11 = 106 far
    assert split_errors(~predicted, truth, 2) == (0, 1, 11, 106)


def test_split_errors_matches_literal_loop():
    rng = np.random.default_rng(3)
    for _ in range(3):
        truth = np.zeros((24, 30), bool)
        cv2.circle(truth.view(np.uint8), (int(rng.integers(5, 25)),
                                          int(rng.integers(5, 19))),
                   int(rng.integers(2, 6)), 1, -1)
        predicted = rng.random(truth.shape) < 0.3
        for ring in (1, 2.5, 6):
            assert split_errors(predicted, truth, ring) == \
                literal_error_split(predicted, truth, ring)


def test_feature_cell_purity_hand_worked():
    """Stride 2 on a 5x5 map (cropped to 4x4): the cells take the labels
    at (0, 0), (0, 2), (2, 0), (2, 2) (nearest): 0, 1, 2, 0. Their blocks:
    {0, 0, 0, 1}: 0 at 3/4; {1, 1, 1, 1}: 1; {2, 2, 2, 2}: 1; {0, 0, 0,
    255}: 0 at 3/4 (ignored pixels are not the class)."""
    labels = torch.tensor([[0, 0, 1, 1, 2],
                           [0, 1, 1, 1, 2],
                           [2, 2, 0, 0, 2],
                           [2, 2, 0, 255, 2],
                           [1, 1, 1, 1, 1]])
    counts, sums = feature_cell_purity(labels, 2, 4)
    assert counts.tolist() == [2, 1, 1, 0]
    assert sums.tolist() == [1.5, 1.0, 1.0, 0.0]


@pytest.mark.slow
def test_analyze_feature_purity_tool_at_stride_one(trained):
    """At stride 1 every cell is one pixel: each present class's cell share
    is its pixel share and its purity 100 %."""
    config = trained[0]
    result = run_tool([
        'tools/analyze_feature_purity.py', str(config), '--datasets',
        'source', '--stride', '1'
    ])
    rows = [line.split() for line in result.stdout.splitlines()
            if line.split() and line.split()[0] in ('normal', 'lesion')]
    assert len(rows) == 2, result.stdout
    for _, pixels, cells, purity in rows:
        assert float(pixels) > 0 and cells == pixels and purity == '100.0'
    result = run_tool([
        'tools/analyze_feature_purity.py', str(config), '--datasets',
        'source', '--stride', '8'
    ])
    purities = [float(line.split()[3]) for line in result.stdout.splitlines()
                if line.split() and line.split()[0] == 'lesion']
    assert 0 < purities[0] < 100


def test_band_counts_by_hand():
    from analyze_errors import band_counts
    mask = np.zeros((8, 2), bool)
    mask[[0, 5, 6, 7]] = True
    assert band_counts(mask, 4).tolist() == [2, 0, 2, 4]
    # 5 rows in 2 bands: rows 0-2, then 3-4 (row r in band r * 2 // 5)
    assert band_counts(np.ones((5, 1), bool), 2).tolist() == [3, 2]


def test_split_errors_size_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match='differ in size'):
        split_errors(np.zeros((4, 4), bool), np.zeros((4, 5), bool), 1)


@pytest.mark.slow
def test_analyze_errors_tool(trained, tiny_endosynth):
    config, checkpoint, folder = trained
    out = folder / 'errors.png'
    result = run_tool([
        'tools/analyze_errors.py',
        str(config),
        str(checkpoint),
        str(checkpoint), '--dataset', 'val_dataloader.dataset', '--out',
        str(out), '--num-images', '2', '--bands', '4'
    ])
    lines = [line for line in result.stdout.splitlines()
             if line.startswith(f'{checkpoint} (lesion')]
    assert len(lines) == 2 and lines[0] == lines[1]
    bands = re.findall(r'false positives by band of rows, top to bottom '
                       r'\(% of (\d+) pixels\): (.*)', result.stdout)
    assert len(bands) == 2
    shares = [float(share) for share in bands[0][1].split(', ')]
    assert len(shares) == 4
    assert sum(shares) == pytest.approx(100, abs=0.5) or bands[0][0] == '0'
    numbers = dict(
        re.findall(r'(IoU|precision|recall|area|near \(<= 10 px\)|far) '
                   r'([\d.]+)', lines[0]))
    iou, precision, recall = (float(numbers[key]) / 100
                              for key in ('IoU', 'precision', 'recall'))
    # IoU from precision and recall: 1 / IoU = 1 / P + 1 / R - 1
    if precision and recall:
        assert iou == pytest.approx(
            1 / (1 / precision + 1 / recall - 1), abs=2e-3)
    # predicted area = TP + FP = recall * true area + near + far
    assert float(numbers['area']) == pytest.approx(
        recall + float(numbers['near (<= 10 px)']) + float(numbers['far']),
        abs=2e-3)
    # two rows (images) of three columns: outline, then the two (same)
    # checkpoints' predictions, which must be drawn alike
    image = cv2.imread(str(out))
    height, width = image.shape[0] // 2, image.shape[1] // 3
    assert image.shape[:2] == (2 * height, 3 * width)
    for row in range(2):
        cells = [
            image[row * height:(row + 1) * height, c * width:(c + 1) * width]
            for c in range(3)
        ]
        assert np.array_equal(cells[1], cells[2])
    # The plain segmentor config (BL's) reads the adapter checkpoint's
    # segmentor and predicts the same.
    plain_folder = folder / 'plain'
    plain_folder.mkdir(exist_ok=True)
    plain = run_tool([
        'tools/analyze_errors.py',
        str(write_tiny_config(plain_folder, tiny_endosynth)),
        str(checkpoint), '--dataset', 'val_dataloader.dataset', '--out',
        str(plain_folder / 'errors.png')
    ])
    assert lines[0] in plain.stdout.splitlines()


@pytest.mark.slow
def test_analyze_errors_unknown_class_names_the_classes(trained):
    config, checkpoint, folder = trained
    result = run_tool([
        'tools/analyze_errors.py',
        str(config),
        str(checkpoint), '--dataset', 'val_dataloader.dataset', '--class',
        'polyp', '--out',
        str(folder / 'x.png')
    ], expect_ok=False)
    assert result.returncode != 0
    assert "--class 'polyp' is not a class of" in result.stderr
    assert "'lesion'" in result.stderr


@pytest.mark.slow
def test_analyze_errors_groups_equal_runs_on_each_group(trained,
                                                       tiny_endosynth):
    """``--groups``: each group's line is what the tool prints for a
    dataset of that group's images alone (its own split file). The class
    is 'normal', which this briefly trained model predicts (it predicts no
    lesion yet), so the groups' figures differ with their lesions' areas."""
    config, checkpoint, folder = trained
    names = (tiny_endosynth / 'target/test.txt').read_text().split()
    assert len(names) == 4
    members = {'first': names[:1], 'rest': names[1:]}
    groups = folder / 'groups.txt'
    # lines in another order than the split's, plus a name the split lacks
    groups.write_text('\n'.join([f'{n} rest' for n in names[:0:-1]] +
                                 [f'{names[0]} first', 'unused rest', '']))

    def figures(stdout: str, prefix: str) -> str:
        line, = [l for l in stdout.splitlines() if l.startswith(prefix)]
        return line.split(': ', 1)[1]

    common = ['tools/analyze_errors.py', str(config), str(checkpoint),
              '--dataset', 'val_dataloader.dataset', '--num-images', '1',
              '--class', 'normal']
    grouped = run_tool(common + ['--groups', str(groups), '--out',
                                 str(folder / 'grouped.png')]).stdout
    by_group = {
        group: figures(grouped, f'  group {group} ({len(images)} images)')
        for group, images in members.items()
    }
    assert by_group['first'] != by_group['rest']
    for group, images in members.items():
        split = folder / f'{group}.txt'
        split.write_text('\n'.join(images) + '\n')
        alone = run_tool(common + [
            '--out', str(folder / f'{group}.png'), '--cfg-options',
            f'val_dataloader.dataset.ann_file={split}'
        ]).stdout
        assert by_group[group] == figures(
            alone, f'{checkpoint} (normal, {len(images)} images)')


@pytest.mark.slow
def test_analyze_errors_group_missing_names_file_and_image(trained,
                                                           tiny_endosynth):
    config, checkpoint, folder = trained
    names = (tiny_endosynth / 'target/test.txt').read_text().split()
    groups = folder / 'partial_groups.txt'
    for text, messages in (
        (f'{names[0]} a\n', (f'{groups} has no group for 3 image(s)',
                             repr(names[1]))),
        (f'{names[0]}\n', (f"{groups}, line 1: expected 'image group'",))):
        groups.write_text(text)
        result = run_tool([
            'tools/analyze_errors.py', str(config), str(checkpoint),
            '--dataset', 'val_dataloader.dataset', '--groups', str(groups),
            '--out', str(folder / 'y.png')
        ], expect_ok=False)
        assert result.returncode != 0
        assert all(message in result.stderr for message in messages)


def test_whole_image_pipeline_resizes_masks_with_frames(tmp_path):
    """A frame the test pipeline resizes (ColonDB's 384x334 to 331x288):
    the mask is resized with it, so predictions and masks compare."""
    from mmcv.transforms import Compose
    from mmengine.config import Config

    from mmseg_srt.apis import whole_image_pipeline
    image = np.zeros((30, 40, 3), np.uint8)
    mask = np.zeros((30, 40), np.uint8)
    mask[10:20, 10:30] = 1
    cv2.imwrite(str(tmp_path / 'f.png'), image)
    cv2.imwrite(str(tmp_path / 'm.png'), mask)
    cfg = Config(dict(test_pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(20, 15), keep_ratio=True),
        dict(type='LoadAnnotations')
    ]))
    pipeline = Compose(whole_image_pipeline(cfg, dict(type='LoadAnnotations')))
    out = pipeline(
        dict(img_path=str(tmp_path / 'f.png'),
             seg_map_path=str(tmp_path / 'm.png'), reduce_zero_label=False,
             seg_fields=[]))
    assert out['img'].shape[:2] == (15, 20)
    assert out['gt_seg_map'].shape == (15, 20)
    assert out['gt_seg_map'][5:10, 5:15].all()
    assert not out['gt_seg_map'][:5].any()


def _load_tool(name):
    import importlib.util

    from .conftest import REPO
    spec = importlib.util.spec_from_file_location(name,
                                                  REPO / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_image_miou_hand_worked():
    """Truth [[0, 0], [1, 255]], prediction [[0, 1], [1, 2]]: class 0 IoU
    1/2, class 1 1/2, class 2 predicted only on the ignored pixel (left
    out, so not a class of the image): mean 50."""
    tool = _load_tool('compare_predictions')
    truth = np.array([[0, 0], [1, 255]])
    predicted = np.array([[0, 1], [1, 2]])
    assert tool.image_miou(predicted, truth, 3) == pytest.approx(50.)


@pytest.mark.slow
def test_compare_predictions_figure(trained):
    """Two rows (images) of four tiles: frame, truth, and the same
    checkpoint twice, drawn alike; a legend below."""
    config, checkpoint, folder = trained
    out = folder / 'compare.png'
    result = run_tool([
        'tools/compare_predictions.py',
        str(config),
        str(checkpoint),
        str(checkpoint), '--names', 'a', 'b', '--dataset',
        'val_dataloader.dataset', '--num-images', '2', '--out',
        str(out)
    ])
    assert '2 images x 2 models' in result.stdout
    image = cv2.imread(str(out))
    rows = image[:-24]  # the legend
    height, width = rows.shape[0] // 2, rows.shape[1] // 4
    assert rows.shape[:2] == (2 * height, 4 * width)
    bar = 22  # title bars differ by name; the maps below them do not
    for row in range(2):
        cells = [
            rows[row * height + bar:(row + 1) * height,
                 c * width:(c + 1) * width] for c in range(4)
        ]
        assert np.array_equal(cells[2], cells[3])
        assert not np.array_equal(cells[0], cells[2])


# Every tool that reads checkpoints, with the arguments that follow them
# (outputs under OUT); a multi-checkpoint tool gets a real checkpoint first.
CHECKPOINT_TOOLS = {
    'compare_predictions': (True, ['--out', 'OUT/x.png']),
    'analyze_errors': (True, ['--out', 'OUT/x.png']),
    'analyze_norm_stats': (True, []),
    'visualize_pseudo_labels': (True, ['--out', 'OUT/x.png']),
    'test': (False, ['--work-dir', 'OUT/work']),
    'adapt_norm_stats': (False, ['--out', 'OUT/x.pth']),
    'export_segmentor': (False, ['--out', 'OUT/x.pth']),
    'inference': (False, ['IMAGES', '--out-dir', 'OUT/pred']),  # folder
    'tsne_features': (False, ['--out', 'OUT/x.png']),
    'analyze_image_label_veto': (True, []),
}


@pytest.mark.slow
@pytest.mark.parametrize('damage', ['missing', 'cut'])
@pytest.mark.parametrize('tool', sorted(CHECKPOINT_TOOLS))
def test_damaged_checkpoint_stops_tool_first(tool, damage, trained, tmp_path,
                                             monkeypatch, capsys):
    """A checkpoint path that is not a file, or a checkpoint cut short
    (what a kill during ``torch.save`` leaves), ends every
    checkpoint-reading tool with one line naming it (``SystemExit`` with the
    message, which Python prints alone, no traceback), before anything is
    built, computed or written: a multi-checkpoint tool does not first spend
    a pass on the checkpoints that are whole. In one interpreter (as `python
    TOOL ...`, each tool as ``__main__``), so mmseg is imported once."""
    import runpy

    from .conftest import REPO
    config, checkpoint, folder = trained
    several, rest = CHECKPOINT_TOOLS[tool]
    gone = tmp_path / 'iter_9999.pth'
    expected = f'checkpoint not found: {gone}'
    if damage == 'cut':
        whole = checkpoint.read_bytes()
        gone.write_bytes(whole[:len(whole) // 2])
        expected = (f'checkpoint {gone} is cut short: {len(whole) // 2} '
                    'bytes of a zip archive without its end (its write was '
                    'interrupted)')
    out = tmp_path / 'out'
    rest = [
        str(folder) if arg == 'IMAGES' else arg.replace('OUT', str(out))
        for arg in rest
    ]
    checkpoints = [str(checkpoint), str(gone)] if several else [str(gone)]
    config_arg = [] if tool == 'export_segmentor' else [str(config)]
    path = str(REPO / 'tools' / f'{tool}.py')
    monkeypatch.setattr(sys, 'argv', [path, *config_arg, *checkpoints, *rest])
    monkeypatch.syspath_prepend(str(REPO / 'tools'))
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(path, run_name='__main__')
    assert stop.value.code == expected
    assert capsys.readouterr().out == ''  # no pass over the whole one
    assert not out.exists()


def _norm_input_statistics(model, batches):
    """Literal AdaBN: each batch norm's input, with every batch norm
    normalising by the batch's own statistics (and tracking none), per
    batch; returns {name: (mean over batches of the channel means, mean
    over batches of the unbiased channel variances)}."""
    import torch
    from mmengine.dataset import pseudo_collate

    from mmseg_srt.apis import batch_norm_statistics, segmentor_of
    segmentor = segmentor_of(model)
    seen = {}
    hooks = [
        module.register_forward_hook(
            lambda m, inputs, output, name=name: seen.setdefault(
                name, []).append(inputs[0].detach().clone()))
        for name, module in segmentor.named_modules()
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm)
    ]
    with torch.no_grad(), batch_norm_statistics(segmentor):
        for items in batches:
            batch = segmentor.data_preprocessor(pseudo_collate(items), False)
            segmentor.decode_head(segmentor.extract_feat(batch['inputs']))
    for hook in hooks:
        hook.remove()
    stats = {}
    for name, inputs in seen.items():
        dims = [d for d in range(inputs[0].dim()) if d != 1]
        means = torch.stack([x.mean(dim=dims) for x in inputs])
        variances = torch.stack([x.var(dim=dims, unbiased=True)
                                 for x in inputs])
        stats[name] = (means.mean(0), variances.mean(0))
    return stats


@pytest.mark.slow
def test_adapt_norm_stats_matches_a_literal_average(trained):
    """The tool's checkpoint holds, for every batch norm of the segmentor,
    the average over the dataset's batches of the batch mean and unbiased
    variance of its input (computed here with hooks, each batch norm on
    batch statistics); every other tensor is the input checkpoint's."""
    import torch
    from mmengine.config import Config

    from mmseg_srt.apis import (build_dataset, load_model,
                                whole_image_pipeline)
    from mmseg_srt.utils import load_checkpoint_safely
    config, checkpoint, folder = trained
    out = folder / 'adapted.pth'
    result = run_tool([
        'tools/adapt_norm_stats.py',
        str(config),
        str(checkpoint), '--dataset', 'val_dataloader.dataset',
        '--batch-size', '2', '--out',
        str(out)
    ])
    assert 'batch-norm buffers re-estimated on 2 batches of 2' in (
        result.stdout)
    cfg = Config.fromfile(str(config))
    dataset = build_dataset(
        cfg, 'val_dataloader.dataset',
        whole_image_pipeline(cfg, dict(type='PackSRTInputs')))
    assert len(dataset) == 4
    reference = _norm_input_statistics(
        load_model(cfg, str(checkpoint)),
        [[dataset[0], dataset[1]], [dataset[2], dataset[3]]])
    before = load_checkpoint_safely(str(checkpoint))['state_dict']
    after = load_checkpoint_safely(str(out))['state_dict']
    assert set(before) == set(after)
    checked = 0
    for key in before:
        module = key.rsplit('.', 1)[0][len('segmentor.'):]
        if key.endswith('.running_mean') and module in reference:
            torch.testing.assert_close(after[key], reference[module][0],
                                       rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(
                after[key.replace('running_mean', 'running_var')],
                reference[module][1], rtol=1e-4, atol=1e-5)
            checked += 1
        elif key.rsplit('.', 1)[-1] not in ('running_mean', 'running_var',
                                            'num_batches_tracked'):
            assert torch.equal(before[key], after[key]), key
    assert checked == len(reference) > 0


def test_confusion_hand_worked():
    """Truth [[0, 0], [1, 255]], prediction [[0, 1], [1, 2]]: class 0 has
    one pixel right and one called 1, class 1 one right; the ignored pixel
    counts nowhere."""
    tool = _load_tool('compare_predictions')
    counts = tool.confusion(np.array([[0, 1], [1, 2]]),
                            np.array([[0, 0], [1, 255]]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 0]]


def _train_with_and_without_adabn(tmp_path, write_config, other_hooks=''):
    """Train the config ``write_config(folder)`` writes twice, 2 iterations
    each: as written ('plain') and ending with AdaBNHook on its validation
    images, batch 2 ('hooked'), after ``other_hooks``. The last config and
    the two last checkpoints by name."""
    from mmengine.config import Config
    states = {}
    for name in ('plain', 'hooked'):
        folder = tmp_path / name
        folder.mkdir()
        config = write_config(folder)
        if name == 'hooked':
            dataset = Config.fromfile(
                str(config)).val_dataloader.dataset.to_dict()
            dataset.pop('pipeline')
            with open(config, 'a') as f:
                f.write(f'custom_hooks = [{other_hooks}dict(type="AdaBNHook", '
                        f'dataset={dataset!r}, batch_size=2)]\n')
        run_tool(['tools/train.py', str(config), '--work-dir',
                  str(folder / 'work')])
        states[name] = checkpoint_path(folder / 'work', 2)
    return config, states


@pytest.mark.slow
def test_adabn_hook_ends_training_with_the_datasets_statistics(
        tmp_path, tiny_endosynth):
    """A run with AdaBNHook ends with the weights of the same run without
    it and the batch-norm statistics that tools/adapt_norm_stats.py gives
    that run's checkpoint on the same images."""
    import torch

    from mmseg_srt.utils import load_checkpoint_safely
    config, states = _train_with_and_without_adabn(
        tmp_path, lambda folder: write_tiny_config(
            folder, tiny_endosynth, max_iters=2))
    run_tool([
        'tools/adapt_norm_stats.py',
        str(config),
        str(states['plain']), '--dataset', 'val_dataloader.dataset',
        '--batch-size', '2', '--out',
        str(tmp_path / 'adapted.pth')
    ])
    plain = load_checkpoint_safely(str(states['plain']))['state_dict']
    hooked = load_checkpoint_safely(str(states['hooked']))['state_dict']
    adapted = load_checkpoint_safely(str(tmp_path / 'adapted.pth'))[
        'state_dict']
    statistics = [k for k in plain if k.endswith(('.running_mean',
                                                  '.running_var'))]
    assert statistics
    for key in plain:
        if key in statistics:
            assert not torch.equal(plain[key], hooked[key]), key
            torch.testing.assert_close(hooked[key], adapted[key])
        elif not key.endswith('num_batches_tracked'):
            assert torch.equal(plain[key], hooked[key]), key


@pytest.mark.slow
def test_from_teacher_undoes_adabn_hook(tmp_path, tiny_endosynth):
    """A run with an EMA teacher that ends with AdaBNHook: --from-teacher
    gives its checkpoint the batch-norm statistics of the same run without
    the hook (its teacher copied them at the last step), and changes
    nothing else."""
    import torch

    from mmseg_srt.utils import load_checkpoint_safely
    teacher = ('model.update(teacher_momentum=0.5, '
               'pseudo_labeler=dict(samples_per_epoch=2))\n')
    config, states = _train_with_and_without_adabn(
        tmp_path, lambda folder: write_tiny_uda_config(
            folder, tiny_endosynth, max_iters=2, extra=teacher),
        other_hooks='dict(type="PseudoLabelHook"), ')
    run_tool([
        'tools/adapt_norm_stats.py',
        str(config),
        str(states['hooked']), '--from-teacher', '--out',
        str(tmp_path / 'undone.pth')
    ])
    plain = load_checkpoint_safely(str(states['plain']))['state_dict']
    hooked = load_checkpoint_safely(str(states['hooked']))['state_dict']
    undone = load_checkpoint_safely(str(tmp_path / 'undone.pth'))[
        'state_dict']
    statistics = [k for k in plain if k.startswith('segmentor.')
                  and k.endswith(('.running_mean', '.running_var'))]
    assert statistics
    for key in statistics:
        assert not torch.equal(plain[key], hooked[key]), key
    for key in plain:
        torch.testing.assert_close(undone[key], plain[key], rtol=0, atol=0,
                                   msg=key)
    # a checkpoint without a teacher is refused, naming it
    checkpoint = load_checkpoint_safely(str(tmp_path / 'undone.pth'))
    checkpoint['state_dict'] = {
        k: v for k, v in checkpoint['state_dict'].items()
        if not k.startswith('teacher.')}
    torch.save(checkpoint, str(tmp_path / 'no_teacher.pth'))
    result = run_tool(['tools/adapt_norm_stats.py', str(config),
                       str(tmp_path / 'no_teacher.pth'), '--from-teacher',
                       '--out', str(tmp_path / 'x.pth')], expect_ok=False)
    assert 'no_teacher.pth: no EMA teacher' in result.stderr


def test_veto_reach_hand_worked():
    """Two images of 2x2 pixels, 3 classes. Image 0 is labelled {0, 2}:
    class 1 is absent. Its pixels' probabilities (classes 0, 1, 2):
    (0.96, 0.03, 0.01) argmax 0, under 0.968, confident once 1 is removed
    (0.96 / 0.97 = 0.990); (0.10, 0.80, 0.10) argmax 1, vetoed;
    (0.01, 0.98, 0.01) argmax 1, confident and vetoed, and after the veto
    0.5 / 0.5, not confident; (0.02, 0.02, 0.96) argmax 2, under the
    threshold, confident after the veto (0.96 / 0.98 = 0.980). Image 1 is
    labelled {0} with class 2 unknown (weight 0): only class 1 is absent,
    and its pixels (0.97, 0.02, 0.01) x 2, (0.01, 0.01, 0.98) and
    (0.40, 0.50, 0.10) give argmax 0, 0, 2 (unknown, not vetoed) and 1
    (vetoed; after the veto 0.8 / 0.2)."""
    image0 = [[0.96, 0.03, 0.01], [0.10, 0.80, 0.10], [0.01, 0.98, 0.01],
              [0.02, 0.02, 0.96]]
    image1 = [[0.97, 0.02, 0.01], [0.97, 0.02, 0.01], [0.01, 0.01, 0.98],
              [0.40, 0.50, 0.10]]
    probs = torch.tensor([image0, image1]).permute(0, 2, 1).reshape(2, 3, 2, 2)
    labels = torch.tensor([[1., 0., 1.], [1., 0., 0.]])
    weights = torch.tensor([[1., 1., 1.], [1., 1., 0.]])
    reach = veto_reach(probs, labels, weights, confidence_threshold=0.968)
    assert reach.predicted.tolist() == [3, 3, 2]
    assert reach.vetoed.tolist() == [0, 3, 0]
    assert reach.confident.tolist() == [2, 1, 1]
    assert reach.confident_vetoed.tolist() == [0, 1, 0]
    assert reach.absent_images.tolist() == [0, 2, 0]
    # Confident shares: image 0, the 0.98 pixel alone (1 of 4); with the
    # veto its first and last pixels (2 of 4). Image 1, 0.97 twice and 0.98
    # (3 of 4); with the veto the same three (0.990 each), not 0.8.
    torch.testing.assert_close(reach.weight, torch.tensor([0.25, 0.75]))
    torch.testing.assert_close(reach.weight_with_veto,
                               torch.tensor([0.5, 0.75]))


@pytest.mark.slow
def test_analyze_image_label_veto_tool(trained, tiny_endosynth):
    """The tool's per-class rows on the target frames: the images in which
    each class is absent are those the dataset's image_labels.txt leaves it
    out of, a vetoed share is a share, and the pixels are every frame's."""
    config, checkpoint, _ = trained
    result = run_tool([
        'tools/analyze_image_label_veto.py',
        str(config),
        str(checkpoint), '--dataset', 'target'
    ])
    lines = (tiny_endosynth / 'target' / 'image_labels.txt').read_text()
    frames = [line.split() for line in lines.splitlines() if line.strip()]
    absent = {'normal': sum('0' not in f[1:] for f in frames),
              'lesion': sum('1' not in f[1:] for f in frames)}
    assert absent['lesion'] > 0
    rows = {line.split()[0]: line.split() for line in
            result.stdout.splitlines()
            if line.split() and line.split()[0] in ('normal', 'lesion',
                                                     'all')}
    assert set(rows) == {'normal', 'lesion', 'all'}, result.stdout
    for name in ('normal', 'lesion'):
        assert int(rows[name][5]) == absent[name]
        if rows[name][2] != '-':
            assert 0 <= float(rows[name][2]) <= 100
    total = int(re.search(r'(\d+) pixels', result.stdout).group(1))
    assert int(rows['all'][1]) == total
    assert int(rows['normal'][1]) + int(rows['lesion'][1]) == total
    assert f'target: {len(frames)} images' in result.stdout
    assert 'top probability >= 0.968' in result.stdout
    # This run has no EMA teacher: --teacher says so.
    result = run_tool([
        'tools/analyze_image_label_veto.py',
        str(config),
        str(checkpoint), '--teacher'
    ], expect_ok=False)
    assert result.returncode != 0
    assert 'has no EMA teacher (model.teacher_momentum)' in result.stderr
    # A config with a teacher, a checkpoint without one: named.
    result = run_tool([
        'tools/analyze_image_label_veto.py',
        str(config),
        str(checkpoint), '--teacher', '--cfg-options',
        'model.teacher_momentum=0.5'
    ], expect_ok=False)
    assert result.returncode != 0
    assert f'{checkpoint}: no EMA teacher weights' in result.stderr


def test_component_heights_hand_worked():
    """Two objects of class 1 (a 3x2 block: height 3, area 6; a 1x4 bar:
    height 1, area 4), one pixel touching the block diagonally (8-connected:
    the block becomes 4 rows, area 7), class 2 elsewhere; a minimum area
    drops the bar."""
    from mmseg_srt.apis import component_heights
    label_map = np.zeros((8, 8), np.uint8)
    label_map[1:4, 1:3] = 1
    label_map[4, 3] = 1
    label_map[6, 2:6] = 1
    label_map[0, 6] = 2
    assert sorted(component_heights(label_map, 1)) == [1, 4]
    assert component_heights(label_map, 1, min_pixels=5) == [4]
    assert component_heights(label_map, 2) == [1]
    assert component_heights(label_map, 3) == []
