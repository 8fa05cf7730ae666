"""tools/convert_datasets/polyp_free_crops.py on hand-made frames."""
import pytest
import cv2
import numpy as np

from .conftest import run_tool

# one solid colour per quadrant (BGR): TL, TR, BL, BR
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)]


def write_frame(target, name, polyp_box):
    height, width = 64, 96
    image = np.zeros((height, width, 3), np.uint8)
    for i, (y0, x0) in enumerate([(0, 0), (0, 48), (32, 0), (32, 48)]):
        image[y0:y0 + 32, x0:x0 + 48] = COLOURS[i]
    mask = np.zeros((height, width), np.uint8)
    y0, y1, x0, x1 = polyp_box
    mask[y0:y1, x0:x1] = 1
    cv2.imwrite(str(target / 'images' / f'{name}.jpg'), image)
    cv2.imwrite(str(target / 'masks' / f'{name}.png'), mask)


@pytest.mark.slow
def test_polyp_free_crops(tmp_path):
    target = tmp_path / 'target'
    (target / 'images').mkdir(parents=True)
    (target / 'masks').mkdir()
    # 1: polyp in the top-left quadrant -> the top-right one is free
    write_frame(target, '1', (5, 10, 5, 10))
    # 2: polyp at the centre -> every quadrant is within the 8 px margin
    write_frame(target, '2', (30, 34, 46, 50))
    # 3: polyp in the top-left, but within 8 px of the top-right quadrant
    # (x 40-43, the quadrant starts at 48) -> bottom-left is the first free
    write_frame(target, '3', (2, 6, 40, 44))
    (target / 'train.txt').write_text('1\n2\n3\n')
    (target / 'image_labels.txt').write_text('1 0 1\n2 0 1\n3 0 1\n')
    result = run_tool(
        ['tools/convert_datasets/polyp_free_crops.py',
         str(tmp_path)])
    assert '2 polyp-free crops of 3 frames' in result.stdout
    assert (target / 'train_free.txt').read_text().split() == \
        ['1', '2', '3', '1_free', '3_free']
    assert (target / 'image_labels_free.txt').read_text().splitlines() == \
        ['1 0 1', '2 0 1', '3 0 1', '1_free 0', '3_free 0']
    for name, quadrant in (('1_free', 1), ('3_free', 2)):
        crop = cv2.imread(str(target / 'images' / f'{name}.jpg'))
        assert crop.shape == (64, 96, 3)  # enlarged to the frame's size
        # JPEG's chroma upsampling blends colours across the quadrant's
        # edge: compare inside it
        assert np.abs(crop[8:-8, 8:-8].astype(int) -
                      COLOURS[quadrant]).max() <= 6
        mask = cv2.imread(str(target / 'masks' / f'{name}.png'),
                          cv2.IMREAD_GRAYSCALE)
        assert mask.shape == (64, 96) and not mask.any()
