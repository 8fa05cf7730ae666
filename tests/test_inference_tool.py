"""tools/inference.py: a folder of images -> masks and overlays, equal to
mmseg's own inference API on the same model."""
import pytest
import shutil

import cv2
import numpy as np
from mmengine.config import Config
from PIL import Image

from .conftest import checkpoint_path, run_tool, write_tiny_uda_config


@pytest.mark.slow
def test_folder_to_masks_and_overlays(tmp_path, tiny_endosynth):
    config = write_tiny_uda_config(tmp_path, tiny_endosynth, max_iters=2)
    work_dir = tmp_path / 'work'
    run_tool(['tools/train.py', str(config), '--work-dir', str(work_dir)])
    checkpoint = checkpoint_path(work_dir, 2)
    # Three target test frames, one in a subfolder, and a text file.
    frames = tmp_path / 'frames'
    (frames / 'sub').mkdir(parents=True)
    images = sorted((tiny_endosynth / 'target' / 'images').glob('*.png'))[:3]
    names = [images[0].name, images[1].name, f'sub/{images[2].name}']
    for image, name in zip(images, names):
        shutil.copyfile(image, frames / name)
    (frames / 'notes.txt').write_text('not an image')
    out = tmp_path / 'out'
    result = run_tool(['tools/inference.py', str(config), str(checkpoint),
                       str(frames), '--out-dir', str(out), '--opacity',
                       '0.4'])
    assert '3/3' in result.stdout  # the progress bar reached the end
    assert '3 images' in result.stdout

    # The reference: mmseg's inference_model on the adapter's segmentor.
    import mmseg_srt  # noqa: F401
    from mmseg.apis import inference_model
    from mmseg_srt.apis import load_model, segmentor_of
    cfg = Config.fromfile(str(config))
    segmentor = segmentor_of(load_model(cfg, str(checkpoint)))
    segmentor.cfg = cfg
    palette = np.array([[120, 120, 120], [220, 40, 40]])  # EndoSynth's
    for name in names:
        expected = inference_model(
            segmentor, str(frames / name)).pred_sem_seg.data[0].numpy()
        with Image.open(out / 'masks' / name) as mask_file:
            assert mask_file.mode == 'P'
            mask = np.array(mask_file)
        np.testing.assert_array_equal(mask, expected)
        image = cv2.imread(str(frames / name)).astype(np.float64)
        blended = cv2.imread(str(out / 'overlays' / name))
        # 0.6 image + 0.4 class colour (BGR), per pixel, rounded.
        colour = palette[mask][..., ::-1]
        np.testing.assert_array_equal(
            blended, np.round(0.6 * image + 0.4 * colour).astype(np.uint8))
    assert sorted(p.name for p in (out / 'masks').rglob('*.png')) == sorted(
        n.split('/')[-1] for n in names)
    bad = run_tool(['tools/inference.py', str(config), str(checkpoint),
                    str(tmp_path / 'nowhere')], expect_ok=False)
    assert bad.returncode != 0 and 'nowhere: no such image or folder' in \
        bad.stderr
