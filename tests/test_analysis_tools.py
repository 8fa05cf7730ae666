"""tools/visualize_pseudo_labels.py and tools/tsne_features.py on a
checkpoint trained by tools/train.py."""
import re

import pytest

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config


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


def test_visualize_without_masks_and_eval_is_a_clear_error(trained):
    config, checkpoint, folder = trained
    result = run_tool([
        'tools/visualize_pseudo_labels.py',
        str(config),
        str(checkpoint), '--out',
        str(folder / 'x.png'), '--eval'
    ], expect_ok=False)
    assert result.returncode != 0
    assert "needs masks; dataset 'target_train'" in result.stderr


def test_tsne_features_figure(trained):
    config, checkpoint, folder = trained
    out = folder / 'tsne.png'
    result = run_tool([
        'tools/tsne_features.py',
        str(config),
        str(checkpoint), '--out',
        str(out), '--num-images', '3', '--pixels-per-class', '10', '--source',
        'train_dataloader.dataset.source', '--target', 'val_dataloader.dataset'
    ])
    assert out.stat().st_size > 1000
    assert "'source':" in result.stdout and "'target':" in result.stdout
