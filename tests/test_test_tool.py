"""tools/test.py evaluates a trained checkpoint the way mmseg's does."""
import re

import cv2
import numpy as np
import pytest

from .conftest import checkpoint_path, run_tool, write_tiny_config


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_endosynth):
    folder = tmp_path_factory.mktemp('trained')
    config = write_tiny_config(folder, tiny_endosynth, max_iters=2)
    work_dir = folder / 'work'
    run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
    return config, checkpoint_path(work_dir, 2)


def _iou_table(output: str) -> dict:
    """Per-class IoU rows of mmseg's IoUMetric table."""
    rows = re.findall(r'\|\s*(normal|lesion)\s*\|\s*([\d.]+|nan)\s*\|',
                      output)
    return {name: float(value) for name, value in rows}


@pytest.mark.slow
def test_prints_per_class_iou_and_miou(tmp_path, trained):
    config, checkpoint = trained
    result = run_tool([
        'tools/test.py',
        str(config),
        str(checkpoint), '--work-dir',
        str(tmp_path / 'work')
    ])
    output = result.stdout + result.stderr
    table = _iou_table(output)
    assert set(table) == {'normal', 'lesion'}
    miou = float(re.search(r'mIoU: ([\d.]+)', output).group(1))
    known = [v for v in table.values() if not np.isnan(v)]
    assert miou == pytest.approx(np.mean(known), abs=0.02)


@pytest.mark.slow
def test_out_and_show_dir_write_predictions(tmp_path, trained,
                                            tiny_endosynth):
    config, checkpoint = trained
    out_dir = tmp_path / 'out'
    run_tool([
        'tools/test.py',
        str(config),
        str(checkpoint), '--work-dir',
        str(tmp_path / 'work'), '--out',
        str(out_dir), '--show-dir',
        str(tmp_path / 'vis')
    ])
    names = (tiny_endosynth / 'target/test.txt').read_text().split()
    for name in names:
        prediction = cv2.imread(str(out_dir / f'{name}.png'),
                                cv2.IMREAD_UNCHANGED)
        assert prediction.shape == (128, 160)
        assert set(np.unique(prediction)) <= {0, 1}
    painted = list((tmp_path / 'vis').rglob('*.png'))
    assert len(painted) == len(names)
